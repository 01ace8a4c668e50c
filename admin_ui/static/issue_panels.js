// The issue page: load its slow panels (the fix's measured effect, the feedback map) after the page.
// Each fragment is rendered and escaped on the server; this only places it.
(function () {
  "use strict";
  document.querySelectorAll("[data-fragment-url]").forEach(function (box) {
    fetch(box.dataset.fragmentUrl, { credentials: "same-origin", headers: { accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) { box.innerHTML = html; })
      .catch(function (error) {
        box.textContent = "This panel could not be loaded now (" + error.message + ").";
      });
  });
})();
