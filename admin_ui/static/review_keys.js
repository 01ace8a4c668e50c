/* Keyboard triage for the review queue and a task's page.
 *
 * Queue: j / k select the next / previous task, Enter opens it, c claims, a approves, r rejects,
 * e opens the task at its correction box. Task page: c, a, r send its claim / approve / reject
 * forms, e focuses the correction box. Every action is a POST with the page's CSRF token in the
 * x-csrf-token header; the server does the work and answers with the page to show next.
 * Keys are ignored while typing in a field, or with a modifier held; Enter on a focused link or
 * button is left to the browser. What a key did in the queue is said on the reloaded queue.
 * r on a task whose app waits for its held answer (data-app-waits, on the task page's root or the
 * queue's row) asks first: a rejection refuses that app at once, and nothing can take it back.
 * The page's "single-key shortcuts on" box turns every key off (and on again) in this browser: one letter acting
 * at once is a hazard for speech input and for a slip of the hand (WCAG 2.1.4).
 */
(function () {
  "use strict";

  var root = document.getElementById("review-keys");
  if (!root) { return; }
  var token = root.getAttribute("data-csrf-token");
  var canAct = root.getAttribute("data-can-act") === "yes";
  var status = document.getElementById("key-status");

  function say(message) {
    if (status) { status.textContent = message; }
  }

  /* Whether the keys act: on unless turned off in this browser (kept across pages and visits). */
  var SWITCH_KEY = "feedgate-review-keys";
  var keysOn = true;
  try { keysOn = window.localStorage.getItem(SWITCH_KEY) !== "off"; } catch (ignored) { /* storage off: keys on */ }
  document.querySelectorAll("[data-keys-switch]").forEach(function (box) {
    box.checked = keysOn;
    box.closest("label").hidden = false;
    box.addEventListener("change", function () {
      keysOn = box.checked;
      try { window.localStorage.setItem(SWITCH_KEY, keysOn ? "on" : "off"); } catch (ignored) { /* this page only */ }
      say(keysOn ? "Single-key shortcuts are on." : "Single-key shortcuts are off.");
    });
  });

  function typing(event) {
    var target = event.target;
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    return tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable);
  }

  /* Enter on a focused link or button is the browser's: it follows or presses what has the focus. */
  function activating(event) {
    var target = event.target;
    return event.key === "Enter" && target && target.closest && target.closest("a[href], button, summary") !== null;
  }

  /* What an action from the queue did, said on the reloaded page (the reload would wipe it). */
  var DONE_KEY = "feedgate-review-keys-done";
  /* Which row it acted on: a task it decided leaves the queue, and the one now in its place is selected. */
  var ROW_KEY = "feedgate-review-keys-row";

  /* Post `fields` to `url`; go to the page the server redirects to, or show why it refused. */
  function post(url, fields, after) {
    if (!canAct) { say("Your role can read tasks but not act on them."); return; }
    say("Working…");
    fetch(url, {
      method: "POST",
      headers: { "x-csrf-token": token, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
      credentials: "same-origin",
      redirect: "follow"
    }).then(function (response) {
      if (response.ok) {
        if (after) {
          /* The same page with the task still selected: the hash alone would not reload it. */
          try {
            window.sessionStorage.setItem(DONE_KEY, after.said);
            window.sessionStorage.setItem(ROW_KEY, String(after.index));
          } catch (ignored) { /* storage off: say nothing */ }
          window.location.hash = after.id;
          window.location.reload();
        } else {
          window.location.assign(response.url);
        }
        return null;
      }
      return response.text().then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var alert = page.querySelector("[role=alert]");
        say(alert ? alert.textContent.trim() : "Refused (" + response.status + ").");
      });
    }).catch(function () { say("The gateway did not answer: try again."); });
  }

  var ASK_REFUSE = "Reject the held answer? The app waiting for it is refused at once; this cannot be undone.";

  /* Whether the reviewer, asked, stands by rejecting; a task no app waits on is rejected unasked. */
  function rejectConfirmed(holder) {
    if (holder.getAttribute("data-app-waits") !== "yes" || !canAct) { return true; }
    if (window.confirm(ASK_REFUSE)) { return true; }
    say("Not rejected: the app still waits for a review.");
    return false;
  }

  function formFields(form) {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && typeof value === "string") { fields[name] = value; }
    });
    return fields;
  }

  /* -- the task page ------------------------------------------------------------------ */

  function onTaskKey(key) {
    if (key === "e") {
      var box = document.getElementById("correction");
      if (box) { box.focus(); return true; }
      return false;
    }
    var form = root.querySelector("form[data-key='" + key + "']");
    if (!form) { return false; }
    if (key === "r" && !rejectConfirmed(root)) { return true; }
    post(form.getAttribute("action"), formFields(form));
    return true;
  }

  /* -- the queue ----------------------------------------------------------------------- */

  /* `lead` about the task of `row`, ending in its reason: "You claimed the task: New issue “Fees” found by one
     clustering pass." The reason is a sentence of its own, often with quotes and a full stop (the rules write
     them so): it ends the message as written, given a full stop only when it has none, never quoted again. */
  function aboutTask(lead, row) {
    var cell = row.querySelector("td.reason");
    var reason = cell ? cell.textContent.trim() : "";
    if (!reason) { return lead + "."; }
    return lead + ": " + reason + (/[.!?\u2026]["'\u201d\u2019)]*$/.test(reason) ? "" : ".");
  }

  var rows = Array.prototype.slice.call(root.querySelectorAll("tr[data-task-id]"));
  var selected = -1;

  /* `announce`: said in the status line, as a screen reader has no other way to know which row j / k reached. */
  function select(index, announce) {
    if (!rows.length) { return; }
    selected = Math.max(0, Math.min(rows.length - 1, index));
    /* aria-current, not aria-selected: a plain table's rows are not selectable, and a screen reader ignores
       aria-selected there; the current row is said as such when reached, and j / k say it in the status line. */
    rows.forEach(function (row, i) {
      row.classList.toggle("selected", i === selected);
      if (i === selected) { row.setAttribute("aria-current", "true"); } else { row.removeAttribute("aria-current"); }
    });
    rows[selected].scrollIntoView({ block: "nearest" });
    if (announce) {
      say(aboutTask("Task " + (selected + 1) + " of " + rows.length + " selected", rows[selected]));
    }
  }

  /* Where an action from the queue returns: this page, its filters kept. */
  var queueUrl = root.getAttribute("data-here");

  /* A decision's idempotency key per task and outcome, for as long as the queue is shown: `a` pressed twice (or
     a retry) records one decision, as the task page's forms' own keys do (admin_ui/form_keys.py). */
  var decisionKeys = {};
  function decisionKey(id, outcome) {
    if (!decisionKeys[id + outcome]) {
      var bytes = new Uint8Array(18);
      window.crypto.getRandomValues(bytes);
      decisionKeys[id + outcome] = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    }
    return decisionKeys[id + outcome];
  }

  function onQueueKey(key) {
    if (key === "j") { select(selected + 1, true); return true; }
    if (key === "k") { select(selected - 1, true); return true; }
    if (selected < 0) { return false; }
    var row = rows[selected];
    var url = row.getAttribute("data-task-url");
    /* The task's page as its link opens it: with the way back to this queue, filters kept. */
    var page = row.getAttribute("data-task-page") || url;
    var id = row.getAttribute("data-task-id");
    if (key === "Enter") { window.location.assign(page); return true; }
    if (key === "e") { window.location.assign(page + "#correction"); return true; }
    if (key === "c") {
      post(url + "/claim", { next: queueUrl }, { id: id, index: selected, said: aboutTask("You claimed the task", row) });
      return true;
    }
    if (key === "r" && !rejectConfirmed(row)) { return true; }
    if (key === "a" || key === "r") {
      var outcome = key === "a" ? "approve" : "reject";
      var decided = key === "a" ? "You approved the task" : "You rejected the task";
      var fields = { outcome: outcome, next: queueUrl, idempotency_key: decisionKey(id, outcome) };
      post(url + "/decide", fields, { id: id, index: selected, said: aboutTask(decided, row) });
      return true;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (!keysOn || event.altKey || event.ctrlKey || event.metaKey || typing(event) || activating(event)) { return; }
    var page = root.getAttribute("data-page");
    var handled = page === "queue" ? onQueueKey(event.key) : onTaskKey(event.key);
    if (handled) { event.preventDefault(); }
  });

  var done = null;
  var actedRow = null;
  try {
    done = window.sessionStorage.getItem(DONE_KEY);
    actedRow = window.sessionStorage.getItem(ROW_KEY);
    window.sessionStorage.removeItem(DONE_KEY);
    window.sessionStorage.removeItem(ROW_KEY);
  } catch (ignored) { /* storage off: nothing was kept */ }
  if (done) { say(done); }

  if (rows.length) {
    var wanted = window.location.hash.slice(1);
    var start = rows.findIndex(function (row) { return row.getAttribute("data-task-id") === wanted; });
    /* The task acted on has left the queue (decided): the row now in its place, else the first. */
    var inItsPlace = done && actedRow !== null ? parseInt(actedRow, 10) : 0;
    select(start < 0 ? (isNaN(inItsPlace) ? 0 : inItsPlace) : start);
    rows.forEach(function (row, i) {
      row.addEventListener("click", function () { select(i); });
    });
  }
  if (window.location.hash === "#correction") {
    var box = document.getElementById("correction");
    if (box) { box.focus(); }
  }
}());
