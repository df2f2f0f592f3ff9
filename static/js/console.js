/* The console's plain (non-htmx) forms: once submitted, the button that sent it shows it is working and is
   disabled, so a slow save is not sent twice. A page shown again from the back/forward cache gets its buttons
   back. */
(function () {
  "use strict";
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (evt.defaultPrevented || form.hasAttribute("hx-get") || form.hasAttribute("hx-post")) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    var button = evt.submitter || form.querySelector("button[type=submit], button:not([type])");
    if (!button) return;
    button.classList.add("is-working");
    button.setAttribute("aria-busy", "true");
    // After this tick, so the button's own name/value is still sent with the form.
    setTimeout(function () { button.disabled = true; }, 0);
  });
  window.addEventListener("pageshow", function (evt) {
    if (!evt.persisted) return;
    document.querySelectorAll("button.is-working").forEach(function (button) {
      button.classList.remove("is-working");
      button.removeAttribute("aria-busy");
      button.disabled = false;
    });
  });
})();
