"""What callers ask of the review service, checked before anything is written: names, reasons, a person's request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Required, TypedDict, Unpack

from gateway.domain.blank_text import said_name, without_blank_ends
from gateway.domain.errors import InvalidQuery
from gateway.domain.quoting import quoted
from gateway.review.held_answer import HELD_KEY
from gateway.review.opening import OpenRequest
from gateway.review.records import Priority, Source
from gateway.store.review_figures import ReviewFigureStore

MAX_NAME = 200
# A task's reason: a sentence or a paragraph, as the API's schema also says.
MAX_REASON_CHARS = 2000


def person(name: str | None, field: str) -> str:
    """A reviewer's or actor's name without its blank ends; refuses a blank (by the one rule, zero-width spaces
    included: str.strip kept U+200B, and such a reviewer decided tasks) or overlong one."""
    cleaned = said_name(field, name or "", "name the person")
    if len(cleaned) > MAX_NAME:
        raise InvalidQuery(field, f"'{field}' may be at most {MAX_NAME} characters")
    return cleaned


class TaskAsked(TypedDict, total=False):
    """What opening or updating a review task asks, as callers give it (`open_request` checks it).

    `interaction_ids` and `tags` default to none, `issue_id` and `evidence` to None, `actor` to "rule:<source>".
    """

    app: Required[str]
    source: Required[Source]
    reason: Required[str]
    priority: Required[Priority]
    interaction_ids: Sequence[str]
    issue_id: str | None
    evidence: Any
    tags: Sequence[str]
    actor: str | None


def open_request(**asked: Unpack[TaskAsked]) -> OpenRequest:
    """The request to open or update a task: its reason stripped and checked, `actor` defaulting to "rule:<source>".

    Refuses a blank or overlong reason, and a task that concerns neither an interaction nor an issue.
    """
    reason = without_blank_ends(asked["reason"])
    if not reason:
        raise InvalidQuery("reason", "'reason' must say, in a sentence, why the task exists")
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidQuery("reason", f"'reason' may be at most {MAX_REASON_CHARS} characters; got {len(reason)}")
    interaction_ids = tuple(asked.get("interaction_ids", ()))
    issue_id = asked.get("issue_id")
    if not interaction_ids and issue_id is None:
        raise InvalidQuery("interaction_ids", "a task concerns at least one interaction or an issue")
    source = asked["source"]
    return OpenRequest(
        app=asked["app"],
        source=source,
        reason=reason,
        priority=asked["priority"],
        interaction_ids=interaction_ids,
        issue_id=issue_id,
        evidence=asked.get("evidence"),
        tags=tuple(asked.get("tags", ())),
        actor=asked.get("actor") or f"rule:{source.value}",
    )


async def check_manual_request(
    figures: ReviewFigureStore, app: str, interaction_ids: Sequence[str], issue_id: str | None, evidence: Any
) -> None:
    """Refuse a person's request whose evidence claims a held answer, or whose interactions or issue are not `app`'s."""
    if isinstance(evidence, dict) and HELD_KEY in evidence:
        # Only the confidence gate holds an answer: a person's evidence cannot put one in, or replace it.
        raise InvalidQuery("evidence", f"'evidence.{HELD_KEY}' is kept by the gate for a held answer; use another key")
    apps = await figures.interaction_apps(interaction_ids)
    for interaction_id in interaction_ids:
        found = apps.get(interaction_id)
        if found is None:
            raise InvalidQuery("interaction_ids", f"no interaction with id {quoted(interaction_id)}")
        if found != app:
            raise InvalidQuery(
                "interaction_ids",
                f"interaction {quoted(interaction_id)} belongs to app {quoted(found)}, not {quoted(app)}",
            )
    if issue_id is not None:
        issue_app = await figures.issue_app(issue_id)
        if issue_app is None:
            raise InvalidQuery("issue_id", f"no issue with id {quoted(issue_id)}")
        if issue_app != app:
            raise InvalidQuery(
                "issue_id", f"issue {quoted(issue_id)} belongs to app {quoted(issue_app)}, not {quoted(app)}"
            )
