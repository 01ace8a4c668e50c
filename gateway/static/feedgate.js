/* Feedgate feedback widget: thumbs up/down (sent on click) and an optional comment for one answer; a 1-5 rating (sent
 * on click) and a correction box too where data-feedgate-controls="thumbs rating correction comment" asks for them.
 *
 *   <div data-feedgate-interaction="{id}" data-feedgate-token="{token}"
 *        data-feedgate-endpoint="https://gateway.example/v1/feedback"></div>
 *   <script src="https://gateway.example/static/feedgate.js"></script>
 *
 * or Feedgate.mount(element, {endpoint, interactionId, token, userId, choice, label, controls}); data-feedgate-user,
 * data-feedgate-choice (the choice judged, of an answer of n > 1), data-feedgate-label (what is rated, named to
 * a screen reader: "Rate {label}") and data-feedgate-controls are the other four as attributes.
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

  function failure(message, status, code, param) {
    var error = new Error(message);
    error.status = status;
    error.code = code || null;
    error.param = param || null;
    error.transient = status === 0 || (status >= 502 && status <= 504);
    return error;
  }

  // Each post's own idempotency key, the same on its tries: a post the gateway stored whose answer was lost on the way
  // (a proxy's 504 after it gave up waiting for the gateway, a link dropped) is answered with the event stored at
  // its second try, where it was stored twice. A vote or comment sent later is a new post, with a new key.
  function postKey() {
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    return "feedgate-" + Array.prototype.map.call(bytes, function (byte) { return (byte < 16 ? "0" : "") + byte.toString(16); }).join("");
  }

  function wait(seconds) {
    return new Promise(function (resolve) { setTimeout(resolve, seconds * 1000); });
  }

  var KEEPALIVE_MAX_CHARS = 8192;

  // The longest correction or comment the gateway takes (FEEDGATE_FEEDBACK_MAX_TEXT_CHARS): the gateway writes its own
  // setting into this line when it serves the script (gateway/api/widget_script.py), so the boxes stop where it would
  // refuse (they said 10000 whatever it took). A copy served from elsewhere keeps this default: set it there by hand.
  var MAX_TEXT_CHARS = 10000;

  // A comment, correction or user id says nothing when it is made of these only: Unicode's whitespace and the zero-width
  // characters (U+200B...), which trim() keeps, so a box holding only a zero-width space was sent and refused. The
  // gateway's own list (BLANK_CODE_POINTS, gateway/domain/blank_text.py), written into this line as it serves the
  // script (gateway/api/widget_script.py); a test keeps this copy the same, for a copy served from elsewhere.
  var BLANK_TEXT_CODE_POINTS = [0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0x180e, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff];
  var BLANK_TEXT = new RegExp("^[" + BLANK_TEXT_CODE_POINTS.map(function (point) {
    return "\\u" + ("000" + point.toString(16)).slice(-4);
  }).join("") + "]*$");
  function saysNothing(text) { return BLANK_TEXT.test(text); }

  // `wanted`, if given, says whether a post lost on the way is still worth its second try (a vote changed since is not).
  function send(options, payload, wanted) {
    payload.interaction_id = options.interactionId;
    // As text: an app's numeric id (userId: 42) was a 422 and a lost vote; the header it named the user in made it "42".
    // A blank one (a template's unset variable, "  ", or zero-width spaces) names no user: the gateway refuses it (422).
    if (options.userId !== undefined && options.userId !== null && !saysNothing(String(options.userId))) {
      payload.user_id = String(options.userId);
    }
    // The choice judged, for an answer of n > 1 shown whole; left out, the gateway takes 0, the first.
    // data-feedgate-choice gives it as text: "1" goes as 1, anything else as written, for the gateway's 422 to name.
    var choice = options.choice;
    if (choice !== undefined && choice !== null && choice !== "" && payload.choice === undefined) {
      payload.choice = typeof choice === "string" && /^[0-9]+$/.test(choice.trim()) ? Number(choice) : choice;
    }
    if (payload.idempotency_key === undefined) payload.idempotency_key = postKey();
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
          var param = body && body.error && body.error.param;
          var seconds = retryAfter(response, code);
          if (seconds !== null && retries < MAX_RETRIES) {
            return wait(seconds).then(function () { return attempt(retries + 1, false); });
          }
          if (!response.ok) {
            throw failure(said || "the feedback endpoint answered HTTP " + response.status, response.status, code, param);
          }
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
        else if (window.console) console.warn("Feedgate: " + error.message + (error.code ? " (" + error.code + ")" : ""));
        throw error;
      });
    }
  }

  // What the end user reads when the gateway refuses a post: its own message names settings and headers, for the page's
  // developer, who finds it in the console. An expired token is the answer's age; a malformed, forged or other
  // answer's token is the page's fault, and "can no longer be rated" would have blamed the wait.
  var REFUSED = {
    feedback_token_expired: "this answer can no longer be rated",
    invalid_feedback_token: "feedback is not working on this page",
    interaction_not_found: "this answer can no longer be rated",
    end_user_erased: "this answer can no longer be rated",
    interaction_erased: "this answer can no longer be rated",
    feedback_token_exhausted: "this answer takes no more feedback",
    feedback_user_mismatch: "this answer can only be rated by the person it was given to",
    rate_limit_exceeded: "too much feedback was sent at once"
  };

  // The controls shown, as data-feedgate-controls (controls to mount) lists them; thumbs and a comment unless told.
  var CONTROLS = ["thumbs", "rating", "correction", "comment"];

  function controlsOf(given) {
    var chosen = {};
    var words = Array.isArray(given) ? given : String(given || "").split(/[\s,]+/);
    words.forEach(function (word) {
      word = String(word).toLowerCase();
      if (CONTROLS.indexOf(word) >= 0) chosen[word] = true;
      else if (word && window.console) console.warn("Feedgate: unknown control " + JSON.stringify(word) + "; known: " + CONTROLS.join(" "));
    });
    return Object.keys(chosen).length ? chosen : { thumbs: true, comment: true };
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
    var controls = controlsOf(options.controls);
    // A vote (thumbs, rating) is sent at once; the texts go with it, so their box opens on the first vote (at once
    // when there is nothing to vote with).
    var voting = controls.thumbs || controls.rating;
    // Several answers on a page each get a widget: `label` names the one rated, for a screen reader to tell them apart
    // (the group's name, and every control's, which a list of the page's buttons or fields shows alone).
    var rated = options.label === undefined || options.label === null ? "" : String(options.label).trim();
    var named = rated ? ": " + rated : "";
    var root = el("div", { "class": "feedgate", role: "group", "aria-label": "Rate " + (rated || "this answer") });
    var buttons = []; // {kind, value, node}: the thumbs and the rating's five
    var texts = []; // the text boxes, each named as its field
    var form = null;
    var submit = null;
    var status = el("p", { "class": "feedgate-status", role: "status", "aria-live": "polite" });

    function toggle(parent, kind, value, className, name, text) {
      var node = el("button", { type: "button", "class": className, "aria-label": name + named, "aria-pressed": "false" }, text);
      node.addEventListener("click", function () { choose(kind, value, node); });
      buttons.push({ kind: kind, value: value, node: node });
      parent.appendChild(node);
      return node;
    }
    if (controls.thumbs) {
      toggle(root, "thumbs", "up", "feedgate-up", "Good answer").appendChild(thumbIcon(false));
      toggle(root, "thumbs", "down", "feedgate-down", "Bad answer").appendChild(thumbIcon(true));
    }
    if (controls.rating) {
      var scale = el("div", { "class": "feedgate-rating", role: "group", "aria-label": "Rating" + named });
      for (var stars = 1; stars <= 5; stars++) toggle(scale, "rating", stars, "feedgate-rate", "Rate " + stars + " of 5", String(stars));
      root.appendChild(scale);
    }
    var what = controls.correction && controls.comment ? "feedback" : controls.correction ? "correction" : "comment";
    var welcome = { feedback: "a comment or correction", correction: "a correction", comment: "a comment" }[what];
    var sendText = what === "feedback" ? "Send" : "Send " + what;
    function textBox(field, text) {
      text += voting ? " (optional)" : "";
      var label = el("label", {}, text);
      var box = el("textarea", { name: field, rows: "3", maxlength: String(MAX_TEXT_CHARS) });
      if (rated) box.setAttribute("aria-label", text + named);
      label.appendChild(box);
      form.appendChild(label);
      texts.push(box);
    }
    if (controls.correction || controls.comment) {
      form = el("form", { "class": "feedgate-comment", hidden: "" });
      if (controls.correction) textBox("correction", "What should the answer have said?");
      if (controls.comment) textBox("comment", "What could be better?");
      submit = el("button", { type: "submit", "class": "feedgate-submit" }, sendText);
      if (rated) submit.setAttribute("aria-label", sendText + named);
      form.appendChild(submit);
      root.appendChild(form);
    }
    root.appendChild(status);
    element.appendChild(root);
    mounted.set(element, root);

    // The page's own styles reach the widget: a rule such as `form { display: flex }` outranks the browser's
    // [hidden] style and would show the box before any vote. An element's own style outranks the page's rules,
    // and, set from a script, is allowed by a Content-Security-Policy without 'unsafe-inline'.
    function showComment(shown) {
      if (!form) return;
      form.hidden = !shown;
      form.style.display = shown ? "" : "none";
    }
    showComment(!voting);

    // A click on a thumb or a rating sends the vote at once: an end user who clicks and moves on has voted.
    // Each post carries the whole vote, thumbs and rating both (posts are not merged: the latest is current).
    // The texts are optional and go with the same vote as a second submission, which then counts
    // (a voter's latest feedback is current). One post is in flight at a time, a vote's or a comment's,
    // so the gateway stores them in the order they were made: a comment sent while its vote is still on
    // its way goes when the vote lands (else the plain vote could land last and be current), and a vote
    // changed while a post is on its way is sent when it lands, if it is not the one stored: the last click
    // is stored last, on a slow link too (up, down, up again must leave "up" current), and a click on the
    // thumb already stored posts nothing.
    var chosen = { thumbs: null, rating: null }; // what the controls show pressed
    var sent = { thumbs: null, rating: null }; // the vote the gateway stored last
    // The texts the gateway stored last, by field: sent again with every later post, a vote's too (posts are not
    // merged: a rating sent without them dropped the correction from the current feedback). A text sent anew replaces
    // its own field's alone, so a comment written later keeps the correction.
    var kept = {};
    var lastPressed = null; // {kind, node}
    var sending = false;
    var commentAsked = null; // "Send" pressed while a post was on its way: {hadFocus}

    function same(a, b) { return a.thumbs === b.thumbs && a.rating === b.rating; }
    function voteOf(payload) { return { thumbs: payload.thumbs || null, rating: payload.rating || null }; }
    function signals(vote) {
      var payload = {};
      if (vote.thumbs) payload.thumbs = vote.thumbs;
      if (vote.rating) payload.rating = vote.rating;
      return payload;
    }
    function withKept(payload) {
      Object.keys(kept).forEach(function (field) { if (payload[field] === undefined) payload[field] = kept[field]; });
      return payload;
    }
    function word(kind) { return kind === "rating" ? "rating" : "vote"; }
    function thanks() {
      return "Thanks! Your " + word(lastPressed && lastPressed.kind) + " is in" + (form ? "; " + welcome + " is welcome." : ".");
    }

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

    // Said in plain words: a lost link, a server's trouble or a rate limit may pass, so pressing again is worth it;
    // a refusal (an expired or spent token, a user the token does not name) in the end user's words: the gateway's
    // message, written for the page's developer, is in the console.
    // A text over the gateway's limit (set by the page's code, or a limit lowered since the page loaded) can be mended:
    // the end user is told the limit and to shorten it.
    function failed(error, what, again) {
      var passing = error.status === 0 || error.status >= 500 || error.code === "rate_limit_exceeded";
      var tooLong = error.code === "feedback_text_too_long";
      var field = error.param === "correction" || error.param === "comment" ? error.param : "text";
      var reason = error.status === 0 ? "the connection failed" : error.status >= 500 ? "the server had a problem"
        : tooLong ? "the " + field + " is too long (at most " + MAX_TEXT_CHARS.toLocaleString("en-US") + " characters)"
        : REFUSED[error.code] || "it could not be accepted";
      var next = passing ? " Press " + again + " to retry." : tooLong && form ? " Shorten it and press " + again + "." : "";
      say("Your " + what + " was not saved: " + reason + "." + next);
    }

    // Pressed at once (the click was taken), and marked busy (aria-busy, class feedgate-sending) until the gateway
    // has stored it: a post still on its way may fail, and the control then goes back to the vote stored.
    function showPressed() {
      buttons.forEach(function (button) {
        var pressed = chosen[button.kind] === button.value;
        var busy = pressed && sent[button.kind] !== button.value;
        button.node.setAttribute("aria-pressed", String(pressed));
        if (busy) button.node.setAttribute("aria-busy", "true");
        else button.node.removeAttribute("aria-busy");
        button.node.classList.toggle("feedgate-sending", busy);
      });
    }

    // A vote not stored is not shown pressed: the controls go back to the vote stored last. With none stored, the
    // text box (which needs a vote) closes, its text kept, and the focus goes to the control to press again.
    function voteFailed(error, pressed) {
      chosen = { thumbs: sent.thumbs, rating: sent.rating };
      showPressed();
      if (form && !sent.thumbs && !sent.rating) {
        var hadFocus = form.contains(document.activeElement) || document.activeElement === document.body;
        showComment(false);
        if (hadFocus && pressed) pressed.node.focus();
      }
      var kind = pressed && pressed.kind;
      failed(error, word(kind), kind === "rating" ? "the rating again" : "the thumb again");
    }

    // Hiding the box (or disabling its button while it sends) takes the focus from it and leaves it on the page's
    // body, where a keyboard or screen reader user loses their place: it goes back to the control they pressed,
    // unless they have moved it elsewhere since they sent. With nothing to vote with, the box stays open, the focus
    // in its first field.
    function closeComment(hadFocus) {
      var now = document.activeElement;
      var back = texts[0];
      if (voting) {
        showComment(false);
        back = lastPressed && lastPressed.node.getAttribute("aria-pressed") === "true" ? lastPressed.node : null;
        buttons.forEach(function (button) { if (!back && chosen[button.kind] === button.value) back = button.node; });
      }
      if (hadFocus && back && (!now || now === document.body || form.contains(now))) back.focus();
    }

    // A post has landed (or failed): what the end user did meanwhile goes next. True when something was sent.
    function sendNext() {
      if (commentAsked) {
        var asked = commentAsked;
        commentAsked = null;
        sendComment(asked.hadFocus);
        return true;
      }
      if (!same(chosen, sent)) {
        sendVote();
        return true;
      }
      return false;
    }

    function sendVote() {
      if (sending || same(chosen, sent)) return;
      var vote = { thumbs: chosen.thumbs, rating: chosen.rating };
      var pressed = lastPressed;
      sending = true;
      showPressed();
      say("Sending your " + word(pressed.kind) + "\u2026");
      send(options, withKept(signals(vote)), function () { return same(chosen, vote); }).then(function (result) {
        sending = false;
        sent = vote;
        stored(result);
        showPressed();
        if (!sendNext()) say(thanks());
      }, function (error) {
        sending = false;
        if (same(chosen, vote) && !commentAsked) return voteFailed(error, pressed);
        // The vote changed since, or the comment, gets its own try; back on the vote stored, nothing is left to send.
        if (!sendNext()) say(thanks());
      });
    }

    function sendComment(hadFocus) {
      var payload = signals(chosen);
      var vote = voteOf(payload);
      var written = texts.map(function (box) { return box.value; });
      var fresh = {};
      texts.forEach(function (box) { if (!saysNothing(box.value)) fresh[box.name] = box.value; });
      Object.keys(fresh).forEach(function (field) { payload[field] = fresh[field]; });
      withKept(payload);
      if (same(vote, sent) && saysNothing(written.join(""))) {
        // Nothing to add to the vote already stored; with none, nothing to send (the gateway refuses an empty post).
        submit.disabled = false;
        if (!vote.thumbs && !vote.rating) return say("Write your feedback first.");
        say("Thanks for your feedback!");
        closeComment(hadFocus);
        return;
      }
      sending = true;
      submit.disabled = true;
      say("Sending\u2026");
      send(options, payload).then(function (result) {
        sending = false;
        sent = vote;
        Object.keys(fresh).forEach(function (field) { kept[field] = fresh[field]; });
        stored(result);
        showPressed();
        submit.disabled = false;
        // Stored (unless added to since): ready for another vote's.
        texts.forEach(function (box, i) { if (box.value === written[i]) box.value = ""; });
        // A vote changed since is sent now, and the box stays open for its comment.
        if (sendNext()) return;
        say("Thanks for your feedback!");
        closeComment(hadFocus);
      }, function (error) {
        sending = false;
        submit.disabled = false;
        // Disabled while it sent, the button let the focus fall to the page's body: back on it, to send again.
        var now = document.activeElement;
        if (hadFocus && (!now || now === document.body)) submit.focus();
        // A vote changed since is still sent; the text stays to send again, with the vote stored if its own was not.
        if (same(chosen, vote) && !same(chosen, sent)) return voteFailed(error, lastPressed);
        failed(error, what, "\u201c" + sendText + "\u201d again");
        if (!same(chosen, vote)) sendNext();
      });
    }

    function choose(kind, value, node) {
      chosen[kind] = value;
      lastPressed = { kind: kind, node: node };
      showPressed();
      if (form) {
        showComment(true);
        texts[0].focus();
      }
      if (!sending && same(chosen, sent)) say(thanks());
      sendVote();
    }
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var hadFocus = form.contains(document.activeElement);
        if (sending) {
          // Sent when the post on its way lands, with the vote chosen then.
          commentAsked = { hadFocus: hadFocus };
          submit.disabled = true;
          say("Sending\u2026");
          return;
        }
        sendComment(hadFocus);
      });
    }
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
