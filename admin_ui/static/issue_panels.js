// The issue page: load its slow panels (a fix's measured effect, the feedback map) after the page.
// Each fragment is rendered and escaped on the server; this only places it.
// What a screen reader needs to hear goes to one short status line (#panel-status, templates/panel_status.html):
// which fix's effect is being measured and is shown, or that a panel could not be loaded. The panels themselves
// are not live regions, which would have the whole effect table read out on each change.
(function () {
  "use strict";

  var status = document.getElementById("panel-status");

  function say(message) {
    if (status) { status.textContent = message; }
  }

  function panelName(box) {
    return box.getAttribute("data-panel-name") || "A panel";
  }

  // The fixes table marks the row of the fix the effect panel measured (the panel names its fix link).
  function markShownFix(box) {
    var measured = box.querySelector("[data-link-id]");
    document.querySelectorAll("#fixes tr[data-link-id]").forEach(function (row) {
      if (measured && row.dataset.linkId === measured.dataset.linkId) {
        row.setAttribute("aria-current", "true");
      } else {
        row.removeAttribute("aria-current");
      }
    });
  }

  /* `shown`: said once the panel is in (a fix's effect asked for by its link). */
  function load(box, shown) {
    var url = box.dataset.fragmentUrl;
    // A panel asked for again meanwhile (another fix chosen) keeps the newer answer, whichever comes last.
    function stillWanted() { return box.dataset.fragmentUrl === url; }
    return fetch(url, { credentials: "same-origin", headers: { accept: "text/html" } })
      .then(function (response) {
        // Signed out since the page came (elsewhere, or idle): the fetch followed the redirect to the sign-in page,
        // which is no panel, and its form would sit in the panel's place (under a proxy's prefix too: /feedgate/admin/sign-in).
        if (response.redirected && /\/admin\/sign-in$/.test(new URL(response.url).pathname)) {
          throw new Error("your session has ended: reload the page to sign in again");
        }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        if (!stillWanted()) { return; }
        box.innerHTML = html;
        if (box.id === "effect") { markShownFix(box); }
        if (shown) { say(shown); }
      })
      .catch(function (error) {
        if (stillWanted()) {
          box.textContent = "This panel could not be loaded now (" + error.message + ").";
          say(panelName(box) + " could not be loaded now (" + error.message + ").");
        }
      });
  }

  document.querySelectorAll("[data-fragment-url]").forEach(function (box) { load(box); });

  // "Show its effect" on a fix's row loads that fix's effect in place; without this script its link
  // opens the page with that fix chosen (?link_id=), which the address keeps here too.
  document.querySelectorAll("#fixes a[data-effect-url]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var box = document.getElementById("effect");
      if (!box || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
      event.preventDefault();
      var named = link.closest("tr").querySelector("[data-testid=fix-name], code");
      var fix = named ? "\u201c" + named.textContent.trim() + "\u201d" : "this fix";
      box.dataset.fragmentUrl = link.dataset.effectUrl;
      box.textContent = "Measuring this fix's effect…";
      say("Measuring the effect of " + fix + "…");
      history.replaceState(null, "", link.href);
      load(box, "The effect of " + fix + " is shown below.").then(function () { box.scrollIntoView({ block: "start" }); });
    });
  });
})();
