"""With redaction on, a held answer's exact bytes are kept while its hold runs, then replaced by the redacted text.

So is a reviewer's correction of it: stored redacted everywhere (gateway.review.reviewer_text),
but its decided event keeps it as written too (``exact_correction``), since the app waiting on the
held answer gets the correction as its answer; that copy is set to null with the held answer's.

The confidence gate stores the exact answer it holds (gateway.review.held_answer): a reviewer
must judge what the client would get, and an approved answer is released only if the stored
bytes still hash to what the reviewer approved. Once the hold is over, every stored copy (the
task's evidence, the "opened" event's copy: gateway.store.held_answers) gets the text the writer
would have stored, with the same redactor: each string of the JSON answer redacted, or the whole
text when it is not JSON. The copy keeps its ``sha256`` (of the exact bytes: what the decisions
name) and ``hold_until``, and says which rules fired how often under ``redacted`` (``{}`` when
none did; the body is then left byte for byte as it was).

The hold is over (`hold_over`) once the answer is final (gateway.review.held_poll: the task's
first closing before the deadline settled it, or the deadline passed) and no later poll needs the
exact text: a rejection (its comment reaches the app as stored) and the refuse fallback need none;
an approval, a correction kept as written and the release fallback need it until the app has been
served its final answer, or, when it never comes for it, for as long again as the hold lasted,
after the deadline. The app gets the exact correction, not the redacted one, for the reason it
gets the exact held bytes: redaction is about what is kept, never about what the client is given
(the proxy hands the client the original answer too), and the end user waiting on the hold should
read what the reviewer wrote for them.

Where, so that it holds across processes and restarts: everything it reads (the evidence, the
events, the time) is stored, the replacement runs under the task's row lock and only replaces a
copy that is not redacted yet, and it leaves a "redacted" event, so any process may do it, and
doing it twice does nothing. It runs
- in the poll that serves the app its final answer, whichever process that is (`served`);
- in the deciding process, after a decision whose answer needs no exact text (`on_decision`);
- in a sweep every `SWEEP_SECONDS` in each gateway process, first right at its start, for
  everything else: deadlines passed, dismissals, answers never collected, a crash between serving
  and redacting. It reads the tasks tagged "held" without a "redacted" event (indexed columns
  only) after a per-process watermark: past a task only once nothing is left to do for it, so a
  pass reads the tasks still holding, not the whole history; after a restart, one pass reads them
  all once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.exact_json import dumps_exact, loads_exact
from gateway.privacy.redaction import Redactor, redactor_for
from gateway.review.decision_listeners import DecisionMade
from gateway.review.held_answer import (
    REDACTED_KEY,
    Fallback,
    Json,
    held_answer_of,
    held_fallback,
    hold_deadline,
    is_redacted,
    keeps_exact_correction,
)
from gateway.review.held_poll import first_closing, settling_event
from gateway.review.records import Outcome, ReviewTaskDetail, TaskEvent
from gateway.store.availability import FailedRounds, database_unavailable
from gateway.store.held_answers import HeldAnswerStore
from gateway.store.repeating_round import RepeatingRound

logger = logging.getLogger("feedgate.review")

SWEEP_SECONDS = 60.0
# Tasks read per query by the sweep.
SWEEP_ROWS = 200
# The sweep's watermark passes a task only once it is this old: a task opened by another process
# whose commit came after this pass read its batch cannot then be left behind it.
SETTLED_AFTER = timedelta(minutes=5)


class Scrub(Enum):
    """What looking at one task came to."""

    REDACTED = "redacted"
    # No unredacted held answer: nothing to do, now or later.
    NOTHING = "nothing"
    # The hold runs, or the app may still come for the exact bytes.
    WAITING = "waiting"


def redacted_held(held: Json, redactor: Redactor) -> Json:
    """The held answer with its body redacted (each string of a JSON body), and the rules that fired under ``redacted``.

    ``sha256`` and ``hold_until`` stay; a body no rule fired on stays as it was, byte for byte.
    """
    body: str = held["body"]
    counts: Counter[str] = Counter()
    try:
        parsed = loads_exact(body)
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict | list):
        document = redactor.document(parsed, counts)
        # Numbers are left as they are: an integer beyond 64 bits stays that integer.
        text = dumps_exact(document).decode() if counts else body
    else:
        text = redactor.text(body, counts)
    return {**held, "body": text, REDACTED_KEY: dict(sorted(counts.items()))}


def answer_kept_exact(settling: TaskEvent | None, fallback: Fallback) -> bool:
    """Whether the app's final answer is text kept exact for it: the held bytes themselves (an approval, else the
    release fallback), or a reviewer's correction kept as written (gateway.review.held_answer.EXACT_CORRECTION_KEY).

    `settling` is the decision or dismissal that settled the answer (None: the deadline did);
    read as gateway.review.held_poll answers.
    """
    detail = settling.detail if settling is not None and isinstance(settling.detail, dict) else {}
    outcome = detail.get("outcome") if settling is not None and settling.kind == "decided" else None
    if outcome == Outcome.APPROVE.value:
        return True
    if outcome == Outcome.CORRECT.value and detail.get("correction"):
        return keeps_exact_correction(detail)
    if outcome == Outcome.REJECT.value:
        return False
    return fallback == "release"


def hold_over(held: Json, events: Sequence[TaskEvent], now: datetime, fallback: Fallback) -> bool:
    """Whether no poll can need the held answer's exact bytes any more, as of `now` (see the module's note)."""
    deadline = hold_deadline(held)
    if deadline is None:
        # No poll answers for it (it gets 404): nothing needs the bytes.
        return True
    settling = settling_event(deadline, events)
    if settling is None and first_closing(events) is None and now < deadline:
        return False
    if not answer_kept_exact(settling, held_fallback(held, fallback)):
        return True
    opened = next((event.at for event in events if event.kind == "opened"), deadline)
    return now >= deadline + max(deadline - opened, timedelta(0))


class HeldAnswerRedaction:
    """Redacts held answers whose hold is over: when the poll serves them, after decisions, and in a periodic sweep."""

    def __init__(
        self,
        store: HeldAnswerStore,
        redactor: Redactor,
        fallback: Fallback,
        *,
        interval: float = SWEEP_SECONDS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._redactor = redactor
        self._fallback = fallback
        self._clock = clock
        # Every task tagged "held" up to this id has nothing left to do (task ids sort by creation).
        self._after = ""
        failures = FailedRounds(logger, "redacting held answers", f"retrying every {interval:g} s")
        self._rounds = RepeatingRound(
            self._sweep_round, interval, failures, name="feedgate-held-redaction", first_at_start=True
        )

    async def scrub(self, task_id: str, evidence: Any, events: Sequence[TaskEvent], *, served: bool = False) -> Scrub:
        """Redact the task's held answer if its hold is over; `served`: the app was just given its final answer."""
        held = held_answer_of(evidence, events)
        if held is None or is_redacted(held):
            return Scrub.NOTHING
        if not served and not hold_over(held, events, self._clock(), self._fallback):
            return Scrub.WAITING
        redacted = await asyncio.to_thread(redacted_held, held, self._redactor)
        if not await self._store.replace(task_id, held["sha256"], redacted, self._clock()):
            return Scrub.NOTHING
        logger.debug("review task %s: the held answer's hold is over; its stored copies are redacted", task_id)
        return Scrub.REDACTED

    async def served(self, detail: ReviewTaskDetail) -> None:
        """The poll gave the app its final answer (read from `detail`): the exact bytes are needed no more.

        A failure is logged, never the poll's: the sweep redacts the answer later.
        """
        try:
            await self.scrub(detail.task.id, detail.task.evidence, detail.events, served=True)
        except Exception:
            logger.exception("could not redact the held answer of review task %s; the sweep will", detail.task.id)

    async def on_decision(self, made: DecisionMade) -> None:
        """A decision listener: a decision whose answer needs no exact text (a rejection) ends the hold."""
        await self.scrub(made.task.task.id, made.task.task.evidence, made.task.events)

    async def sweep(self) -> int:
        """One pass over the tasks holding an unredacted answer: redacts those whose hold is over; how many."""
        now = self._clock()
        redacted = 0
        after, advancing = self._after, True
        while True:
            batch = await self._store.unredacted(after, SWEEP_ROWS)
            for task_id, created_at in batch:
                outcome = await self._sweep_one(task_id)
                redacted += outcome is Scrub.REDACTED
                if advancing and outcome is not Scrub.WAITING and created_at <= now - SETTLED_AFTER:
                    self._after = task_id
                else:
                    advancing = False
            if len(batch) < SWEEP_ROWS:
                return redacted
            after = batch[-1][0]

    async def _sweep_one(self, task_id: str) -> Scrub:
        try:
            state = await self._store.held_state(task_id)
            if state is None:
                return Scrub.NOTHING
            evidence, rows = state
            return await self.scrub(task_id, evidence, [TaskEvent.from_row(row) for row in rows])
        except Exception as exc:
            if database_unavailable(exc):
                raise
            # One task that cannot be redacted must not keep the others from it; the next pass retries.
            logger.exception("could not redact the held answer of review task %s", task_id)
            return Scrub.WAITING

    def start(self) -> None:
        """Sweep now and every `interval` seconds, in the background."""
        self._rounds.start()

    async def close(self) -> None:
        """Stop sweeping."""
        await self._rounds.close()

    async def _sweep_round(self) -> None:
        redacted = await self.sweep()
        if redacted:
            logger.info("redacted %d held answers whose hold was over", redacted)


def held_answer_redaction(settings: Settings, engine: AsyncEngine) -> HeldAnswerRedaction | None:
    """The held answers' redaction `settings` ask for: None with redaction off (held answers then stay as held)."""
    redactor = redactor_for(settings)
    if redactor is None:
        return None
    return HeldAnswerRedaction(HeldAnswerStore(engine), redactor, settings.review_hold_fallback)
