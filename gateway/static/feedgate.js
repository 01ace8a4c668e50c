/* Feedgate feedback widget: thumbs up/down (sent on click) and an optional comment for one answer.
 *
 *   <div data-feedgate-interaction="{id}" data-feedgate-token="{token}"
 *        data-feedgate-endpoint="https://gateway.example/v1/feedback"></div>
 *   <script src="https://gateway.example/static/feedgate.js"></script>
 *
 * or Feedgate.mount(element, {endpoint, interactionId, token, userId}).
 * The endpoint defaults to /v1/feedback on the origin this script was loaded from.
 * No dependencies; posts with the answer's feedback token, never an API key.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var defaultEndpoint = script && script.src ? new URL("/v1/feedback", script.src).href : "/v1/feedback";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function send(options, payload) {
    payload.interaction_id = options.interactionId;
    if (options.userId) payload.user_id = options.userId;
    return fetch(options.endpoint || defaultEndpoint, {
      method: "POST",
      mode: "cors",
      headers: { "content-type": "application/json", "x-feedgate-feedback-token": options.token },
      body: JSON.stringify(payload)
    }).then(function (response) {
      // Read as text first: a proxy in front of the gateway may answer an error as an HTML page.
      return response.text().then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (notJson) { body = null; }
        var said = body && body.error && body.error.message;
        if (!response.ok) throw new Error(said || "the feedback endpoint answered HTTP " + response.status);
        if (body === null) throw new Error("the feedback endpoint's answer was not JSON");
        return body;
      });
    });
  }

  function mount(element, options) {
    if (!options || !options.interactionId || !options.token) {
      throw new Error("Feedgate.mount needs interactionId and token");
    }
    var thumbs = null;
    var root = el("div", { "class": "feedgate", role: "group", "aria-label": "Rate this answer" });
    var up = el("button", { type: "button", "class": "feedgate-up", "aria-label": "Good answer", "aria-pressed": "false" }, "\uD83D\uDC4D");
    var down = el("button", { type: "button", "class": "feedgate-down", "aria-label": "Bad answer", "aria-pressed": "false" }, "\uD83D\uDC4E");
    var form = el("form", { "class": "feedgate-comment", hidden: "" });
    var label = el("label", {}, "What could be better? (optional)");
    var comment = el("textarea", { name: "comment", rows: "3", maxlength: "10000" });
    var submit = el("button", { type: "submit", "class": "feedgate-submit" }, "Send comment");
    var status = el("p", { "class": "feedgate-status", role: "status", "aria-live": "polite" });
    label.appendChild(comment);
    form.appendChild(label);
    form.appendChild(submit);
    root.appendChild(up);
    root.appendChild(down);
    root.appendChild(form);
    root.appendChild(status);
    element.appendChild(root);

    // A click on a thumb sends the vote at once: an end user who clicks and moves on has voted.
    // The comment is optional and goes with the same vote as a second submission, which then counts
    // (a voter's latest feedback is current). `sent` is the vote stored last, so a second click on
    // the same thumb does not post it again.
    var sent = null;

    function stored(result) {
      root.setAttribute("data-feedgate-feedback-id", result.id);
    }

    function failed(error) {
      status.textContent = "Could not send feedback: " + error.message;
    }

    function choose(value) {
      thumbs = value;
      up.setAttribute("aria-pressed", String(value === "up"));
      down.setAttribute("aria-pressed", String(value === "down"));
      form.hidden = false;
      comment.focus();
      if (sent === value) return;
      status.textContent = "Sending\u2026";
      send(options, { thumbs: value }).then(function (result) {
        if (thumbs !== value) return; // another thumb was clicked meanwhile; its own answer speaks
        sent = value;
        stored(result);
        status.textContent = "Thanks! Your vote is in; a comment is welcome.";
      }, function (error) {
        if (thumbs === value) failed(error);
      });
    }
    up.addEventListener("click", function () { choose("up"); });
    down.addEventListener("click", function () { choose("down"); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!comment.value.trim() && sent === thumbs) {
        // Nothing to add to the vote already stored.
        status.textContent = "Thanks for your feedback!";
        form.hidden = true;
        return;
      }
      var payload = { thumbs: thumbs };
      if (comment.value.trim()) payload.comment = comment.value;
      submit.disabled = true;
      status.textContent = "Sending\u2026";
      send(options, payload).then(function (result) {
        sent = payload.thumbs;
        stored(result);
        status.textContent = "Thanks for your feedback!";
        form.hidden = true;
        // Ready for another vote, its comment box empty.
        submit.disabled = false;
        comment.value = "";
      }, function (error) {
        failed(error);
        submit.disabled = false;
      });
    });
    return { element: root, send: function (payload) { return send(options, payload); } };
  }

  function mountAll() {
    var nodes = document.querySelectorAll("[data-feedgate-interaction]:not([data-feedgate-mounted])");
    Array.prototype.forEach.call(nodes, function (node) {
      node.setAttribute("data-feedgate-mounted", "");
      mount(node, {
        interactionId: node.getAttribute("data-feedgate-interaction"),
        token: node.getAttribute("data-feedgate-token"),
        endpoint: node.getAttribute("data-feedgate-endpoint") || undefined,
        userId: node.getAttribute("data-feedgate-user") || undefined
      });
    });
  }

  window.Feedgate = { mount: mount, mountAll: mountAll };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
