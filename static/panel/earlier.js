/* The conversation opens on its latest messages; earlier pages come as the agent scrolls to the top (or clicks
   "Load earlier messages"): fetched from /panel/c/<id>/earlier/?before=<cursor>, put above the first message shown
   with the reader kept where they were. Live messages are panel.js's: they go below, and a page never brings one
   twice. No framework. */
(function () {
  "use strict";
  const marker = document.getElementById("messages-earlier");
  const box = document.getElementById("messages");
  if (!marker || !box) return;
  const MARGIN = 200; // px above the box: the next page is asked a little before the reader gets to the top
  let busy = false;

  function setState(state) {
    marker.dataset.state = state;
  }

  function firstContent() {
    return marker.nextElementSibling;
  }

  function toFragment(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const fragment = template.content;
    // A message already on the page (it came live while this page was on its way) is not shown twice.
    fragment.querySelectorAll(".msg[id]").forEach(function (message) {
      if (document.getElementById(message.id)) message.remove();
    });
    return fragment;
  }

  function prepend(fragment) {
    const first = firstContent();
    const anchor = box.querySelector(".msg") || first; // what the reader sees stays where it is on the screen
    const top = anchor ? anchor.getBoundingClientRect().top : 0;
    const separators = fragment.querySelectorAll(".day-separator");
    const lastDay = separators.length ? separators[separators.length - 1].dataset.day : null;
    marker.after(fragment);
    // The old first separator now sits in the middle of its day when the page ended on that day.
    if (first && first.classList.contains("day-separator") && first.dataset.day === lastDay) first.remove();
    if (anchor) box.scrollTop += anchor.getBoundingClientRect().top - top;
  }

  function topInSight() {
    return marker.getBoundingClientRect().bottom >= box.getBoundingClientRect().top - MARGIN;
  }

  async function load() {
    if (busy || marker.dataset.state === "start") return;
    busy = true;
    setState("loading");
    try {
      const url = marker.dataset.url + "?before=" + encodeURIComponent(marker.dataset.cursor);
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok || response.redirected) throw new Error("HTTP " + response.status + " for " + url);
      const page = await response.json();
      prepend(toFragment(page.html));
      if (page.cursor) marker.dataset.cursor = page.cursor;
      setState(page.has_more ? "more" : "start");
    } catch (error) {
      console.warn("panel: earlier messages", error);
      setState("error");
    } finally {
      busy = false;
    }
    // The page was short (or the screen is tall): the top is still in sight, and the observer only speaks when
    // that changes, so the next page now.
    if (marker.dataset.state === "more" && topInSight()) load();
  }

  marker.addEventListener("click", function (event) {
    if (event.target.closest("#messages-earlier-button, #messages-earlier-retry")) load();
  });

  if ("IntersectionObserver" in window) {
    // Scrolling to the top loads the page before; after a failure, only the "Try again" button does.
    const observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; }) && marker.dataset.state === "more") load();
    }, { root: box, rootMargin: MARGIN + "px 0px 0px 0px" });
    // Start watching once panel.js has put the reader at the latest message (the marker is then out of sight).
    window.requestAnimationFrame(function () { observer.observe(marker); });
  }
  window.PanelEarlier = { load: load };
})();
