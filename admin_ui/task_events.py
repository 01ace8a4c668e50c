"""A review task's events as its page says them: what changed, times as the pages show them, other pages linked.

An event's detail is the JSON the review service stored (gateway.review.lifecycle and opening). Each
key the page knows becomes a labelled line; a key it does not know with a plain value becomes one
too, under its own name; whatever is left (the evidence as it was then, a nested value of a key
not known here) is shown as formatted JSON, folded, as the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from admin_ui.rendering import when_text
from admin_ui.review_evidence import pretty_json
from gateway.review.held_answer import DECISION_HASH_KEY, EXACT_CORRECTION_KEY
from gateway.review.opening import takes_over
from gateway.review.records import Source, TaskEvent
from gateway.review.resolution import FIX_KEY
from gateway.review.source_words import source_because, source_words

# Never shown: the held answer's hash is for the code that releases it, and the correction as written
# (before redaction) is kept in the event for the waiting app alone; the page shows the stored one.
HIDDEN_KEYS = frozenset({DECISION_HASH_KEY, EXACT_CORRECTION_KEY})
# A stored time: "2026-12-03T12:03:00+00:00" and the like (isoformat with a zone).
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$")
LABELS = {
    "source": "Source",
    "reason": "Reason",
    "priority": "Priority",
    "issue_id": "Issue",
    "interactions_added": "Interactions added",
    "lease_expires_at": "Claimed until",
    "outcome": "Outcome",
    "round": "Round",
    "correction": "Correction",
    "comment": "Comment",
    "note": "Note",
    "redactions": "Redacted",
    "agreed": "Agreed with the first decision",
}


@dataclass(frozen=True, slots=True)
class EventLine:
    """One thing an event says: what it is, the value as a person reads it, and the page it links to."""

    label: str
    text: str
    href: str | None = None


@dataclass(frozen=True, slots=True)
class EventView:
    """An event with its detail said readably; `rest` is what could not be, as formatted JSON (or None)."""

    event: TaskEvent
    lines: list[EventLine] = field(default_factory=list)
    rest: str | None = None


# Detail keys that name an issue: the task's, and the one it had before that issue was merged away.
ISSUE_KEYS = ("issue_id", "was_issue")


def issues_named(events: Iterable[TaskEvent]) -> list[str]:
    """The issue ids the events' details name, for the page to fetch their titles."""
    return [
        e.detail[key]
        for e in events
        if isinstance(e.detail, dict)
        for key in ISSUE_KEYS
        if isinstance(e.detail.get(key), str)
    ]


def _issue_named(event: TaskEvent) -> str | None:
    """The task's issue as `event` names it (on opening, attaching one, following a merge), if it does."""
    issue_id = event.detail.get("issue_id") if isinstance(event.detail, dict) else None
    return issue_id if isinstance(issue_id, str) else None


def issue_href(issue_id: str) -> str:
    """An issue's admin page."""
    return f"/admin/issues/{quote(issue_id, safe='')}"


def interaction_href(interaction_id: str) -> str:
    """An interaction's admin page."""
    return f"/admin/interactions/{quote(interaction_id, safe='')}"


def value_text(value: Any) -> str:
    """A plain value as a page says it: a stored time as `when` shows times, yes/no, "nobody" for none."""
    if value is None:
        return "nobody"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and ISO_TIME.match(value):
        try:
            return when_text(datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC))
        except ValueError:
            return value
    return str(value)


def _redactions(value: Any) -> str | None:
    if isinstance(value, Mapping) and all(isinstance(count, int) for count in value.values()):
        return ", ".join(f"{rule} ×{count}" for rule, count in value.items())
    if isinstance(value, list) and all(isinstance(rule, str) for rule in value):
        return ", ".join(value)
    return None


def _fix_line(fix: Any, app: str) -> EventLine | None:
    if not isinstance(fix, Mapping) or not isinstance(fix.get("label"), str):
        return None
    # The label already says what the fix is ("knowledge-base entry 'Fees' (…, version 1)").
    kind, fix_id = fix.get("kind"), fix.get("id")
    if kind == "knowledge" and isinstance(fix_id, str):
        return EventLine("Fix", fix["label"], f"/admin/knowledge/{quote(fix_id, safe='')}")
    if kind == "prompt":
        return EventLine("Fix", fix["label"], f"/admin/prompts?{urlencode({'app': app})}")
    return None


def _why(event: TaskEvent, source: str, task_source: str | None) -> EventLine:
    """What a rule's (or a person's) finding did to the task: opened it, took it over, or told it again."""
    if event.kind == "opened":
        return EventLine("Opened because", source_because(source))
    if event.kind == "updated" and task_source is not None and takes_over(source, task_source):
        return EventLine("Taken over because", source_because(source))
    return EventLine("Source", source_words(source))


def _said_by_kind(event: TaskEvent, detail: dict[str, Any], task_source: str | None) -> list[EventLine]:
    """The keys whose meaning depends on the event's kind (taken out of `detail`), why it happened first."""
    lines = []
    if isinstance(detail.get("source"), str):
        lines.append(_why(event, detail.pop("source"), task_source))
    if event.kind == "opened" and detail.get("issue_id", "") is None:
        # Opened about no issue: the line would say "Issue none"; why it was opened says what it is about.
        del detail["issue_id"]
    if event.kind == "assigned" and {"from", "to"} <= detail.keys():
        was, now = detail.pop("from"), detail.pop("to")
        lines.append(EventLine("Assignee", f"{value_text(was)} → {value_text(now)}"))
    elif event.kind == "claimed" and isinstance(detail.get("replaced_assignee"), str):
        # A claim makes its reviewer the assignee: said as an assignment says it.
        lines.append(EventLine("Assignee", f"{detail.pop('replaced_assignee')} → {event.actor}"))
    elif event.kind == "reopened" and isinstance(detail.get("from"), str):
        lines.append(EventLine("Was", detail.pop("from")))
    return lines


def _said(key: str, value: Any, app: str, titles: Mapping[str, str]) -> EventLine | None:
    """One key of a detail as a line; None when it is not a plain value said here (left to the JSON)."""
    if key == "issue_id" and isinstance(value, str):
        return EventLine("Issue", titles.get(value, value), issue_href(value))
    if key == "was_issue" and isinstance(value, str):
        return EventLine("Merged away", titles.get(value, value), issue_href(value))
    if key == "carried_on_by" and isinstance(value, str):
        return EventLine("Carried on by", f"review task {value}", f"/admin/reviews/{quote(value, safe='')}")
    if key == "interaction_id" and isinstance(value, str):
        return EventLine("Interaction", value, interaction_href(value))
    if key == FIX_KEY:
        return _fix_line(value, app)
    if key == "priority" and isinstance(value, Mapping) and {"from", "to"} <= value.keys():
        return EventLine("Priority", f"{value['from']} → {value['to']}")
    if key == "lapsed_claim" and isinstance(value, Mapping) and isinstance(value.get("holder"), str):
        return EventLine("Took over", f"{value['holder']}'s claim, which lapsed {value_text(value.get('expired_at'))}")
    if key == "first_decision" and isinstance(value, Mapping) and {"reviewer", "outcome"} <= value.keys():
        on_choice = f" (choice {value['choice']})" if isinstance(value.get("choice"), int) else ""
        return EventLine("First decision", f"{value['reviewer']}: {value['outcome']}{on_choice}")
    if key == "choice" and isinstance(value, int) and not isinstance(value, bool):
        # The answer's choice the decision judged (`n` > 1), as the decisions table names it.
        return EventLine("Choice judged", f"choice {value}")
    if key == "awaiting_second_reviewer" and value is True:
        return EventLine("Next", "awaits a second, different reviewer")
    if key == "redactions":
        said = _redactions(value)
        return EventLine("Redacted", said) if said is not None else None
    if isinstance(value, Mapping | list):
        return None
    return EventLine(LABELS.get(key, key.replace("_", " ").capitalize()), value_text(value))


def event_view(event: TaskEvent, app: str, titles: Mapping[str, str], task_source: str | None = None) -> EventView:
    """The event as the task page's Events table says it; `titles` names the issues it links, `task_source` is the
    source telling the task before it (None: unknown)."""
    if not isinstance(event.detail, dict):
        return EventView(event, rest=None if event.detail in (None, "") else pretty_json(event.detail))
    detail = {key: value for key, value in event.detail.items() if key not in HIDDEN_KEYS}
    lines = _said_by_kind(event, detail, task_source)
    rest: dict[str, Any] = {}
    for key, value in detail.items():
        line = _said(key, value, app, titles)
        if line is None:
            rest[key] = value
        else:
            lines.append(line)
    return EventView(event, lines, pretty_json(rest) if rest else None)


def _with_issue(event: TaskEvent, task_issue: str | None) -> TaskEvent:
    """`event` naming `task_issue` (the task's issue then) when it is the issue rule's update stored before its
    detail named the issue (it did only when the update attached one); as it is otherwise. Stored events stay as
    they are: the page fills the name in."""
    detail = event.detail
    if event.kind != "updated" or task_issue is None or not isinstance(detail, dict) or "issue_id" in detail:
        return event
    if detail.get("source") != Source.ISSUE.value:
        return event
    return replace(event, detail={**detail, "issue_id": task_issue})


def event_views(
    events: Sequence[TaskEvent], app: str, titles: Mapping[str, str], task_issue: str | None = None
) -> list[EventView]:
    """Every event of a task as its page says it, oldest first: each knows which source told the task before it, and
    the issue it had (as its events name it, else `task_issue`, the task's issue now)."""
    views, task_source, issue_then = [], None, None
    for event in events:
        issue_then = _issue_named(event) or issue_then
        views.append(event_view(_with_issue(event, issue_then or task_issue), app, titles, task_source))
        source = event.detail.get("source") if isinstance(event.detail, dict) else None
        if event.kind not in ("opened", "updated") or not isinstance(source, str):
            continue
        if task_source is None or takes_over(source, task_source):
            task_source = source
    return views
