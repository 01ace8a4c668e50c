"""What the OpenAPI schema says `GET /v1/reviews/{task_id}` answers: each body an app polling a held answer gets.

The handler answers the bytes gateway.review.held_poll made (the held completion byte for byte, so
no serializer of ours writes it); the types here are documentation, held to the real answers by
tests/test_held_answer_schema.py. The completion is the upstream's: the schema names what a chat
completion always holds, and it may hold more (usage, system_fingerprint, ...).
"""

from __future__ import annotations

from typing import TypedDict

from litestar.openapi import ResponseSpec

from gateway.api.openai_error_schema import openai_error
from gateway.review.held_poll import PendingReview


class HeldChatMessage(TypedDict):
    """The answer's message: the upstream's, or the reviewer's correction."""

    role: str
    content: str | None


class HeldChatChoice(TypedDict):
    """One choice of the held completion (a corrected one keeps the first alone)."""

    index: int
    message: HeldChatMessage
    finish_reason: str | None


class HeldChatCompletion(TypedDict):
    """The chat completion the app was held from, as the upstream answered it (or corrected by the reviewer)."""

    id: str
    object: str
    created: int
    model: str
    choices: list[HeldChatChoice]


# The header every answer carries: pending, approve, correct, reject, released_unreviewed, refused_unreviewed.
_OUTCOME = "The x-feedgate-review-outcome header says which"

RESPONSES = {
    200: ResponseSpec(
        HeldChatCompletion,
        description=(
            "The held chat completion: approved in time (byte for byte as held), corrected in time (the reviewer's "
            "correction as its one choice's message), or released unreviewed by the release fallback (no decision "
            f"before the hold ended, or the task dismissed). {_OUTCOME}."
        ),
        generate_examples=False,
    ),
    202: ResponseSpec(
        PendingReview,
        description=f"Still waiting for a reviewer: poll again (outcome pending). {_OUTCOME}.",
        generate_examples=False,
    ),
    400: openai_error("invalid_url: the URL holds a NUL character (%00)."),
    401: openai_error("missing_credentials: no API key was sent. invalid_api_key: the key is not accepted."),
    404: openai_error("review_not_found: no held answer with this task id for this app (another app's alike)."),
    410: openai_error(
        "held_answer_redacted: with redaction on, the answer (held bytes or exact correction) was already served "
        "and its exact text is no longer kept; keep what the first successful poll got."
    ),
    422: openai_error(
        "answer_rejected: a reviewer rejected the answer (the message gives the comment). review_timed_out: the "
        "refuse fallback withheld it (no decision before the hold ended, or the task dismissed). "
        f"held_answer_mismatch: the approved answer no longer hashes to the one held. {_OUTCOME}."
    ),
    503: openai_error("database_unavailable: the database is unreachable; poll again after Retry-After."),
}
