"""A held answer as a review task keeps it, and what the waiting client gets once it is decided (pure).

The confidence gate stores the exact bytes the client would have received under the task's
evidence (``held_answer``: ``body`` as text, its ``sha256``, ``hold_until``). The "opened"
event keeps a copy of that evidence that later updates cannot touch. A reviewer's decision
records the hash it was made on (see lifecycle.decide), and an approved answer is released only
when the stored bytes still hash to it: the approval is bound to the answer that was held. With
redaction on, those copies are redacted once the hold is over (gateway.review.held_redaction),
and so is the one copy of a reviewer's correction kept exact for the waiting app
(`EXACT_CORRECTION_KEY`, gateway.review.reviewer_text).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from gateway.domain.choice_numbers import numbered_choice
from gateway.exact_json import dumps_exact, loads_exact
from gateway.review.records import TaskEvent

Json = dict[str, Any]
# What a poll past the deadline gets: the held answer as it is, or 422 review_timed_out.
Fallback = Literal["release", "refuse"]
HELD_KEY = "held_answer"
# The tag the confidence gate gives every task that holds an answer.
HELD_TAG = "held"
# The decided event's detail names the held answer's hash under this key.
DECISION_HASH_KEY = "held_answer_sha256"
# Set on a held answer once its hold is over and its body was replaced by the redacted text (with
# redaction on, gateway.review.held_redaction): how often each rule fired, as interactions note theirs.
REDACTED_KEY = "redacted"
# With redaction on, a decision on a task whose held answer is not redacted yet keeps the reviewer's
# correction as written under this key of its decided event (its `correction` is the redacted text):
# it is the answer the app gets. Set to None once the hold is over, with the held answer's copies.
EXACT_CORRECTION_KEY = "exact_correction"


def sha256_hex(body: bytes) -> str:
    """The hex SHA-256 of `body`."""
    return hashlib.sha256(body).hexdigest()


def held_evidence(body: bytes, hold_until: datetime, fallback: Fallback | None = None) -> Json:
    """The ``held_answer`` entry of a task's evidence for these exact bytes (and the fallback in force when held)."""
    held = {"body": body.decode("utf-8"), "sha256": sha256_hex(body), "hold_until": hold_until.isoformat()}
    return held if fallback is None else {**held, "fallback": fallback}


def held_fallback(held: Json, configured: Fallback) -> Fallback:
    """The fallback of a held answer: the one in force when it was held, so a restart or a process with
    another setting never turns a refused answer into a released one; `configured` for holds that predate it."""
    kept = held.get("fallback")
    return kept if kept in ("release", "refuse") else configured


def hold_deadline(held: Json) -> datetime | None:
    """When the app stops waiting for a reviewer: the held answer's ``hold_until``; None when it names no time."""
    value = held.get("hold_until")
    try:
        deadline = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return deadline if deadline is not None and deadline.tzinfo is not None else None


def released_unreviewed(fallback: Any, hold_until: Any, dismissed: bool, now: datetime) -> bool:
    """Whether a held answer nobody decided went out as the model gave it: the `release` fallback kept with it, and
    its task dismissed or its hold over by `now` (gateway.review.held_poll answers so). A hold that kept no fallback
    (held before it was kept) is not known to have gone out, and is not counted so."""
    if fallback != "release":
        return False
    deadline = hold_deadline({"hold_until": hold_until})
    return dismissed or (deadline is not None and now >= deadline)


def task_deadline(deadline: datetime, evidence: Any) -> datetime:
    """A task's `deadline`, or sooner for a task holding an answer: when its app stops waiting for a reviewer."""
    held = evidence.get(HELD_KEY) if isinstance(evidence, dict) else None
    ends = hold_deadline(held) if isinstance(held, dict) else None
    return min(deadline, ends) if ends is not None else deadline


def held_answer_hash(evidence: Any) -> str | None:
    """The hash of the answer a task holds, from its evidence; None for a task that holds no answer."""
    held = evidence.get(HELD_KEY) if isinstance(evidence, dict) else None
    value = held.get("sha256") if isinstance(held, dict) else None
    return value if isinstance(value, str) else None


def keeping_held_answer(old: Any, new: Any) -> Any:
    """`new` evidence for a task, still carrying the answer `old` held: an update must neither drop nor replace it."""
    held = old.get(HELD_KEY) if isinstance(old, dict) else None
    if held is None:
        return new
    if new is None:
        return {HELD_KEY: held}
    return {**new, HELD_KEY: held} if isinstance(new, dict) else {"update": new, HELD_KEY: held}


def held_answer_of(evidence: Any, events: Sequence[TaskEvent]) -> Json | None:
    """The held answer: the copy the task's "opened" event kept (what the gate held), else the current evidence's."""
    opened = (
        event.detail.get("evidence") for event in events if event.kind == "opened" and isinstance(event.detail, dict)
    )
    candidates = [*opened, evidence]
    for candidate in candidates:
        held = candidate.get(HELD_KEY) if isinstance(candidate, dict) else None
        if isinstance(held, dict) and isinstance(held.get("body"), str) and isinstance(held.get("sha256"), str):
            return held
    return None


def holds_unredacted_answer(evidence: Any) -> bool:
    """Whether a task's evidence holds an answer whose hold is not over yet (its exact bytes still stored)."""
    held = evidence.get(HELD_KEY) if isinstance(evidence, dict) else None
    return isinstance(held, dict) and not is_redacted(held)


def served_correction(detail: Json) -> str | None:
    """The correction a decided event's detail gives the app: the exact one kept for it, else the stored one.

    None once the exact correction was dropped after the hold (the app was served it, or never came).
    """
    if EXACT_CORRECTION_KEY in detail:
        exact = detail[EXACT_CORRECTION_KEY]
        return exact if isinstance(exact, str) else None
    correction = detail.get("correction")
    return correction if isinstance(correction, str) else None


def keeps_exact_correction(detail: Any) -> bool:
    """Whether a decided event's detail still keeps a reviewer's exact correction for the app."""
    return isinstance(detail, dict) and isinstance(detail.get(EXACT_CORRECTION_KEY), str)


def is_redacted(held: Json) -> bool:
    """Whether `held` was redacted once its hold was over: its body need no longer be the bytes its sha256 names."""
    return REDACTED_KEY in held


def verified_body(held: Json, approved_hash: str | None) -> bytes | None:
    """The held bytes when they hash to what was stored and to what the reviewer approved; None otherwise."""
    body: bytes = held["body"].encode("utf-8")
    digest = sha256_hex(body)
    if digest != held["sha256"] or digest != approved_hash:
        return None
    return body


def decided_hash(events: Sequence[TaskEvent]) -> str | None:
    """The held answer's hash named by the task's latest decision."""
    for event in reversed(events):
        if event.kind == "decided" and isinstance(event.detail, dict):
            value = event.detail.get(DECISION_HASH_KEY)
            return value if isinstance(value, str) else None
    return None


def corrected_completion(held_body: bytes, correction: str) -> bytes:
    """The held chat completion with its choice 0's message replaced by the reviewer's correction (choice 0 named as
    every choice number is, gateway.domain.choice_numbers).

    Same id, model and created time, so the client can tie it to the call it made; the other
    choices, tool calls and log-probabilities go (the reviewer answered in text). Every number
    stays as held, integers beyond 64 bits included.
    """
    held = loads_exact(held_body)
    choices = held.get("choices") if isinstance(held, dict) else None
    found = numbered_choice(choices, 0)
    first = found if isinstance(found, dict) else {}
    message = {"role": "assistant", "content": correction, "refusal": None}
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
    base = held if isinstance(held, dict) else {"object": "chat.completion"}
    return dumps_exact({**base, "choices": [{**first, **choice}]})
