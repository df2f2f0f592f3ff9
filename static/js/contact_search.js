// Contact search: an error banner when a search does not answer, and exports that count rows as they arrive.
(function () {
  "use strict";
  var failed = document.getElementById("search-failed");
  document.body.addEventListener("htmx:responseError", function () { if (failed) failed.hidden = false; });
  document.body.addEventListener("htmx:sendError", function () { if (failed) failed.hidden = false; });
  document.body.addEventListener("htmx:afterSwap", function () { if (failed) failed.hidden = true; });

  function fileName(response, fallback) {
    var match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    return match ? match[1] : fallback;
  }

  async function download(link) {
    var progress = document.getElementById("export-progress");
    var say = function (text) { if (progress) progress.textContent = text; };
    var csv = link.href.indexOf("format=csv") !== -1;
    say("Exporting… 0 rows");
    try {
      var response = await fetch(link.href, { credentials: "same-origin" });
      if (!response.ok) { say("The export failed (" + response.status + ")."); return; }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var parts = [], lines = 0;
      for (;;) {
        var step = await reader.read();
        if (step.done) break;
        parts.push(step.value);
        var text = decoder.decode(step.value, { stream: true });
        for (var i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
        // A CSV field may hold a newline inside quotes, so CSV counts are close, JSON Lines' exact.
        say("Exporting… " + Math.max(0, csv ? lines - 1 : lines).toLocaleString() + " rows");
      }
      var rows = Math.max(0, csv ? lines - 1 : lines);
      var url = URL.createObjectURL(new Blob(parts, { type: response.headers.get("Content-Type") || "" }));
      var a = document.createElement("a");
      a.href = url;
      a.download = fileName(response, csv ? "contacts.csv" : "contacts.jsonl");
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
      say("Exported " + rows.toLocaleString() + " rows.");
      link.dispatchEvent(new CustomEvent("contact-export-done", { bubbles: true, detail: { rows: rows } }));
    } catch (error) {
      say("The export was interrupted. Try again.");
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-export]");
    if (!link || !window.fetch || !window.ReadableStream) return;
    event.preventDefault();
    download(link);
  });
})();
