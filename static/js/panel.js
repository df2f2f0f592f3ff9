/* The agent panel's small client side: timers and countdowns, which contact is selected, the
   connection banner, dialogs, the chime and notification for a new offer, keyboard shortcuts.
   Everything else is htmx and server-rendered HTML. */
(function () {
  "use strict";

  var clockOffset = 0; // server time minus browser time, in ms
  var selected = sessionStorage.getItem("ccp:selected") || "";
  var knownOffers = null; // ids of offers already announced; null until the first state arrives
  var opener = null;

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function elapsed(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h ? h + ":" + pad(m) + ":" + pad(s % 60) : m + ":" + pad(s % 60);
  }
  function now() { return Date.now() + clockOffset; }
  // A scheduled task's countdown: "in 2d 4h", "in 3:05:12", "in 0:42", then "starting…".
  function startsIn(ms) {
    if (ms <= 0) return "starting…";
    var days = Math.floor(ms / 86400000);
    if (days) return "in " + days + "d " + Math.floor((ms % 86400000) / 3600000) + "h";
    return "in " + elapsed(ms + 999);
  }

  function tick() {
    var t = now();
    $all("[data-since]").forEach(function (el) {
      var since = Date.parse(el.getAttribute("data-since"));
      if (!isNaN(since)) el.textContent = elapsed(t - since);
    });
    $all("[data-until]").forEach(function (el) {
      var until = Date.parse(el.getAttribute("data-until"));
      if (!isNaN(until)) el.textContent = startsIn(until - t);
    });
    $all("[data-expires]").forEach(function (el) {
      var end = Date.parse(el.getAttribute("data-expires"));
      var total = parseFloat(el.getAttribute("data-total")) || 30;
      var left = Math.max(0, (end - t) / 1000);
      var bar = $(".ccp-countdown-bar", el);
      if (bar) bar.style.transform = "scaleX(" + Math.min(1, left / total) + ")";
      var text = $(".ccp-countdown-text", el);
      if (text) text.textContent = Math.ceil(left) + "s left";
      el.classList.toggle("is-urgent", left < 10);
    });
  }

  function applySelection() {
    var panes = $all("[data-pane]");
    var ids = panes.map(function (p) { return p.getAttribute("data-pane"); });
    if (ids.indexOf(selected) < 0) selected = ids.length ? ids[0] : "";
    sessionStorage.setItem("ccp:selected", selected);
    panes.forEach(function (p) { p.hidden = p.getAttribute("data-pane") !== selected; });
    var empty = $("[data-pane-empty]");
    if (empty) empty.hidden = !!selected;
    $all(".ccp-tile").forEach(function (tile) {
      var on = tile.getAttribute("data-contact-id") === selected;
      tile.classList.toggle("is-selected", on);
      var btn = $(".ccp-tile-select", tile);
      if (btn) btn.setAttribute("aria-current", on ? "true" : "false");
    });
  }

  function select(id) { selected = id; applySelection(); }

  function chime() {
    var toggle = $("#sound-toggle");
    if (!toggle || !toggle.checked) return;
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx();
      [660, 880].forEach(function (freq, i) {
        var osc = ctx.createOscillator(), gain = ctx.createGain();
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, ctx.currentTime + i * 0.18);
        gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + i * 0.18 + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + i * 0.18 + 0.3);
        osc.connect(gain).connect(ctx.destination);
        osc.start(ctx.currentTime + i * 0.18);
        osc.stop(ctx.currentTime + i * 0.18 + 0.32);
      });
      setTimeout(function () { ctx.close(); }, 1000);
    } catch (e) { /* no audio: the visual offer is enough */ }
  }

  function notify(name) {
    if (!("Notification" in window) || Notification.permission !== "granted" || !document.hidden) return;
    try { new Notification("New task", { body: name, tag: "ccp-offer" }); } catch (e) { /* ignore */ }
  }

  function checkOffers() {
    var offers = $all("[data-offer]");
    var ids = offers.map(function (o) { return o.getAttribute("data-offer"); });
    var fresh = offers.filter(function (o) {
      return knownOffers === null || knownOffers.indexOf(o.getAttribute("data-offer")) < 0;
    });
    knownOffers = ids;
    if (!fresh.length) return;
    var names = fresh.map(function (o) { return o.getAttribute("data-offer-name"); });
    $("#announcer").textContent = "New task offered: " + names.join(", ") + ". Accept or reject it in the contact list.";
    chime();
    notify(names.join(", "));
    if (!selected || !$('[data-pane="' + selected + '"]')) select(fresh[0].getAttribute("data-offer"));
  }

  // The server time of the state on screen (when its reads began); NaN before the first one.
  function shownStateTime() {
    var tiles = $("#ccp-tiles");
    return tiles ? Date.parse(tiles.getAttribute("data-server-now")) : NaN;
  }

  function syncClock() {
    var server = shownStateTime();
    if (server) clockOffset = server - Date.now();
  }

  function afterState() {
    syncClock();
    applySelection();
    checkOffers();
    tick();
  }

  // --- Connection state: banner, and no stale buttons while the socket is down.
  function setConnected(up) {
    var banner = $("#conn-banner");
    if (banner) banner.hidden = up;
    document.body.classList.toggle("ws-down", !up);
    if (!up) $all("[data-live]").forEach(function (el) { el.disabled = true; });
  }

  var socket = null; // the panel's socket wrapper, to ask for the state again (see isOlderState)
  document.addEventListener("htmx:wsOpen", function (evt) {
    socket = evt.detail && evt.detail.socketWrapper;
    setConnected(true);
  });
  // The server closes with 4001 when the session ended (signed out elsewhere, new password or security
  // profile, deactivated): say so, never reconnect, and go to the sign-in page.
  var SESSION_ENDED = 4001;
  var signedOut = false;
  function showSignedOut() {
    signedOut = true;
    var banner = $("#conn-banner");
    if (banner) {
      banner.textContent = "You were signed out. Taking you to the sign-in page…";
      banner.hidden = false;
    }
    document.body.classList.add("ws-down");
    $all("[data-live]").forEach(function (el) { el.disabled = true; });
    setTimeout(function () {
      window.location.assign("/login/?next=" + encodeURIComponent(window.location.pathname));
    }, 2000);
  }
  document.addEventListener("htmx:wsClose", function (evt) {
    var code = evt.detail && evt.detail.event && evt.detail.event.code;
    var wrapper = evt.detail && evt.detail.socketWrapper;
    if (code === SESSION_ENDED || signedOut) {
      if (!signedOut) showSignedOut();
      return;
    }
    setConnected(false);
    // htmx reconnects by itself only after abnormal closes; reconnect after any close.
    if ([1006, 1011, 1012, 1013].indexOf(code) < 0 && wrapper && $("#ccp")) {
      setTimeout(function () { wrapper.reconnect(); }, 1000 + Math.random() * 1000);
    }
  });
  document.addEventListener("htmx:wsAfterMessage", afterState);

  // Keep focus on the same control when a push redraws it.
  var focusedId = null;
  document.addEventListener("htmx:wsBeforeMessage", function () {
    var el = document.activeElement;
    focusedId = el && el.id && el !== document.body ? el.id : null;
  });
  document.addEventListener("htmx:wsAfterMessage", function () {
    if (focusedId && (!document.activeElement || document.activeElement === document.body)) {
      var el = document.getElementById(focusedId);
      if (el) el.focus();
    }
  });
  // Panes arrive hidden (the server doesn't know which one this tab shows): show the selected one
  // as soon as they are swapped in, whether by a push or by an action's answer, so nothing flickers.
  document.addEventListener("htmx:oobAfterSwap", function (evt) {
    var id = evt.detail && evt.detail.target && evt.detail.target.id;
    if (id === "ccp-panes" || id === "ccp-tiles") applySelection();
    if (id === "ccp-panes") restoreTranscripts();
  });
  // A transcript follows new lines while it is scrolled to its end; one the agent scrolled back keeps its place.
  var transcriptScroll = {};
  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    var id = evt.detail && evt.detail.target && evt.detail.target.id;
    if (id !== "ccp-panes") return;
    transcriptScroll = {};
    $all("[data-transcript]").forEach(function (list) {
      var atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 24;
      transcriptScroll[list.getAttribute("data-transcript")] = atEnd ? -1 : list.scrollTop;
    });
  });
  function restoreTranscripts() {
    $all("[data-transcript]").forEach(function (list) {
      var kept = transcriptScroll[list.getAttribute("data-transcript")];
      list.scrollTop = kept === undefined || kept < 0 ? list.scrollHeight : kept;
    });
  }
  document.addEventListener("htmx:afterSettle", afterState);

  // An action's answer is the whole state, like a push. Answers and pushes race: a push goes out as soon as a
  // change commits, and an answer read before a change that a push has already shown (an offer, an accept) would
  // put the older state back. Each state carries the server time its reads began. An answer is stale when it is
  // older than what is shown, or when a push already redrew the button that asked; a stale answer is dropped
  // (and, when older, the tab asks its socket for the state again) unless it must be seen: a dialog's answer
  // (its form, or the state that closes it once settled) and a refusal's message swap, then the state is asked
  // again if they were older.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var detail = evt.detail || {};
    var elt = detail.requestConfig && detail.requestConfig.elt;
    var html = detail.serverResponse;
    var older = isOlderState(html);
    var redrawn = Boolean(elt) && !document.body.contains(elt);
    if (!older && !redrawn) return;
    var forDialog = Boolean(detail.target) && detail.target.id === "dialog-body";
    if (forDialog || carriesAlert(html)) {
      // htmx looks for an answer's out-of-band targets under the element that asked: when a push removed
      // it, the answer is swapped from the document instead (a dialog's form has a target of its own), and
      // the state is asked for again here, as htmx's own settle of this answer never comes.
      if (redrawn && !forDialog) {
        detail.shouldSwap = false;
        htmx.swap(document.body, html, { swapStyle: "none" });
        if (older && socket) socket.send(JSON.stringify({ sync: true }));
      } else if (older) resync = true;
      return;
    }
    detail.shouldSwap = false;
    if (older && socket) socket.send(JSON.stringify({ sync: true }));
  });
  function carriesAlert(html) {
    return typeof html === "string" && /role="alert"[^>]*><p>/.test(html);
  }
  var resync = false;
  function isOlderState(html) {
    var match = typeof html === "string" && /id="ccp-tiles"[^>]*data-server-now="([^"]+)"/.exec(html);
    return Boolean(match) && Date.parse(match[1]) < shownStateTime(); // false when either is unknown
  }
  document.addEventListener("htmx:afterSettle", function () {
    if (!resync) return;
    resync = false;
    if (socket) socket.send(JSON.stringify({ sync: true }));
  });

  // --- Dialogs (transfer, create task, number pad).
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (!evt.detail || !evt.detail.target || evt.detail.target.id !== "dialog-body") return;
    var dialog = $("#dialog");
    if (!evt.detail.target.children.length) { closeDialog(); return; } // a finished action: nothing to show
    if (!dialog.open) {
      opener = document.activeElement;
      dialog.showModal();
    }
    var errorField = $(".has-error input, .has-error select, .has-error textarea", dialog);
    var first = $("input:not([type=hidden]):not([readonly]), select, textarea", dialog);
    (errorField || first || dialog).focus();
  });
  document.body.addEventListener("ccp:dialog-close", function () { closeDialog(); });
  function closeDialog() {
    var dialog = $("#dialog");
    if (dialog && dialog.open) dialog.close();
  }
  document.addEventListener("close", function (evt) {
    if (evt.target.id === "dialog") {
      $("#dialog-body").innerHTML = "";
      if (opener && document.body.contains(opener)) opener.focus();
    }
  }, true);

  document.addEventListener("click", function (evt) {
    var target = evt.target.closest("[data-select], [data-dialog-close], [data-key]");
    if (!target) return;
    if (target.hasAttribute("data-select")) select(target.getAttribute("data-select"));
    else if (target.hasAttribute("data-dialog-close")) closeDialog();
    else if (target.hasAttribute("data-key")) {
      var input = $("#phone-number");
      if (input) { input.value += target.getAttribute("data-key"); input.focus(); }
    }
  });

  // Quick connect search box.
  document.addEventListener("input", function (evt) {
    var list = evt.target.getAttribute && evt.target.getAttribute("data-filter");
    if (!list) return;
    var q = evt.target.value.trim().toLowerCase();
    $all("[data-filter-text]", $(list)).forEach(function (el) {
      el.hidden = q && el.getAttribute("data-filter-text").indexOf(q) < 0;
    });
  });

  // Ask for notifications once, when the agent first goes Available (a user gesture).
  document.addEventListener("change", function (evt) {
    if (evt.target.id === "sound-toggle") {
      localStorage.setItem("ccp:sound", evt.target.checked ? "on" : "off");
      return;
    }
    if (evt.target.id === "id_template") {
      htmx.ajax("GET", evt.target.getAttribute("data-form-url"), {
        source: evt.target, target: "#dialog-body", values: {template: evt.target.value}
      });
      return;
    }
    if (evt.target.id !== "status-select") return;
    var form = evt.target.closest("form");
    htmx.ajax("POST", form.getAttribute("data-status-url"), {
      source: document.body, values: {status: evt.target.value}, swap: "none"
    });
    var opt = evt.target.selectedOptions[0];
    if (opt && opt.getAttribute("data-type") === "ROUTABLE" && "Notification" in window &&
        Notification.permission === "default") {
      Notification.requestPermission();
    }
  });

  // Keyboard: Alt+A accept, Alt+R reject (the selected offer, else the first), Alt+N create task,
  // Alt+Up / Alt+Down move between contacts.
  document.addEventListener("keydown", function (evt) {
    if (!evt.altKey || evt.ctrlKey || evt.metaKey || $("#dialog").open || $("#shortcuts").open) return;
    var key = evt.key.toLowerCase();
    var offer = $('[data-offer="' + selected + '"]') || $("[data-offer]");
    var button = null;
    if (key === "a" && offer) button = $("[data-accept]", offer);
    else if (key === "r" && offer) button = $("[data-reject]", offer);
    else if (key === "n") button = $("#create-task");
    else if (key === "arrowdown" || key === "arrowup") {
      var ids = $all("[data-pane]").map(function (p) { return p.getAttribute("data-pane"); });
      var i = ids.indexOf(selected) + (key === "arrowdown" ? 1 : -1);
      if (ids.length) { select(ids[(i + ids.length) % ids.length]); $("#tile-" + selected).focus(); }
      evt.preventDefault();
      return;
    }
    if (button && !button.disabled) { evt.preventDefault(); button.click(); }
  });

  // "?" opens the list of shortcuts (not while typing, nor over another dialog); Escape closes it (<dialog>).
  function shortcutsOpen() {
    var help = $("#shortcuts");
    if (help && !help.open) help.showModal();
  }
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "?" || evt.ctrlKey || evt.metaKey || evt.altKey) return;
    var target = evt.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    if ($("#dialog").open) return;
    evt.preventDefault();
    shortcutsOpen();
  });
  document.addEventListener("click", function (evt) {
    if (evt.target.closest("#shortcuts-open")) shortcutsOpen();
    else if (evt.target.closest("[data-shortcuts-close]")) $("#shortcuts").close();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = $("#sound-toggle");
    if (toggle) toggle.checked = localStorage.getItem("ccp:sound") !== "off";
    if (window.htmx) {
      // An answer's new buttons get their handlers when it settles, 20 ms later by default: a button clicked
      // (or Alt+A) in between did nothing. Pushes settle at once (the ws extension); answers now do too.
      htmx.config.defaultSettleDelay = 0;
      htmx.config.wsReconnectDelay = function (retry) { return Math.min(8000, 500 * Math.pow(2, retry)) * (0.5 + Math.random() / 2); };
    }
    setConnected(false);
    var banner = $("#conn-banner");
    if (banner) banner.hidden = true; // not "lost" yet: connecting for the first time
    afterState();
    setInterval(tick, 250);
  });
})();
