  // text.js: the texts' limit and blank rule, and the words the end user reads when a post is refused.
  // The longest correction or comment the gateway takes (FEEDGATE_FEEDBACK_MAX_TEXT_CHARS): the gateway writes its own
  // setting into this line when it serves the script (gateway/api/widget_script.py), so the boxes stop where it would
  // refuse (they said 10000 whatever it took). A copy served from elsewhere keeps this default: set it there by hand.
  var MAX_TEXT_CHARS = 10000;

  // The gateway counts a text's characters as code points (Python's len): an emoji is one. A box's maxlength counts
  // UTF-16 code units, two for an emoji, and stopped an emoji-heavy comment at half the gateway's limit; so the boxes
  // count as the gateway does. A lone half of a pair is one here, as the gateway's U+FFFD for it is.
  var SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;
  function characters(text) { return text.replace(SURROGATE_PAIR, "_").length; }
  function isPairEnd(text, end) {
    var low = text.charCodeAt(end - 1), high = end > 1 ? text.charCodeAt(end - 2) : 0;
    return low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff;
  }
  // A box's text past the limit, typed or pasted, loses the characters just put in beyond it (those before the caret),
  // as maxlength cut them: what was written before stays, and an emoji is never cut in half.
  function keepWithinLimit(box) {
    var over = characters(box.value) - MAX_TEXT_CHARS;
    if (over <= 0) return;
    var caret = box.selectionEnd, cut = caret;
    for (; over > 0 && cut > 0; over--) cut -= isPairEnd(box.value, cut) ? 2 : 1;
    box.value = box.value.slice(0, cut) + box.value.slice(caret);
    box.setSelectionRange(cut, cut);
  }

  // A comment, correction or user id says nothing when it is made of these only: Unicode's whitespace and the zero-width
  // characters (U+200B...), which trim() keeps, so a box holding only a zero-width space was sent and refused. The
  // gateway's own list (BLANK_CODE_POINTS, gateway/domain/blank_text.py), written into this line as it serves the
  // script (gateway/api/widget_script.py); a test keeps this copy the same, for a copy served from elsewhere.
  var BLANK_TEXT_CODE_POINTS = [0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0x180e, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff];
  var BLANK_TEXT = new RegExp("^[" + BLANK_TEXT_CODE_POINTS.map(function (point) {
    return "\\u" + ("000" + point.toString(16)).slice(-4);
  }).join("") + "]*$");
  function saysNothing(text) { return BLANK_TEXT.test(text); }

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
    interaction_in_progress: "the answer was still being written",
    rate_limit_exceeded: "too much feedback was sent at once"
  };

