// A form marked data-busy="…" takes seconds on the server (a fix preview replays interactions upstream,
// one call each). Once sent, it says so in its status line and on its button, and a second click or Enter
// (on it or on another such form of the page) is not sent: each send would run and pay for the replay again.
// Coming back to the page from the browser's history makes the forms sendable again.
(function () {
  "use strict";

  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-busy]"));
  var sending = false;

  function mark(form, busy) {
    var button = form.querySelector("button[type=submit]");
    var status = form.querySelector("[data-part=busy-status]");
    if (button) {
      if (!button.hasAttribute("data-label")) { button.setAttribute("data-label", button.textContent); }
      button.textContent = busy ? "Working…" : button.getAttribute("data-label");
      if (busy) { button.setAttribute("aria-disabled", "true"); } else { button.removeAttribute("aria-disabled"); }
    }
    if (status) { status.textContent = busy ? form.getAttribute("data-busy") : ""; }
    if (busy) { form.setAttribute("aria-busy", "true"); } else { form.removeAttribute("aria-busy"); }
  }

  forms.forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (sending) { event.preventDefault(); return; }
      sending = true;
      mark(form, true);
    });
  });

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    sending = false;
    forms.forEach(function (form) { mark(form, false); });
  });
}());
