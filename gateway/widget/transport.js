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
 *
 * Its source is five parts in gateway/widget/, joined in this order as the gateway serves it
 * (gateway/api/widget_script.py): transport.js, text.js, icons.js, widget.js, boot.js. This first part opens
 * the function the others are inside, and boot.js closes it; no part is a script on its own.
 */
(function () {
  "use strict";

  // transport.js: the post to the gateway with the answer's feedback token, its tries again, and what the
  // developer is told in the console when one fails.
  var script = document.currentScript;
  // Relative to the script's own URL, not its origin: under a proxy's path prefix (/feedgate/static/feedgate.js)
  // the endpoint is /feedgate/v1/feedback, and an absolute /v1/feedback left the prefix.
  var defaultEndpoint = script && script.src ? new URL("../v1/feedback", script.src).href : "/v1/feedback";

  // An answer still streaming is stored when it ends: the gateway answers 409 interaction_in_progress
  // with Retry-After, and the post is sent again then (a vote given mid-stream is not lost). A post over a
  // rate limit (429 rate_limit_exceeded, with Retry-After) is sent again too: its allowance refills. A spent
  // token's 429 (feedback_token_exhausted) has no Retry-After and never refills.
  var MAX_RETRIES = 20;
  // The gateway says 409 for ten minutes after the call began (STILL_STREAMING_SECONDS), then 404: a vote on an answer
  // still streaming is sent again while it says so, past MAX_RETRIES (20 tries, some 3 minutes in, lost the vote on a
  // longer answer), up to this long after its first try, a minute to spare.
  var STREAMING_RETRY_SECONDS = 660;

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
    var firstTry = Date.now();
    return attempt(0, false);

    function againLater(retries, code) {
      if (code === "interaction_in_progress") return Date.now() - firstTry < STREAMING_RETRY_SECONDS * 1000;
      return retries < MAX_RETRIES;
    }

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
          if (seconds !== null && againLater(retries, code)) {
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

