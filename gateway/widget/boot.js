  // boot.js: Feedgate.mount and mountAll on the page, and every element marked up mounted once it is read.
  var MARKS = ["interaction", "token", "endpoint", "user", "choice", "label", "controls"];

  // What an element's data-feedgate-* attributes say, as one string to tell whether they changed since it was mounted.
  function marksOf(node) {
    return JSON.stringify(MARKS.map(function (mark) { return node.getAttribute("data-feedgate-" + mark); }));
  }

  // Every marked element not mounted yet, and every one whose attributes name another answer (or user, choice...) since
  // it was mounted: a framework may render the next answer into the same element, whose thumbs then voted on the first.
  function mountAll() {
    var nodes = document.querySelectorAll("[data-feedgate-interaction]");
    Array.prototype.forEach.call(nodes, function (node) {
      if (node.hasAttribute("data-feedgate-mounted") && mountedMarks.get(node) === marksOf(node)) return;
      node.setAttribute("data-feedgate-mounted", "");
      mountedMarks.set(node, marksOf(node));
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
        // One answer without a token (say, served from a cache) must not leave the rest without thumbs; nor keep the
        // thumbs of the answer the element showed before, which would vote on that one.
        unmount(node);
        if (window.console) console.warn("Feedgate: not mounted on", node, error.message);
      }
    });
  }

  window.Feedgate = { mount: mount, mountAll: mountAll };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
