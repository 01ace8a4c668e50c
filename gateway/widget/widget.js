  // widget.js: the controls an element holds (DOM), what they show, and the votes and texts they send.
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

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
  // The element's data-feedgate-* attributes when it was mounted: mountAll mounts it again when they have changed (a
  // framework showing the next answer in the same element), where it kept the first answer's thumbs and their votes.
  var mountedMarks = new WeakMap();

  function unmount(element) {
    var previous = mounted.get(element);
    if (previous && previous.parentNode === element) element.removeChild(previous);
    mounted.delete(element);
  }

  function mount(element, options) {
    if (!options || !options.interactionId || !options.token) {
      throw new Error("Feedgate.mount needs interactionId and token");
    }
    element.setAttribute("data-feedgate-mounted", "");
    mountedMarks.set(element, marksOf(element));
    unmount(element);
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
      // No maxlength: it counts UTF-16 code units, not the gateway's characters (text.js, keepWithinLimit).
      var box = el("textarea", { name: field, rows: "3" });
      // Not while an input method composes a character: the text is cut once it is written.
      box.addEventListener("input", function (event) { if (!event.isComposing) keepWithinLimit(box); });
      box.addEventListener("compositionend", function () { keepWithinLimit(box); });
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

