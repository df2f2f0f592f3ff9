// The rule editor: the dynamic-value menu inserts "[Name]" at the cursor of the last text field used, and the
// condition fields that do not apply to the chosen trigger are hidden.
(function () {
  "use strict";
  var form = document.getElementById("rule-form");
  if (!form) return;
  var last = null;
  form.addEventListener("focusin", function (event) {
    var el = event.target;
    if ((el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type === "text")) && el.closest("#actions")) last = el;
  });
  form.querySelectorAll("[data-insert]").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = last || document.getElementById("id_task_name");
      var value = button.getAttribute("data-insert");
      var start = target.selectionStart == null ? target.value.length : target.selectionStart;
      var end = target.selectionEnd == null ? start : target.selectionEnd;
      target.value = target.value.slice(0, start) + value + target.value.slice(end);
      target.focus();
      target.setSelectionRange(start + value.length, start + value.length);
    });
  });
  var trigger = document.getElementById("id_event_source");
  function showConditions() {
    var thirdParty = trigger && /^On(Zendesk|Salesforce)/.test(trigger.value);
    form.querySelectorAll(".conversation-only").forEach(function (el) { el.hidden = thirdParty; });
    form.querySelectorAll(".third-party-only").forEach(function (el) { el.hidden = !thirdParty; });
  }
  if (trigger) { trigger.addEventListener("change", showConditions); showConditions(); }
})();
