// Loads the panels a page defers (elements with data-panel-src) once the page has rendered,
// so a slow aggregate never holds the page up. The server escapes everything it sends, and the
// Content-Security-Policy keeps any script in a panel from running.
// A panel that cannot be loaded says so in its place, and in one short line in the page's status line
// (#panel-status, templates/panel_status.html) for a screen reader: the panels themselves are not live regions,
// which would have it read a whole panel out.
(function () {
  "use strict";

  var status = document.getElementById("panel-status");

  function load(slot) {
    var src = slot.getAttribute("data-panel-src");
    slot.setAttribute("aria-busy", "true");
    fetch(src, { credentials: "same-origin", headers: { accept: "text/html" } })
      .then(function (response) {
        // Signed out since the page came (elsewhere, or idle): the fetch followed the redirect to the sign-in page,
        // which is no panel, and its form would sit in the panel's place (under a proxy's prefix too: /feedgate/admin/sign-in).
        if (response.redirected && /\/admin\/sign-in$/.test(new URL(response.url).pathname)) {
          throw new Error("your session has ended: reload the page to sign in again");
        }
        if (!response.ok) {
          throw new Error(response.status + " " + response.statusText);
        }
        return response.text();
      })
      .then(function (html) {
        slot.innerHTML = html;
        slot.setAttribute("data-panel-loaded", "true");
      })
      .catch(function (error) {
        var message = document.createElement("p");
        message.className = "error";
        message.textContent = "This panel could not be loaded (" + error.message + "). ";
        var link = document.createElement("a");
        link.href = src;
        link.textContent = "Open it on its own";
        message.appendChild(link);
        slot.replaceChildren(message);
        if (status) {
          status.textContent = (slot.getAttribute("data-panel-name") || "A panel") + " could not be loaded (" + error.message + ").";
        }
      })
      .finally(function () {
        slot.removeAttribute("aria-busy");
      });
  }

  document.querySelectorAll("[data-panel-src]").forEach(load);
})();
