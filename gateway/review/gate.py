"""The confidence gate: a request policy that sends risky chat answers to a person.

An answer is risky when its confidence (gateway.review.confidence: exp of the mean token
log-probability) is below the app's threshold, or when the app marked the call with the request
header ``x-feedgate-review: required``. Per app (settings ``review_gates``):

- mode ``audit``: the answer goes out at once; a risky one opens a review task in the background.
- mode ``hold``: a risky answer that is not a stream is kept back. The client gets 202 with
  ``{"status": "pending_review", "task_id", "estimated_wait_minutes", "interaction_id"}`` (and the
  header ``x-feedgate-review-outcome: pending``, as the polls while it waits) and polls
  ``GET /v1/reviews/{task_id}`` (gateway.review.held_poll) for the decision. Beyond the hold cap
  (gateway.review.hold_cap) a risky answer is audited instead.

When the review queue cannot take a hold (its database is down), the fallback decides: "refuse"
answers 503 ``review_unavailable`` with ``retry-after`` (nothing unreviewed goes out), "release" lets
the answer go out and audits it.

Streams are never held: their tokens reach the client as they arrive, before the answer can be
judged. So under mode ``hold`` a stream that would have to be held is refused (400
``stream_not_reviewable``, before any upstream call): one flagged ``x-feedgate-review: required``
always, and every stream of an app whose gate says ``streams = "refuse"`` (the default), since its
confidence is known only once its tokens are out. With ``streams = "audit"`` an unflagged stream goes
out and a risky one opens an audit task, as every risky stream does under mode ``audit``. (Buffering
the stream to judge it first would cost every stream its first-token latency, and an approved
answer comes back from a poll as a whole completion anyway: the client sends it without stream.)

A call that may be held and carries an ``Idempotency-Key`` is answered once: a retry gets the first
call's held task (gateway.review.held_keys).

When the client did not ask for log-probabilities, the gate asks the upstream for them and takes
them out of the answer again (`ReplaceAnswer`), so the client sees the answer it asked for.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.config import Settings
from gateway.proxy.policy import (
    PASS,
    AfterResult,
    Decision,
    Hold,
    PolicyAnswer,
    PolicyRequest,
    ReplaceAnswer,
    ReplaceBody,
    Resend,
)
from gateway.proxy.request_json import json_object
from gateway.public_prefix import public_path
from gateway.recording.content_coding import UnreadableCoding, decoded_content
from gateway.recording.reassembly import reassemble_chat_stream
from gateway.review.confidence import ConfidenceFeatures, confidence_features
from gateway.review.gate_refusals import bad_key, key_reused, queue_unavailable, stream_not_reviewable
from gateway.review.gate_rules import GateRule, gate_rules
from gateway.review.held_answer import HELD_KEY, HELD_TAG, Fallback, held_evidence
from gateway.review.held_keys import BadKey, HeldKey, HeldKeys, held_key, pending_hold
from gateway.review.held_poll import HeldTaskAnswers
from gateway.review.hold_cap import HoldCap
from gateway.review.logprob_refusals import LogprobRefusals, refusal_of_logprobs
from gateway.review.logprobs import chat_without_logprobs, request_with_logprobs, rewritten_exactly
from gateway.review.opening import Opened
from gateway.review.records import ActionKind, Priority, Source, SuggestedAction
from gateway.review.service import ReviewService
from gateway.store.idempotency import KeyClaim
from gateway.store.repeats import REPEAT_NOTE

logger = logging.getLogger("feedgate.review")

REVIEW_HEADER = b"x-feedgate-review"
REVIEW_REQUIRED = b"required"
# What a developer may reasonably write for "required": each holds or audits the answer the same way.
REVIEW_REQUIRED_SPELLINGS = frozenset({REVIEW_REQUIRED, b"true", b"yes", b"1"})
ENDPOINT = "chat.completions"
# Calls whose logprobs the gate added (each with its request as it was before), until their answer
# is seen; bounded, since a call the upstream never answered never reaches `after` (its entry is
# then dropped as the oldest).
MAX_PENDING = 100_000
# Audit openings under way at once, at most: a review queue that hangs must not pile up tasks (each
# holding its call's request) without end; beyond this a risky answer's audit is dropped and logged.
MAX_AUDITS = 1_000


def confidence_gate(
    settings: Settings, reviews: ReviewService, answers: HeldTaskAnswers | None = None
) -> ConfidenceGate | None:
    """The gate for the apps `settings` gate (`answers`: what a held task answers now, as polls get it); None when
    no app is gated (the proxy then pays nothing)."""
    rules = gate_rules(settings)
    if not rules:
        return None
    cap = HoldCap(settings.review_hold_max_share, settings.review_hold_cap_window)
    hold_timeout = timedelta(minutes=settings.review_hold_timeout_minutes)
    return ConfidenceGate(
        rules,
        reviews,
        cap,
        hold_timeout,
        fallback=settings.review_hold_fallback,
        root_path=settings.root_path,
        answers=answers,
    )


@dataclass(frozen=True, slots=True)
class _Judged:
    """What the gate found in one answer."""

    features: ConfidenceFeatures | None
    flagged: bool
    low: bool

    @property
    def risky(self) -> bool:
        return self.flagged or self.low


class ConfidenceGate:
    """The policy: adds log-probabilities where needed, judges answers, audits or holds the risky ones."""

    name = "confidence_gate"

    def __init__(
        self,
        rules: dict[str, GateRule],
        reviews: ReviewService,
        cap: HoldCap,
        hold_timeout: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        fallback: Fallback | None = None,
        root_path: str = "",
        max_audits: int = MAX_AUDITS,
        answers: HeldTaskAnswers | None = None,
    ) -> None:
        self._rules = rules
        self._max_audits = max_audits
        # The public path prefix (settings' root_path): the poll URL handed to the app is its public one.
        self._poll_prefix = public_path(root_path, "/v1/reviews/")
        # Kept with each held answer: what a poll past its deadline gets stays what it was when held.
        self._fallback = fallback
        self._reviews = reviews
        self._cap = cap
        self._hold_timeout = hold_timeout
        self._clock = clock
        self._added: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._refusals = LogprobRefusals()
        # Audit openings run off the call; kept referenced so they are not collected mid-flight.
        self._background: set[asyncio.Task[None]] = set()
        # What a held task answers now, for a repeated held call: the polls' own rule (and, given by the
        # services, their redaction) when given; else one of the gate's own, on the same queue.
        held_answers = answers or HeldTaskAnswers(reviews, fallback or "refuse", clock=clock)
        self._keys = HeldKeys(reviews, held_answers, self._poll_prefix)

    def applies_to(self, app: str, endpoint: str) -> bool:
        """Chat completions of the gated apps."""
        return endpoint == ENDPOINT and app in self._rules

    async def before(self, request: PolicyRequest) -> Decision:
        """Refuse a stream a hold could not keep; ask the upstream for log-probabilities the client did not (not for streams)."""
        rule = self._rules.get(request.app)
        if request.json.get("stream") is True:
            if rule is not None and rule.mode == "hold":
                flagged = _flagged(request.headers)
                if flagged or rule.streams == "refuse":
                    return stream_not_reviewable(flagged)
            # The gateway cannot take log-probabilities back out of chunks it has already sent
            # on, so it never adds them to a stream: a stream's confidence is known only when
            # the client asked for log-probabilities itself.
            return PASS
        if rule is not None and rule.mode == "hold":
            # Only a call that may be held reads its key: every other call pays nothing for it.
            try:
                key = held_key(request)
            except BadKey:
                return bad_key()
            if key is not None and (earlier := await self._keys.earlier_answer(request, key)) is not None:
                return earlier
        if self._refusals.refuses(request.json.get("model")):
            return PASS
        asking, _ = request_with_logprobs(request.json)
        if asking is None:
            return PASS
        self._added[request.interaction_id] = request.json
        if len(self._added) > MAX_PENDING:
            self._added.popitem(last=False)
        return ReplaceBody(asking, note={"logprobs": "added"})

    async def after(self, request: PolicyRequest, answer: PolicyAnswer) -> AfterResult:
        """Judge the answer; audit or hold a risky one; hide log-probabilities the client did not ask for."""
        result = await self._after(request, answer)
        if not isinstance(result, Resend):
            # The call is over: its key's claim goes (its task, if held, is written), and a retry waiting on
            # its Idempotency-Key gets that task.
            await self._keys.release(request)
            self._keys.end(request, result)
        return result

    async def _after(self, request: PolicyRequest, answer: PolicyAnswer) -> AfterResult:
        asked = self._added.pop(request.interaction_id, None)
        added = asked is not None
        rule = self._rules.get(request.app)
        if asked is not None and answer.status_code != 200:
            return self._refused(request, answer, asked)
        if rule is None or answer.status_code != 200:
            return None
        flagged = _flagged(request.headers)
        if answer.stream:
            self._cap.record(request.app, False)
            parsed = reassemble_chat_stream(answer.body) if request.json.get("logprobs") is True else None
            judged = _judge(parsed, flagged, rule)
            if judged.risky:
                # Never held: the tokens are already with the client. Audited instead, in either mode.
                self._audit(request, rule, judged, {"stream": True})
            return None
        decoded = _decoded(answer)
        parsed = json_object(decoded) if decoded is not None else None
        shown = answer.body
        if added and parsed is not None and decoded is not None:
            stripped = rewritten_exactly(decoded, parsed, chat_without_logprobs)
            if stripped is not None:
                shown = stripped
        judged = _judge(parsed, flagged, rule)
        note = {"confidence": round(judged.features.confidence, 4)} if judged.features is not None else None
        replaced = ReplaceAnswer(shown, note=note) if shown is not answer.body else None
        if not judged.risky:
            self._cap.record(request.app, False)
            return replaced
        extra: dict[str, Any] = {}
        if rule.mode != "hold" or decoded is None:
            self._cap.record(request.app, False)
        elif self._cap.take(request.app):
            hold = await self._hold(request, rule, judged, shown if replaced is not None else decoded)
            if hold is not None:
                return hold
            self._cap.give_back(request.app)
            if self._fallback != "release":
                # The operator chose that no risky answer goes out unreviewed; a queue that cannot take
                # the hold is no reviewer either. The client may try again (the SDK does, on a 503).
                return queue_unavailable()
            extra = {"hold_failed": True}
        else:
            self._cap.record(request.app, False)
            extra = {"hold_capped": True}
        self._audit(request, rule, judged, extra)
        return replaced

    def _refused(self, request: PolicyRequest, answer: PolicyAnswer, asked: dict[str, Any]) -> Resend | None:
        """An error answer to the log-probabilities the gate added: the call goes again as `asked`, and they are not asked for again."""
        model = request.json.get("model")
        error = refusal_of_logprobs(answer.status_code, _decoded(answer))
        if error is None or not isinstance(model, str):
            return None
        self._refusals.record(model)
        logger.warning(
            "model %r refused the log-probabilities the confidence gate asked for (app %s): the call was sent "
            "again, and its calls now go out without them, so only the x-feedgate-review flag sends its answers "
            "to review",
            model[:200],
            request.app,
        )
        return Resend(asked, note={"logprobs": "refused"})

    async def close(self) -> None:
        """Wait for the audit openings still running (on shutdown, and in tests)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self._keys.close()

    # -- opening tasks ------------------------------------------------------------------

    async def _hold(self, request: PolicyRequest, rule: GateRule, judged: _Judged, body: bytes) -> Hold | None:
        """Open the task now (the client needs its id) and answer with the pending body; None if it failed.

        With an Idempotency-Key the key is claimed with the task; a key another process claimed first
        answers with its task (the same request) or 422 (another one), and opens nothing.
        """
        hold_until = self._clock() + self._hold_timeout
        evidence = {**_evidence(rule, judged), HELD_KEY: held_evidence(body, hold_until, self._fallback)}
        try:
            key = held_key(request)
        except BadKey:  # refused before the call went out; kept off the hold all the same
            key = None
        try:
            opened = await self._open(request, judged, evidence, Priority.HIGH, (HELD_TAG,), _claim(key))
        except Exception:
            # The review queue is down: the caller answers as the fallback says.
            logger.exception("could not hold interaction %s for review (the fallback decides)", request.interaction_id)
            return None
        if opened is None:
            return None
        task = opened.task
        if key is not None and opened.earlier is not None:
            if opened.earlier.field_hashes != key.claim().field_hashes:
                return key_reused(task.task.id)
            first = task.interaction_ids[0] if task.interaction_ids else None
            repeat = pending_hold(self._poll_prefix, task, first, {"task_id": task.task.id, **REPEAT_NOTE})
            return replace(repeat, answer_of=first)
        note = {"task_id": task.task.id, "reason": task.task.reason}
        return pending_hold(self._poll_prefix, task, request.interaction_id, note)

    def _audit(self, request: PolicyRequest, rule: GateRule, judged: _Judged, extra: dict[str, Any]) -> None:
        """Open the task in the background: the answer is not delayed, and a failure is only logged."""
        if len(self._background) >= self._max_audits:
            logger.warning(
                "review task openings still waiting on the review queue: %s; interaction %s is not audited",
                len(self._background),
                request.interaction_id,
            )
            return
        evidence = {**_evidence(rule, judged), **extra}
        task = asyncio.create_task(self._open_logged(request, judged, evidence))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _open_logged(self, request: PolicyRequest, judged: _Judged, evidence: dict[str, Any]) -> None:
        try:
            await self._open(request, judged, evidence, Priority.MEDIUM, ())
        except Exception:
            logger.exception("could not open a review task for interaction %s", request.interaction_id)

    async def _open(
        self,
        request: PolicyRequest,
        judged: _Judged,
        evidence: dict[str, Any],
        priority: Priority,
        tags: tuple[str, ...],
        key: KeyClaim | None = None,
    ) -> Opened | None:
        source = Source.FLAGGED if judged.flagged else Source.CONFIDENCE
        return await self._reviews.open_or_update(
            app=request.app,
            source=source,
            reason=_reason(judged),
            priority=priority,
            interaction_ids=(request.interaction_id,),
            evidence=evidence,
            tags=(request.app, *tags),
            # The interaction is not stored yet and has no feedback: spare the suggestion's queries.
            suggested_action=SuggestedAction(ActionKind.PROMPT_INSTRUCTIONS),
            key=key,
        )


def _claim(key: HeldKey | None) -> KeyClaim | None:
    return key.claim() if key is not None else None


def _judge(parsed: dict[str, Any] | None, flagged: bool, rule: GateRule) -> _Judged:
    features = confidence_features(parsed) if parsed is not None else None
    low = features is not None and features.confidence < rule.threshold
    return _Judged(features, flagged, low)


def _reason(judged: _Judged) -> str:
    confidence = judged.features.confidence if judged.features is not None else None
    if not judged.flagged:
        return f"Low confidence: {confidence:.2f}"
    said = "Flagged for review by the app (x-feedgate-review: required)"
    return said if confidence is None else f"{said}; confidence {confidence:.2f}"


def _evidence(rule: GateRule, judged: _Judged) -> dict[str, Any]:
    features = asdict(judged.features) if judged.features is not None else None
    return {"confidence": features, "threshold": rule.threshold, "mode": rule.mode, "flagged": judged.flagged}


def _flagged(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name == REVIEW_HEADER and value.strip().lower() in REVIEW_REQUIRED_SPELLINGS for name, value in headers)


def _decoded(answer: PolicyAnswer) -> bytes | None:
    """The answer's body uncompressed; None for an encoding the gate cannot read, or a body cut short.

    One that decodes past MAX_DECODED_BYTES is not read either: its start alone is no answer to judge.
    """
    try:
        decoded = decoded_content(answer.body, answer.content_encoding)
    except UnreadableCoding:
        return None
    return None if decoded.cut else decoded.body
