"""The JSON bodies of `/api/reviews`: a task asked for, a change to a task, a decision, a fix."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from msgspec import Meta, field

from gateway.api.request_body import RequestBody
from gateway.domain.answer_choices import MAX_CHOICE_INDEX
from gateway.domain.stored_text import NO_NUL
from gateway.prompts.service import MAX_TEXT as MAX_PROMPT_TEXT
from gateway.review.records import Outcome, Priority

# Who acts when a change names nobody: the admin token, as the audit log calls it.
ADMIN_ACTOR = "admin-token"
# NO_NUL (gateway.domain.stored_text): PostgreSQL refuses NUL in text and JSON, so it is refused on
# both stores alike, a 400 naming the field (benchmarks/fuzz_api.py found these as 500s on PostgreSQL).
Name = Annotated[str, Meta(min_length=1, max_length=200, pattern=NO_NUL)]
Text = Annotated[str, Meta(min_length=1, max_length=20_000, pattern=NO_NUL)]
# A prompt version's instructions, as long as publishing one takes (and the task page's form).
PromptText = Annotated[str, Meta(min_length=1, max_length=MAX_PROMPT_TEXT, pattern=NO_NUL)]
Note = Annotated[str, Meta(max_length=2000, pattern=NO_NUL)]
InteractionId = Annotated[str, Meta(min_length=1, max_length=36, pattern=NO_NUL)]
TaskAction = Literal["claim", "renew", "release", "assign", "unassign", "dismiss", "reopen", "second_opinion"]


class NewTask(RequestBody):
    """A review a person asks for: stored interactions of `app` and/or one of its issues, and why."""

    app: Name
    reason: Annotated[str, Meta(min_length=1, max_length=2000, pattern=NO_NUL)]
    interaction_ids: Annotated[list[InteractionId], Meta(max_length=1000)] = field(default_factory=list)
    issue_id: InteractionId | None = None
    priority: Priority = Priority.MEDIUM
    tags: Annotated[list[Name], Meta(max_length=50)] = field(default_factory=list)
    evidence: dict[str, Any] | None = None
    created_by: Name = ADMIN_ACTOR

    def __post_init__(self) -> None:
        if self.evidence is not None:
            check_storable("evidence", self.evidence)


class TaskUpdate(RequestBody):
    """A change to a task. `reviewer` is who makes it (required to claim, renew or release; the admin
    token otherwise); `assignee` is for assign; `note` says why, for dismiss, reopen and second_opinion."""

    action: TaskAction
    reviewer: Name | None = None
    assignee: Name | None = None
    note: Note | None = None


class DecisionBody(RequestBody):
    """A reviewer's judgement: `correction` (the right answer) is required with, and only with, outcome correct;
    `choice`, the index of the answer's choice judged when the app asked for several (`n` > 1), 0 when left out."""

    outcome: Outcome
    reviewer: Name
    correction: Text | None = None
    comment: Annotated[str, Meta(max_length=20_000, pattern=NO_NUL)] | None = None
    choice: Annotated[int, Meta(ge=0, le=MAX_CHOICE_INDEX)] | None = None


class FixBody(RequestBody):
    """Resolve a task by a fix: kind "knowledge" (title, content, example_questions) or "prompt" (text,
    message, rollout "active"|"canary", canary_share) makes it; kind "linked" (link_id) names one already
    linked to the task's issue; by a named reviewer, with an optional comment. A field of another kind is a 400
    (check_fix_fields), never dropped."""

    kind: Literal["knowledge", "prompt", "linked"]
    reviewer: Name
    title: Annotated[str, Meta(max_length=500, pattern=NO_NUL)] | None = None
    content: Text | None = None
    example_questions: list[Annotated[str, Meta(max_length=2000, pattern=NO_NUL)]] = field(default_factory=list)
    text: PromptText | None = None
    message: Annotated[str, Meta(max_length=2000, pattern=NO_NUL)] | None = None
    # Left out: active, for a new prompt fix; a linked fix is live as it is, and refuses both (check_rollout).
    rollout: Literal["active", "canary"] | None = None
    # Its range is the prompt service's (gateway.prompts.service.checked_share, through check_rollout), refused in its
    # words: a bound here answered the framework's "Expected `float` to be > 0.0" instead.
    canary_share: float | None = None
    comment: Annotated[str, Meta(max_length=20_000, pattern=NO_NUL)] | None = None
    link_id: Annotated[str, Meta(max_length=36, pattern=NO_NUL)] | None = None
    # The fix decision rejects the answer: on an answer of several choices, this one (0 when left out).
    choice: Annotated[int, Meta(ge=0, le=MAX_CHOICE_INDEX)] | None = None


def check_storable(name: str, value: dict[str, Any]) -> None:
    """Refuse JSON that no store can keep: NUL characters, integers past 64 bits (a 400 naming the field)."""
    try:
        encoded = orjson.dumps(value)
    except TypeError:
        raise ValueError(f"'{name}' holds a number too large to store") from None
    if b"\\u0000" in encoded:
        raise ValueError(f"'{name}' must not contain NUL characters")
