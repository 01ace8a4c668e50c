// A form marked data-busy="…" takes seconds on the server (a fix preview replays interactions upstream,
// one call each). Once sent, it says so in its status line and on its button, and a second click or Enter
// (on it or on another such form of the page) is not sent: each send would run and pay for the replay again.
// Coming back to the page from the browser's history makes the forms sendable again.
//
// A send stopped before the answer came (Esc, the browser's stop button) leaves this page in place: the forms
// become sendable again and the status line says the server may have done it anyway. How the page hears of it:
// - the Navigation API's navigateerror, which Chromium fires for Esc and the stop button alike. Where the API
//   is, that alone unlocks: a browser whose Esc did not stop the send would otherwise let it be sent twice;
// - without the API, the Esc key the page sees (browsers stop loading on Esc), and, as a stop button fires
//   nothing a page can hear, a fallback after a minute with no answer that says what it cannot know.
(function () {
  "use strict";

  var STOPPED = "Stopped before the answer came. The server may have done it anyway: " +
    "reload the page to see, before sending it again.";
  var NO_ANSWER = "No answer after a minute. If you stopped it (Esc or the stop button), you can send it again; " +
    "if not, it is still running, and sending it again would run it twice.";
  var PATIENCE_MS = 60000;

  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-busy]"));
  var sent = null;
  var patience = null;

  function mark(form, busy, said) {
    var button = form.querySelector("button[type=submit]");
    var status = form.querySelector("[data-part=busy-status]");
    if (button) {
      if (!button.hasAttribute("data-label")) { button.setAttribute("data-label", button.textContent); }
      button.textContent = busy ? "Working…" : button.getAttribute("data-label");
      if (busy) { button.setAttribute("aria-disabled", "true"); } else { button.removeAttribute("aria-disabled"); }
    }
    if (status) { status.textContent = busy ? form.getAttribute("data-busy") : (said || ""); }
    if (busy) { form.setAttribute("aria-busy", "true"); } else { form.removeAttribute("aria-busy"); }
  }

  // Every form sendable again; the one that was sent says `said` (why), the others nothing.
  function unlock(said) {
    if (sent === null) { return; }
    var was = sent;
    sent = null;
    window.clearTimeout(patience);
    forms.forEach(function (form) { mark(form, false, form === was ? said : ""); });
  }

  forms.forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (sent !== null) { event.preventDefault(); return; }
      sent = form;
      mark(form, true);
      if (!window.navigation) { patience = window.setTimeout(function () { unlock(NO_ANSWER); }, PATIENCE_MS); }
    });
  });

  if (window.navigation) {
    window.navigation.addEventListener("navigateerror", function () { unlock(STOPPED); });
  } else {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { unlock(STOPPED); }
    });
  }

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    unlock("");
  });
}());
