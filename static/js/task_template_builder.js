/* The task template builder's small client side: move a field up or down (renumbering the formset's ORDER
   inputs), show the options box only for single-select fields, and ask htmx for a fresh preview after a move.
   Adding a field and the preview itself are htmx; saving is a plain form post. */
(function () {
  "use strict";
  var form = document.getElementById("template-form");
  if (!form) return;
  var rows = document.getElementById("field-rows");

  function renumber() {
    var items = rows.querySelectorAll("[data-field-row]");
    items.forEach(function (row, i) {
      var order = row.querySelector('input[name$="-ORDER"]');
      if (order) order.value = i + 1;
    });
    var empty = form.querySelector("[data-empty-fields]");
    if (empty) empty.hidden = items.length > 0;
  }

  function syncType(row) {
    var select = row.querySelector('select[name$="-type"]');
    if (!select) return;
    var options = row.querySelector("[data-options]");
    if (options) options.hidden = select.value !== "SINGLE_SELECT";
    var badge = row.querySelector("[data-row-type]");
    if (badge) badge.textContent = select.value;
  }

  rows.addEventListener("click", function (event) {
    var button = event.target.closest("[data-move]");
    if (!button) return;
    var row = button.closest("[data-field-row]");
    if (button.dataset.move === "up" && row.previousElementSibling) {
      rows.insertBefore(row, row.previousElementSibling);
    } else if (button.dataset.move === "down" && row.nextElementSibling) {
      rows.insertBefore(row.nextElementSibling, row);
    } else {
      return;
    }
    renumber();
    button.focus();
    htmx.trigger(form, "tt:reordered");
  });

  rows.addEventListener("change", function (event) {
    if (event.target.matches('select[name$="-type"]')) syncType(event.target.closest("[data-field-row]"));
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== rows) return;
    renumber();
    var added = rows.lastElementChild;
    if (added) {
      syncType(added);
      var name = added.querySelector('input[name$="-name"]');
      if (name) name.focus();
    }
    htmx.trigger(form, "tt:reordered");
  });
})();
