/* The contact's "Start conversation" box in admin (leads/templates/admin/leads/contact/change_form.html):
   asks the API for the outreach text and keeps the WhatsApp link in step with the edits. */
(function () {
  "use strict";
  const box = document.getElementById("outreach");
  const text = document.getElementById("outreach-text");
  const link = document.getElementById("outreach-whatsapp");
  let phone = "";

  function relink() {
    if (!phone) { link.hidden = true; return; }
    link.hidden = false;
    link.href = "https://wa.me/" + phone + "?text=" + encodeURIComponent(text.value);
  }
  function generate(event) {
    if (event) event.preventDefault();
    box.hidden = false;
    text.disabled = true;
    fetch(box.dataset.url, {method: "POST", credentials: "same-origin",
                            headers: {"X-CSRFToken": box.dataset.csrf, "Accept": "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(box.dataset.error); return r.json(); })
      .then(function (data) {
        text.value = data.message;
        document.getElementById("outreach-profile").textContent = "· " + data.profile_name;
        phone = data.whatsapp_url ? new URL(data.whatsapp_url).pathname.replace(/\D/g, "") : "";
        relink();
      })
      .catch(function (error) { window.alert(error.message); })
      .finally(function () { text.disabled = false; });
  }
  document.getElementById("outreach-start").addEventListener("click", generate);
  document.getElementById("outreach-regenerate").addEventListener("click", generate);
  text.addEventListener("input", relink);
  document.getElementById("outreach-copy").addEventListener("click", function (event) {
    const button = event.currentTarget;
    navigator.clipboard.writeText(text.value).then(function () { button.textContent = box.dataset.copied; });
  });
})();
