// The issue page: load its slow panels (a fix's measured effect, the feedback map) after the page.
// Each fragment is rendered and escaped on the server; this only places it.
(function () {
  "use strict";

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

  function load(box) {
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
      })
      .catch(function (error) {
        if (stillWanted()) { box.textContent = "This panel could not be loaded now (" + error.message + ")."; }
      });
  }

  document.querySelectorAll("[data-fragment-url]").forEach(load);

  // "Show its effect" on a fix's row loads that fix's effect in place; without this script its link
  // opens the page with that fix chosen (?link_id=), which the address keeps here too.
  document.querySelectorAll("#fixes a[data-effect-url]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var box = document.getElementById("effect");
      if (!box || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
      event.preventDefault();
      box.dataset.fragmentUrl = link.dataset.effectUrl;
      box.textContent = "Measuring this fix's effect…";
      history.replaceState(null, "", link.href);
      load(box).then(function () { box.scrollIntoView({ block: "start" }); });
    });
  });
})();
