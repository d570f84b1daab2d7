/* Automation rules in admin: each action shows only the fields its kind reads (the rest stay in the form, hidden). */
(function () {
  "use strict";

  var FIELDS = {
    assign_agent: ["agent"],
    route: ["priority"],
    add_tag: ["tag_name"],
    set_priority: ["priority"],
    send_message: ["text"],
    send_template: ["template", "template_variables"],
    create_ticket: ["text", "ticket_category", "ticket_priority"],
    create_followup: ["text", "template", "template_variables", "delay_minutes"],
    notify: ["text", "notify_users", "notify_assignee", "notify_supervisors"]
  };
  var ALL = ["agent", "priority", "tag_name", "text", "template", "template_variables", "ticket_category",
             "ticket_priority", "delay_minutes", "notify_users", "notify_assignee", "notify_supervisors"];

  function apply(inline) {
    var select = inline.querySelector("select[name$='-kind']");
    if (!select) { return; }
    var shown = FIELDS[select.value] || [];
    ALL.forEach(function (name) {
      inline.querySelectorAll(".form-row.field-" + name).forEach(function (row) {
        row.hidden = shown.indexOf(name) === -1;
      });
    });
    var needs = inline.querySelector("fieldset.automation-needs");
    if (needs) { needs.hidden = shown.length === 0; }
  }

  function applyAll() {
    document.querySelectorAll("#actions-group .inline-related").forEach(apply);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("#actions-group select[name$='-kind']")) {
      apply(event.target.closest(".inline-related"));
    }
  });
  document.addEventListener("formset:added", applyAll);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", applyAll);
  } else {
    applyAll();
  }
})();
