/* Feedgate feedback widget: thumbs up/down (sent on click) and an optional comment for one answer.
 *
 *   <div data-feedgate-interaction="{id}" data-feedgate-token="{token}"
 *        data-feedgate-endpoint="https://gateway.example/v1/feedback"></div>
 *   <script src="https://gateway.example/static/feedgate.js"></script>
 *
 * or Feedgate.mount(element, {endpoint, interactionId, token, userId, choice, label}); data-feedgate-user,
 * data-feedgate-choice (the choice judged, of an answer of n > 1) and data-feedgate-label (what is rated, named to
 * a screen reader: "Rate {label}") are the other three as attributes.
 * The endpoint defaults to v1/feedback beside the static/ folder this script was loaded from
 * (https://gateway.example/v1/feedback; https://tools.example/feedgate/v1/feedback under a prefix).
 * No dependencies; posts with the answer's feedback token, never an API key.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  // Relative to the script's own URL, not its origin: under a proxy's path prefix (/feedgate/static/feedgate.js)
  // the endpoint is /feedgate/v1/feedback, and an absolute /v1/feedback left the prefix.
  var defaultEndpoint = script && script.src ? new URL("../v1/feedback", script.src).href : "/v1/feedback";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

  // The thumbs are drawn here, not emoji: a system without an emoji font showed two identical boxes. A closed hand
  // with its thumb up, and a cuff; in the text's colour and size, and hidden from screen readers (the button is named).
  var THUMB = "M2 10h4v11H2zM8 10l4-7.5c1.8 0 3 1.3 2.6 3.1L13.8 9h5.7c1.5 0 2.5 1.4 2.1 2.8l-2 7.8c-.3.9-1 1.4-1.9 1.4H8z";

  function thumbIcon(down) {
    var SVG = "http://www.w3.org/2000/svg";
    var icon = document.createElementNS(SVG, "svg");
    var path = document.createElementNS(SVG, "path");
    var attrs = { viewBox: "0 0 24 24", width: "1.25em", height: "1.25em", "aria-hidden": "true", focusable: "false" };
    Object.keys(attrs).forEach(function (name) { icon.setAttribute(name, attrs[name]); });
    path.setAttribute("d", THUMB);
    path.setAttribute("fill", "currentColor");
    if (down) path.setAttribute("transform", "rotate(180 12 12)");
    icon.appendChild(path);
    return icon;
  }

  // An answer still streaming is stored when it ends: the gateway answers 409 interaction_in_progress
  // with Retry-After, and the post is sent again then (a vote given mid-stream is not lost). A post over a
  // rate limit (429 rate_limit_exceeded, with Retry-After) is sent again too: its allowance refills. A spent
  // token's 429 (feedback_token_exhausted) has no Retry-After and never refills.
  var MAX_RETRIES = 20;

  function retryAfter(response, code) {
    if (code === "interaction_in_progress") return Number(response.headers.get("retry-after")) || 5;
    if (code === "rate_limit_exceeded" && response.headers.get("retry-after")) {
      return Number(response.headers.get("retry-after")) || 1;
    }
    return null;
  }

  // A post the browser blocks (an endpoint other than the gateway's /v1/feedback, an origin
  // FEEDGATE_CORS_ORIGINS does not list) or that reaches no server rejects with only "Failed to
  // fetch", and nothing reaches the gateway's log: tell the developer, in the console, what to check.
  function warnUnanswered(endpoint, error) {
    if (window.console) {
      console.warn("Feedgate: the post to " + endpoint + " got no answer the page may read (" + error.message +
        "): check that it is the gateway's /v1/feedback endpoint (data-feedgate-endpoint, or endpoint to " +
        "Feedgate.mount), that FEEDGATE_CORS_ORIGINS lists this page's origin, " + window.location.origin +
        ", and that the gateway is reachable");
    }
  }

  // A failed post: status 0 when no answer came. A lost link or a proxy's 502/503/504 (the gateway restarting)
  // passes: such a post is sent once more, after TRANSIENT_RETRY_SECONDS, before the end user is told.
  var TRANSIENT_RETRY_SECONDS = 1;

  function failure(message, status) {
    var error = new Error(message);
    error.status = status;
    error.transient = status === 0 || (status >= 502 && status <= 504);
    return error;
  }

  function wait(seconds) {
    return new Promise(function (resolve) { setTimeout(resolve, seconds * 1000); });
  }

  var KEEPALIVE_MAX_CHARS = 8192;

  // Blank as the gateway reads it (Python's str.isspace): JavaScript's \s leaves out \x1c-\x1f and \x85, and
  // takes in \ufeff, which the gateway stores as a user.
  var BLANK = /^[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

  // `wanted`, if given, says whether a post lost on the way is still worth its second try (a vote changed since is not).
  function send(options, payload, wanted) {
    payload.interaction_id = options.interactionId;
    // As text: an app's numeric id (userId: 42) was a 422 and a lost vote; the header it named the user in made it "42".
    // A blank one (a template's unset variable, "  ") names no user: the gateway refuses it with 400.
    if (options.userId !== undefined && options.userId !== null && !BLANK.test(String(options.userId))) {
      payload.user_id = String(options.userId);
    }
    // The choice judged, for an answer of n > 1 shown whole; left out, the gateway takes 0, the first.
    // data-feedgate-choice gives it as text: "1" goes as 1, anything else as written, for the gateway's 422 to name.
    var choice = options.choice;
    if (choice !== undefined && choice !== null && choice !== "" && payload.choice === undefined) {
      payload.choice = typeof choice === "string" && /^[0-9]+$/.test(choice.trim()) ? Number(choice) : choice;
    }
    var endpoint = options.endpoint || defaultEndpoint;
    var body = JSON.stringify(payload);
    return attempt(0, false);

    function attempt(retries, again) {
      return fetch(endpoint, {
        method: "POST",
        mode: "cors",
        // Kept when the page is left: an end user who clicks and moves on has voted (the browser cancelled the post).
        // Browsers keep at most 64 KiB of such posts in flight: a long comment (up to 3 bytes a character) goes without.
        keepalive: body.length <= KEEPALIVE_MAX_CHARS,
        headers: { "content-type": "application/json", "x-feedgate-feedback-token": options.token },
        body: body
      }).then(function (response) {
        // Read as text first: a proxy in front of the gateway may answer an error as an HTML page.
        return response.text().then(function (text) {
          var body = null;
          try { body = JSON.parse(text); } catch (notJson) { body = null; }
          var said = body && body.error && body.error.message;
          var code = body && body.error && body.error.code;
          var seconds = retryAfter(response, code);
          if (seconds !== null && retries < MAX_RETRIES) {
            return wait(seconds).then(function () { return attempt(retries + 1, false); });
          }
          if (!response.ok) throw failure(said || "the feedback endpoint answered HTTP " + response.status, response.status);
          if (body === null) throw failure("the feedback endpoint's answer was not JSON", response.status);
          return body;
        });
      }, function (error) {
        throw failure(error.message, 0);
      }).catch(function (error) {
        if (error.told) throw error; // a later send's, already tried again and told
        if (error.transient && !again && (!wanted || wanted())) {
          return wait(TRANSIENT_RETRY_SECONDS).then(function () { return attempt(retries, true); });
        }
        error.told = true;
        if (error.status === 0) warnUnanswered(endpoint, error);
        else if (error.status >= 500 && window.console) console.warn("Feedgate: " + error.message);
        throw error;
      });
    }
  }

  // The widget each element holds: mounting it again (data attributes and Feedgate.mount both, or a framework
  // rendering twice) replaces it, where a second pair of thumbs was stacked under the answer, sending votes of its own.
  var mounted = new WeakMap();

  function mount(element, options) {
    if (!options || !options.interactionId || !options.token) {
      throw new Error("Feedgate.mount needs interactionId and token");
    }
    element.setAttribute("data-feedgate-mounted", "");
    var previous = mounted.get(element);
    if (previous && previous.parentNode === element) element.removeChild(previous);
    var thumbs = null;
    // Several answers on a page each get a pair of thumbs: `label` names the one rated, for a screen reader to tell
    // the pairs apart (the group's name, and the buttons', which a list of the page's buttons shows alone).
    var rated = options.label === undefined || options.label === null ? "" : String(options.label).trim();
    var named = rated ? ": " + rated : "";
    var root = el("div", { "class": "feedgate", role: "group", "aria-label": "Rate " + (rated || "this answer") });
    var up = el("button", { type: "button", "class": "feedgate-up", "aria-label": "Good answer" + named, "aria-pressed": "false" });
    var down = el("button", { type: "button", "class": "feedgate-down", "aria-label": "Bad answer" + named, "aria-pressed": "false" });
    var form = el("form", { "class": "feedgate-comment", hidden: "" });
    var label = el("label", {}, "What could be better? (optional)");
    var comment = el("textarea", { name: "comment", rows: "3", maxlength: "10000" });
    var submit = el("button", { type: "submit", "class": "feedgate-submit" }, "Send comment");
    var status = el("p", { "class": "feedgate-status", role: "status", "aria-live": "polite" });
    up.appendChild(thumbIcon(false));
    down.appendChild(thumbIcon(true));
    label.appendChild(comment);
    form.appendChild(label);
    form.appendChild(submit);
    root.appendChild(up);
    root.appendChild(down);
    root.appendChild(form);
    root.appendChild(status);
    element.appendChild(root);
    mounted.set(element, root);

    // The page's own styles reach the widget: a rule such as `form { display: flex }` outranks the browser's
    // [hidden] style and would show the box before any vote. An element's own style outranks the page's rules,
    // and, set from a script, is allowed by a Content-Security-Policy without 'unsafe-inline'.
    function showComment(shown) {
      form.hidden = !shown;
      form.style.display = shown ? "" : "none";
    }
    showComment(false);

    // A click on a thumb sends the vote at once: an end user who clicks and moves on has voted.
    // The comment is optional and goes with the same vote as a second submission, which then counts
    // (a voter's latest feedback is current). One post is in flight at a time, a vote's or a comment's,
    // so the gateway stores them in the order they were made: a comment sent while its vote is still on
    // its way goes when the vote lands (else the plain vote could land last and be current), and a thumb
    // pressed while a post is on its way is sent when it lands, if it is not the one stored: the last click
    // is stored last, on a slow link too (up, down, up again must leave "up" current), and a click on the
    // thumb already stored posts nothing.
    var sent = null; // the vote the gateway stored last
    var sending = false;
    var commentAsked = null; // "Send comment" pressed while a post was on its way: {hadFocus}

    // A live region announces a change: the same text set again (a second "not saved", a vote said again) is none,
    // and a screen reader stays silent. Emptied first and set a moment later, every status is announced; a status
    // given meanwhile replaces the one waiting.
    var saying = null;
    function say(text) {
      clearTimeout(saying);
      status.textContent = "";
      saying = setTimeout(function () { status.textContent = text; }, 100);
    }

    function stored(result) {
      root.setAttribute("data-feedgate-feedback-id", result.id);
    }

    // Said in plain words: a lost link or a server's trouble may pass, so pressing again is worth it; a refusal
    // (a spent token, a user the token does not name) is the gateway's message, for the page's developer too.
    function failed(error, what, again) {
      var passing = error.status === 0 || error.status >= 500;
      var reason = error.status === 0 ? "the connection failed" : error.status >= 500 ? "the server had a problem" : error.message;
      say("Your " + what + " was not saved: " + reason + "." + (passing ? " Press " + again + " to retry." : ""));
    }

    function showPressed() {
      up.setAttribute("aria-pressed", String(thumbs === "up"));
      down.setAttribute("aria-pressed", String(thumbs === "down"));
    }

    // A vote not stored is not shown pressed: the thumbs go back to the vote stored last. With none stored, the
    // comment box (which needs a vote) closes, its text kept, and the focus goes to the thumb to press again.
    function voteFailed(error, pressed) {
      thumbs = sent;
      showPressed();
      if (sent === null) {
        var hadFocus = form.contains(document.activeElement) || document.activeElement === document.body;
        showComment(false);
        if (hadFocus) (pressed === "up" ? up : down).focus();
      }
      failed(error, "vote", "the thumb again");
    }

    // Hiding the box (or disabling its button while it sends) takes the focus from it and leaves it on the page's
    // body, where a keyboard or screen reader user loses their place: it goes back to the thumb they pressed,
    // unless they have moved it elsewhere since they sent.
    function closeComment(hadFocus) {
      var now = document.activeElement;
      showComment(false);
      if (hadFocus && (!now || now === document.body || form.contains(now))) (thumbs === "up" ? up : down).focus();
    }

    // A post has landed (or failed): what the end user did meanwhile goes next. True when something was sent.
    function sendNext() {
      if (commentAsked) {
        var asked = commentAsked;
        commentAsked = null;
        sendComment(asked.hadFocus);
        return true;
      }
      if (thumbs !== sent) {
        sendVote();
        return true;
      }
      return false;
    }

    function sendVote() {
      if (sending || thumbs === sent) return;
      var value = thumbs;
      sending = true;
      say("Sending\u2026");
      send(options, { thumbs: value }, function () { return thumbs === value; }).then(function (result) {
        sending = false;
        sent = value;
        stored(result);
        if (!sendNext()) say("Thanks! Your vote is in; a comment is welcome.");
      }, function (error) {
        sending = false;
        if (thumbs === value && !commentAsked) return voteFailed(error, value);
        // The thumb pressed since, or the comment, gets its own try; back on the thumb stored, nothing is left to send.
        if (!sendNext()) say("Thanks! Your vote is in; a comment is welcome.");
      });
    }

    function sendComment(hadFocus) {
      if (!comment.value.trim() && sent === thumbs) {
        // Nothing to add to the vote already stored.
        submit.disabled = false;
        say("Thanks for your feedback!");
        closeComment(hadFocus);
        return;
      }
      var payload = { thumbs: thumbs };
      var written = comment.value;
      if (written.trim()) payload.comment = written;
      sending = true;
      submit.disabled = true;
      say("Sending\u2026");
      send(options, payload).then(function (result) {
        sending = false;
        sent = payload.thumbs;
        stored(result);
        submit.disabled = false;
        if (comment.value === written) comment.value = ""; // stored (unless added to since): ready for another vote's
        // A thumb pressed since is sent now, and the box stays open for its comment.
        if (sendNext()) return;
        say("Thanks for your feedback!");
        closeComment(hadFocus);
      }, function (error) {
        sending = false;
        submit.disabled = false;
        // Disabled while it sent, the button let the focus fall to the page's body: back on it, to send again.
        var now = document.activeElement;
        if (hadFocus && (!now || now === document.body)) submit.focus();
        // A thumb pressed since is still sent; the comment stays to send again, with the vote stored if its own was not.
        if (thumbs === payload.thumbs && thumbs !== sent) return voteFailed(error, thumbs);
        failed(error, "comment", "\u201cSend comment\u201d again");
        if (thumbs !== payload.thumbs) sendNext();
      });
    }

    function choose(value) {
      thumbs = value;
      showPressed();
      showComment(true);
      comment.focus();
      if (!sending && thumbs === sent) say("Thanks! Your vote is in; a comment is welcome.");
      sendVote();
    }
    up.addEventListener("click", function () { choose("up"); });
    down.addEventListener("click", function () { choose("down"); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var hadFocus = form.contains(document.activeElement);
      if (sending) {
        // Sent when the post on its way lands, with the thumb pressed then.
        commentAsked = { hadFocus: hadFocus };
        submit.disabled = true;
        say("Sending\u2026");
        return;
      }
      sendComment(hadFocus);
    });
    return { element: root, send: function (payload) { return send(options, payload); } };
  }

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
          label: node.getAttribute("data-feedgate-label") || undefined
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
