/* The audit page: a transcript line's time plays the recording from there; the AI's quoted evidence scrolls to
   (and highlights) its line; a changed answer shows at once whether it differs from the AI's, and a preview of
   the score (the server computes the real one on save). Listeners only: the CSP allows no inline script. */
(function () {
  "use strict";
  const audio = document.getElementById("audit-audio");
  const transcript = document.getElementById("transcript");

  function highlight(line) {
    if (!line) { return; }
    document.querySelectorAll(".transcript-line.is-focused").forEach(function (el) { el.classList.remove("is-focused"); });
    line.classList.add("is-focused");
    line.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function seek(seconds) {
    if (!audio || !isFinite(seconds)) { return; }
    audio.currentTime = seconds;
    const playing = audio.play();
    if (playing && playing.catch) { playing.catch(function () { /* no sound allowed yet: the position is set */ }); }
  }

  document.addEventListener("click", function (event) {
    const target = event.target.closest("[data-seek], [data-jump-line]");
    if (!target) { return; }
    event.preventDefault();
    if (target.hasAttribute("data-jump-line")) {
      highlight(document.getElementById("line-" + target.getAttribute("data-jump-line")));
    } else if (target.closest(".transcript-line")) {
      highlight(target.closest(".transcript-line"));
    }
    if (target.hasAttribute("data-seek")) { seek(parseFloat(target.getAttribute("data-seek"))); }
  });

  // While the recording plays, the line being said is marked.
  if (audio && transcript) {
    const timed = Array.prototype.slice.call(transcript.querySelectorAll(".transcript-line[data-start]"));
    audio.addEventListener("timeupdate", function () {
      let current = null;
      timed.forEach(function (line) { if (parseFloat(line.getAttribute("data-start")) <= audio.currentTime) { current = line; } });
      timed.forEach(function (line) { line.classList.toggle("is-playing", line === current); });
    });
  }

  // Answers: the "differs from the AI" badge and the score preview.
  const FRACTIONS = { yes: 1, partial: 0.5, no: 0, "1": 0, "2": 0.25, "3": 0.5, "4": 0.75, "5": 1 };
  const preview = document.getElementById("score-preview");

  function answerOf(item) {
    const checked = item.querySelector(".answer-input:checked");
    return checked ? checked.value : "";
  }

  function refresh() {
    let earned = 0, total = 0, critical = false;
    document.querySelectorAll(".criterion").forEach(function (item) {
      const answer = answerOf(item);
      const ai = item.getAttribute("data-ai-answer") || "";
      const badge = item.querySelector(".criterion-differs");
      if (badge && item.querySelector(".answer-input")) {
        badge.classList.toggle("d-none", !(ai && answer && ai !== answer));
      }
      if (!(answer in FRACTIONS)) { return; }
      const weight = parseFloat(item.getAttribute("data-weight")) || 0;
      earned += weight * FRACTIONS[answer];
      total += weight;
      if (item.hasAttribute("data-critical") && (answer === "no" || answer === "1")) { critical = true; }
    });
    if (!preview) { return; }
    if (!total) { preview.textContent = "—"; return; }
    const raw = Math.round(10000 * earned / total) / 100;
    preview.textContent = critical ? "0 (" + raw.toFixed(1) + ")" : raw.toFixed(1);
    preview.classList.toggle("text-danger", critical);
  }

  document.addEventListener("change", function (event) {
    if (event.target.classList && event.target.classList.contains("answer-input")) { refresh(); }
  });
  refresh();
})();
