  // boot.js: Feedgate.mount and mountAll on the page, and every element marked up mounted once it is read.
  function mountAll() {
    var nodes = document.querySelectorAll("[data-feedgate-interaction]:not([data-feedgate-mounted])");
    Array.prototype.forEach.call(nodes, function (node) {
      node.setAttribute("data-feedgate-mounted", "");
      try {
        mount(node, {
          interactionId: node.getAttribute("data-feedgate-interaction"),
          token: node.getAttribute("data-feedgate-token"),
          endpoint: node.getAttribute("data-feedgate-endpoint") || undefined,
          userId: node.getAttribute("data-feedgate-user") || undefined,
          choice: node.getAttribute("data-feedgate-choice") || undefined,
          label: node.getAttribute("data-feedgate-label") || undefined,
          controls: node.getAttribute("data-feedgate-controls") || undefined
        });
      } catch (error) {
        // One answer without a token (say, served from a cache) must not leave the rest without thumbs.
        if (window.console) console.warn("Feedgate: not mounted on", node, error.message);
      }
    });
  }

  window.Feedgate = { mount: mount, mountAll: mountAll };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
