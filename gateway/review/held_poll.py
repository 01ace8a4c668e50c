"""`GET /v1/reviews/{task_id}`: what an app waiting on a held answer gets, as the review stands.

- still waiting: 202 with the pending body;
- approved: 200 with the held chat completion, byte for byte, when it still hashes to what the
  reviewer approved (gateway.review.held_answer);
- corrected: 200 with the held completion carrying the reviewer's correction as its message;
- rejected: 422 ``answer_rejected`` with the reviewer's comment (an OpenAI-style error);
- past the hold's deadline undecided, or dismissed without a decision: the configured fallback,
  the held answer as it is ("release") or 422 ``review_timed_out`` ("refuse").

The first of these final answers stands for good, so an app never gets two different ones: the
task's first decision (a second opinion's first one included) or its dismissal settles the held
answer when it came before the hold's deadline; otherwise the deadline settled it, and the fallback
(the one in force when the answer was held, kept with it) is the answer. A later
decision (one after the deadline, or one in a round after a reopen) is stored and audited like any
other, and feeds training data, but does not change what the poll answers. This is read from the
task's events alone (the held answer's ``hold_until`` as the "opened" event kept it, the times of
the "decided" and "dismissed" events), so every gateway process answers alike.

With redaction on, the held answer's stored copies are redacted once the app has been served its
final answer (gateway.review.held_redaction), and so is the reviewer's correction kept exact for
it; a poll after that whose answer was that exact text (an approval, a correction, the release
fallback) gets 410 ``held_answer_redacted`` with the same outcome header, whatever the answer
says: also when no rule fired on it and its stored text happens to be the exact one. A
rejection's comment is given as stored (redacted), the same on every poll. One rule an app can count on, which its answer's content cannot
change (and which says nothing about that content): keep what the first successful poll got.

Only the app that made the call may read it (its own credential, as for /v1/feedback); any other
app gets the same 404 as for a task that does not exist. A held call repeated under its
Idempotency-Key (gateway.review.held_keys) is answered by the same rule (`HeldTaskAnswers`), so the
repeat and the poll never say two things.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import orjson

from gateway.domain.quoting import quoted
from gateway.errors import openai_error_body
from gateway.proxy.credentials import CallerResolver, UnknownKey, given_bearer
from gateway.review.errors import TaskNotFound
from gateway.review.held_answer import (
    DECISION_HASH_KEY,
    Fallback,
    Json,
    corrected_completion,
    held_answer_of,
    held_fallback,
    hold_deadline,
    is_redacted,
    served_correction,
    sha256_hex,
    verified_body,
)
from gateway.review.records import Outcome, ReviewTaskDetail, TaskEvent
from gateway.review.resolution import FIX_NOTES
from gateway.review.service import ReviewService

if TYPE_CHECKING:
    from gateway.review.held_redaction import HeldAnswerRedaction

OUTCOME_HEADER = "x-feedgate-review-outcome"
# The outcome each fallback answers by: on the poll's header, and in the webhook's notice of a dismissal.
FALLBACK_OUTCOMES: dict[Fallback, str] = {"release": "released_unreviewed", "refuse": "refused_unreviewed"}
# The outcome while the app still waits: on the gate's first 202 (gateway.review.gate) and on every poll until settled.
PENDING = "pending"


@dataclass(frozen=True, slots=True)
class PollAnswer:
    """The HTTP answer to one poll: status, JSON body, and the review outcome it reflects."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    # The call held, whose answer this is (None for a 404): a repeat of it under its Idempotency-Key names it.
    held_call: str | None = None


def _error(status: int, message: str, code: str, outcome: str | None = None) -> PollAnswer:
    return PollAnswer(status, openai_error_body(status, message, code), {OUTCOME_HEADER: outcome} if outcome else {})


class PendingReview(TypedDict):
    """What an app waiting on a held answer gets with each 202: the task to poll, and how long it may wait."""

    status: Literal["pending_review"]
    task_id: str
    # The queue's estimate for a task of its priority (gateway.review.task_reads); None with no figures yet.
    estimated_wait_minutes: float | None
    # The call held (None when its task names no interaction).
    interaction_id: str | None


def pending_body(task: ReviewTaskDetail, interaction_id: str | None) -> PendingReview:
    """The body of a 202 while the app waits on held `task` (`interaction_id`: the call held), the gate's and each poll's."""
    return {
        "status": "pending_review",
        "task_id": task.task.id,
        "estimated_wait_minutes": task.estimated_wait_minutes,
        "interaction_id": interaction_id,
    }


class HeldTaskAnswers:
    """What an app gets for a held answer as its review stands: the rule a poll and a repeated held call share."""

    def __init__(
        self,
        reviews: ReviewService,
        fallback: Fallback,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        redaction: HeldAnswerRedaction | None = None,
    ) -> None:
        self._reviews = reviews
        self._fallback = fallback
        self._clock = clock
        # With redaction on: told when the app is served its final answer (its exact bytes are then needed no more).
        self._redaction = redaction

    async def answer(self, task_id: str, app: str, *, collected: bool = True) -> PollAnswer:
        """Held task `task_id`'s answer for `app` (404 for another app's); `collected`: the app gets the body."""
        not_found = _error(404, f"no held answer with task id {quoted(task_id)} for this app", "review_not_found")
        # Read before the task: a decision stored while this poll runs is judged against a time no later.
        now = self._clock()
        try:
            detail = await self._reviews.get(task_id)
        except TaskNotFound:
            return not_found
        held = held_answer_of(detail.task.evidence, detail.events)
        deadline = hold_deadline(held) if held is not None else None
        if detail.task.app != app or held is None or deadline is None:
            return not_found
        if now >= deadline and first_closing(detail.events) is None:
            # A decision is timed under the task's lock, then written: one timed before the deadline may be
            # committing still, and answering the fallback now would give the app a second final answer once
            # it lands. Wait for it; any later change is timed after `now`. Polls within the hold never wait.
            try:
                detail = await self._reviews.get(task_id, after_changes=True)
            except TaskNotFound:  # erased meanwhile
                return not_found
        settling = settling_event(deadline, detail.events)
        if settling is not None:
            answer = self._settled_by(held, settling)
        elif first_closing(detail.events) is not None or now >= deadline:
            # Closed only at or after the deadline, or not yet: the deadline settled it.
            answer = self._fall_back(held, "No reviewer decided on this answer before the hold's deadline")
        elif detail.task.active:
            return self._pending(detail)
        else:
            answer = self._fall_back(held, "The review was closed without a decision")
        if collected and self._redaction is not None and not is_redacted(held):
            await self._redaction.served(detail)
        return replace(answer, held_call=_held_call(detail))

    def _settled_by(self, held: Json, closing: TaskEvent) -> PollAnswer:
        """The answer the decision or dismissal that closed the task before the hold's deadline gives, for good."""
        detail = closing.detail if isinstance(closing.detail, dict) else {}
        outcome = detail.get("outcome") if closing.kind == "decided" else None
        if outcome == Outcome.APPROVE.value:
            if is_redacted(held):
                return _redacted_error("approve")
            approved = detail.get(DECISION_HASH_KEY)
            body = verified_body(held, approved if isinstance(approved, str) else None)
            if body is None:
                message = "The approval does not match the answer that was held; it is not released."
                return _error(422, message, "held_answer_mismatch", "approve")
            return PollAnswer(200, body, {OUTCOME_HEADER: "approve"})
        stored = detail.get("correction")
        if outcome == Outcome.CORRECT.value and isinstance(stored, str) and stored:
            # The correction as the reviewer wrote it (kept for this poll with redaction on), or gone with the hold.
            correction = served_correction(detail)
            if correction is None:
                return _redacted_error("correct")
            body = corrected_completion(held["body"].encode("utf-8"), correction)
            return PollAnswer(200, body, {OUTCOME_HEADER: "correct"})
        if outcome == Outcome.REJECT.value:
            comment = detail.get("comment") or "no comment given"
            if comment.startswith(FIX_NOTES):
                # The decision's note names a knowledge entry or prompt version by id: the reviewer's
                # working note, not words for the end user.
                comment = "its cause is being fixed (a knowledge-base entry or a prompt version); ask again"
            return _error(422, f"A reviewer rejected this answer: {comment}", "answer_rejected", "reject")
        return self._fall_back(held, "The review was closed without a decision")

    def _pending(self, detail: ReviewTaskDetail) -> PollAnswer:
        first = _held_call(detail)
        return PollAnswer(202, orjson.dumps(pending_body(detail, first)), {OUTCOME_HEADER: PENDING}, first)

    def _fall_back(self, held: Json, why: str) -> PollAnswer:
        body = held["body"].encode("utf-8")
        fallback = held_fallback(held, self._fallback)
        if fallback == "release" and is_redacted(held):
            return _redacted_error("released_unreviewed")
        if fallback == "release" and sha256_hex(body) == held["sha256"]:
            return PollAnswer(200, body, {OUTCOME_HEADER: FALLBACK_OUTCOMES["release"]})
        return _error(422, f"{why}; the answer is withheld.", "review_timed_out", FALLBACK_OUTCOMES["refuse"])


class HeldAnswers(HeldTaskAnswers):
    """Answers an app's polls for the answers the confidence gate held."""

    def __init__(
        self,
        reviews: ReviewService,
        resolver: CallerResolver,
        fallback: Fallback,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        redaction: HeldAnswerRedaction | None = None,
    ) -> None:
        super().__init__(reviews, fallback, clock, redaction)
        self._resolver = resolver

    async def poll(self, task_id: str, authorization: str | None, *, collected: bool = True) -> PollAnswer:
        """The held answer's state for the app behind `authorization`; `collected`: the app gets the body (not a HEAD)."""
        if given_bearer(authorization) is None:  # a bearer of blank characters only too: as /v1/feedback answers it
            return _error(401, "send the app's API key as 'Authorization: Bearer <key>'", "missing_credentials")
        try:
            caller = await self._resolver.resolve(authorization)
        except UnknownKey as exc:
            return _error(401, f"incorrect API key ({exc})", "invalid_api_key")
        return await self.answer(task_id, caller.app, collected=collected)


def _redacted_error(outcome: str) -> PollAnswer:
    """The exact text that was the answer (the held bytes, a correction) went through redaction after the hold.

    The same whether or not a rule fired on them: the answer's content never decides the status.
    """
    message = (
        "This held answer was already given to the app (or the app did not come for it in time); "
        "with redaction on, its exact text is no longer kept."
    )
    return _error(410, message, "held_answer_redacted", outcome)


_SETTLED_BY = {
    Outcome.APPROVE.value: "the held answer (approved in time)",
    Outcome.CORRECT.value: "the reviewer's correction (corrected in time)",
    Outcome.REJECT.value: "a refusal, answer_rejected (rejected in time)",
}
_FALLEN_BACK = {
    "release": "the answer unreviewed (the release fallback: no decision before the hold ended)",
    "refuse": "a refusal, review_timed_out (the refuse fallback: no decision before the hold ended)",
}


def hold_outcome(held: Json, events: Sequence[TaskEvent], now: datetime, configured: Fallback) -> str | None:
    """What the app waiting on a held answer got, in words, read as polls answer; None while it still waits."""
    deadline = hold_deadline(held)
    if deadline is None:
        return None
    settling = settling_event(deadline, events)
    detail = settling.detail if settling is not None and isinstance(settling.detail, dict) else {}
    outcome = detail.get("outcome") if settling is not None and settling.kind == "decided" else None
    if isinstance(outcome, str) and outcome in _SETTLED_BY:
        return _SETTLED_BY[outcome]
    if settling is None and first_closing(events) is None and now < deadline:
        return None
    return _FALLEN_BACK[held_fallback(held, configured)]


def app_waits(evidence: Any, events: Sequence[TaskEvent], now: datetime) -> bool:
    """Whether an app still waits on the answer a task holds: its hold runs, and no decision or dismissal came yet.

    Given no events (the queue lists tasks without them), a task decided earlier but still open (a second
    opinion, a reopen) reads as waiting: a page then asks once too often rather than refuse a waiting app unasked.
    """
    held = held_answer_of(evidence, events)
    deadline = hold_deadline(held) if held is not None else None
    return deadline is not None and now < deadline and first_closing(events) is None


def closes(event: TaskEvent) -> bool:
    """Whether `event` settles a held answer: a dismissal, or any decision.

    A decision drawn for a second opinion settles it too: the app waits now, and the second opinion
    checks the first reviewer's work later (it kept the app waiting past the deadline, and the
    fallback answered in place of an approval made in time).
    """
    return event.kind in ("dismissed", "decided")


def _held_call(detail: ReviewTaskDetail) -> str | None:
    """The call a held task holds the answer of: the interaction the gate opened it with."""
    return detail.interaction_ids[0] if detail.interaction_ids else None


def first_closing(events: Sequence[TaskEvent]) -> TaskEvent | None:
    """The first event that closed the task (events come in the order they were stored), if any did."""
    return next((event for event in events if closes(event)), None)


def settling_event(deadline: datetime, events: Sequence[TaskEvent]) -> TaskEvent | None:
    """The decision or dismissal that settled a held answer for good: the task's first closing, if before `deadline`.

    None means the app still waits, or (once `deadline` has passed) that the fallback is its answer.
    """
    closing = first_closing(events)
    return closing if closing is not None and closing.at < deadline else None
