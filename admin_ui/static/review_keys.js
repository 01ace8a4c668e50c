/* Keyboard triage for the review queue and a task's page.
 *
 * Queue: j / k select the next / previous task, Enter opens it, c claims, a approves, r rejects,
 * e opens the task at its correction box. Task page: c, a, r send its claim / approve / reject
 * forms, e focuses the correction box. Every action is a POST with the page's CSRF token in the
 * x-csrf-token header; the server does the work and answers with the page to show next.
 * Keys are ignored while typing in a field, or with a modifier held.
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

  function typing(event) {
    var target = event.target;
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    return tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable);
  }

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
          window.location.hash = after;
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
    post(form.getAttribute("action"), formFields(form));
    return true;
  }

  /* -- the queue ----------------------------------------------------------------------- */

  var rows = Array.prototype.slice.call(root.querySelectorAll("tr[data-task-id]"));
  var selected = -1;

  function select(index) {
    if (!rows.length) { return; }
    selected = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) {
      row.classList.toggle("selected", i === selected);
      row.setAttribute("aria-selected", i === selected ? "true" : "false");
    });
    rows[selected].scrollIntoView({ block: "nearest" });
  }

  /* Where an action from the queue returns: this page, its filters kept. */
  var queueUrl = root.getAttribute("data-here");

  function onQueueKey(key) {
    if (key === "j") { select(selected + 1); return true; }
    if (key === "k") { select(selected - 1); return true; }
    if (selected < 0) { return false; }
    var row = rows[selected];
    var url = row.getAttribute("data-task-url");
    var id = row.getAttribute("data-task-id");
    if (key === "Enter") { window.location.assign(url); return true; }
    if (key === "e") { window.location.assign(url + "#correction"); return true; }
    if (key === "c") { post(url + "/claim", { next: queueUrl }, id); return true; }
    if (key === "a") { post(url + "/decide", { outcome: "approve", next: queueUrl }, id); return true; }
    if (key === "r") { post(url + "/decide", { outcome: "reject", next: queueUrl }, id); return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event)) { return; }
    var page = root.getAttribute("data-page");
    var handled = page === "queue" ? onQueueKey(event.key) : onTaskKey(event.key);
    if (handled) { event.preventDefault(); }
  });

  if (rows.length) {
    var wanted = window.location.hash.slice(1);
    var start = rows.findIndex(function (row) { return row.getAttribute("data-task-id") === wanted; });
    select(start < 0 ? 0 : start);
    rows.forEach(function (row, i) {
      row.addEventListener("click", function () { select(i); });
    });
  }
  if (window.location.hash === "#correction") {
    var box = document.getElementById("correction");
    if (box) { box.focus(); }
  }
}());
