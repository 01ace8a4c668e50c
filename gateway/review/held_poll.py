"""`GET /v1/reviews/{task_id}`: what an app waiting on a held answer gets, as the review stands.

- still waiting: 202 with the pending body;
- approved: 200 with the held chat completion, byte for byte, when it still hashes to what the
  reviewer approved (gateway.review.held_answer);
- corrected: 200 with the held completion carrying the reviewer's correction as its message;
- rejected: 422 ``answer_rejected`` with the reviewer's comment (an OpenAI-style error);
- past the hold's deadline undecided, or dismissed without a decision: the configured fallback,
  the held answer as it is ("release") or 422 ``review_timed_out`` ("refuse").

Only the app that made the call may read it (its own credential, as for /v1/feedback); any other
app gets the same 404 as for a task that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from gateway.errors import openai_error_body
from gateway.proxy.credentials import CallerResolver, UnknownKey, bearer_token
from gateway.review.errors import TaskNotFound
from gateway.review.held_answer import corrected_completion, decided_hash, held_answer_of, sha256_hex, verified_body
from gateway.review.records import Decision, Outcome, ReviewTaskDetail, Status
from gateway.review.service import ReviewService

Fallback = Literal["release", "refuse"]
OUTCOME_HEADER = "x-feedgate-review-outcome"


@dataclass(frozen=True, slots=True)
class PollAnswer:
    """The HTTP answer to one poll: status, JSON body, and the review outcome it reflects."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, message: str, code: str, outcome: str | None = None) -> PollAnswer:
    return PollAnswer(status, openai_error_body(status, message, code), {OUTCOME_HEADER: outcome} if outcome else {})


class HeldAnswers:
    """Answers an app's polls for the answers the confidence gate held."""

    def __init__(
        self,
        reviews: ReviewService,
        resolver: CallerResolver,
        fallback: Fallback,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._reviews = reviews
        self._resolver = resolver
        self._fallback = fallback
        self._clock = clock

    async def poll(self, task_id: str, authorization: str | None) -> PollAnswer:
        """The held answer's state for the app behind `authorization`."""
        if bearer_token(authorization) is None:
            return _error(401, "send the app's API key as 'Authorization: Bearer <key>'", "missing_credentials")
        try:
            caller = await self._resolver.resolve(authorization)
        except UnknownKey as exc:
            return _error(401, f"incorrect API key ({exc})", "invalid_api_key")
        not_found = _error(404, f"no held answer with task id {task_id!r} for this app", "review_not_found")
        try:
            detail = await self._reviews.get(task_id)
        except TaskNotFound:
            return not_found
        held = held_answer_of(detail.task.evidence, detail.events)
        if detail.task.app != caller.app or held is None:
            return not_found
        task = detail.task
        if task.active:
            if self._clock() >= datetime.fromisoformat(held["hold_until"]):
                return self._fall_back(held, "No reviewer decided on this answer before the hold's deadline")
            return self._pending(detail)
        if task.status is Status.DISMISSED or task.outcome is None:
            return self._fall_back(held, "The review was closed without a decision")
        decision = _deciding(detail)
        if task.outcome is Outcome.APPROVE:
            body = verified_body(held, decided_hash(detail.events))
            if body is None:
                message = "The approval does not match the answer that was held; it is not released."
                return _error(422, message, "held_answer_mismatch", "approve")
            return PollAnswer(200, body, {OUTCOME_HEADER: "approve"})
        if task.outcome is Outcome.CORRECT and decision is not None and decision.correction:
            body = corrected_completion(held["body"].encode("utf-8"), decision.correction)
            return PollAnswer(200, body, {OUTCOME_HEADER: "correct"})
        comment = decision.comment if decision is not None and decision.comment else "no comment given"
        return _error(422, f"A reviewer rejected this answer: {comment}", "answer_rejected", "reject")

    def _pending(self, detail: ReviewTaskDetail) -> PollAnswer:
        body: dict[str, Any] = {
            "status": "pending_review",
            "task_id": detail.task.id,
            "estimated_wait_minutes": detail.estimated_wait_minutes,
            "interaction_id": detail.interaction_ids[0] if detail.interaction_ids else None,
        }
        return PollAnswer(202, orjson.dumps(body), {OUTCOME_HEADER: "pending"})

    def _fall_back(self, held: dict[str, Any], why: str) -> PollAnswer:
        body = held["body"].encode("utf-8")
        if self._fallback == "release" and sha256_hex(body) == held["sha256"]:
            return PollAnswer(200, body, {OUTCOME_HEADER: "released_unreviewed"})
        return _error(422, f"{why}; the answer is withheld.", "review_timed_out", "refused_unreviewed")


def _deciding(detail: ReviewTaskDetail) -> Decision | None:
    """The decision that stands in the task's current round (of two reviewers, the second's)."""
    current = [d for d in detail.decisions if d.round == detail.task.round]
    return max(current, key=lambda d: d.at) if current else None
