"""Catching up with the batched writer when a lookup misses, without letting callers force flushes.

An interaction is stored a moment after its answer: the writer batches by size or time. So a
lookup that misses (feedback right after the answer, an admin following the response header)
may wait for the writer and look again. Anyone can cause a miss, though: in pass-through mode
any bearer string is an app, so a flush on every miss would let anyone turn the writer's
batches into one insert per request. Hence two limits: wait only when the id may really be
buffered, and hurry the writer at most once per flush interval; other misses meanwhile wait
for its next batch, which comes within one interval anyway.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

logger = logging.getLogger("feedgate.lookup")

# Gateway ids are minted when a call arrives, but the writer gets the call only once its answer
# ends, so a long streamed answer's id is minutes old while buffered: the window must cover the
# longest answer, not just the flush interval. Feedback on an older id misses only if it arrives
# within one flush interval of the end of an answer that took longer than this.
LONGEST_ANSWER = timedelta(hours=1)
# Gateway processes sharing a database may disagree a little about the time.
CLOCK_SKEW = timedelta(seconds=5)
# A lookup answers from what is stored after this long, even if the writer is stuck (disk full).
LONGEST_WAIT_SECONDS = 5.0


class BufferedWriter(Protocol):
    """What catching up needs of the interaction writer."""

    @property
    def backlog(self) -> int:
        """Exchanges submitted but not yet stored or spooled."""
        ...

    async def flush(self) -> None:
        """Store everything submitted so far, now."""
        ...

    async def caught_up(self) -> None:
        """Wait until everything submitted so far is stored, at the writer's pace."""
        ...


def gateway_id_time(value: str) -> datetime | None:
    """When the gateway minted id `value` (a UUIDv7 as the gateway writes it); None for any other string."""
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return None
    if parsed.version != 7 or str(parsed) != value:
        return None
    # A UUIDv7 starts with 48 bits of Unix milliseconds.
    return datetime.fromtimestamp((parsed.int >> 80) / 1000, UTC)


def may_be_buffered(interaction_id: str, now: datetime) -> bool:
    """Whether an interaction with this id can still be on its way to the store at `now`."""
    minted = gateway_id_time(interaction_id)
    if minted is not None:
        return now - LONGEST_ANSWER <= minted <= now + CLOCK_SKEW
    # A UUID-shaped id that is not a gateway id as the gateway writes it is a random or mangled id.
    # Anything else is perhaps an upstream's response id ("chatcmpl-…", "resp_…"; other OpenAI-compatible upstreams
    # use other shapes), which carries no time and is known only once the writer parses the answer.
    # Apps do send feedback by it right after the answer, so a miss may still wait: the
    # once-per-interval limit on hurrying is what keeps this from being abused.
    return not _is_uuid(interaction_id)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class WriterCatchUp:
    """Waits for the writer after a lookup missed, when that can help: at most one early flush per interval."""

    def __init__(
        self,
        writer: BufferedWriter,
        flush_interval: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._writer = writer
        self._interval = flush_interval
        self._monotonic = monotonic
        self._now = now
        self._next_flush_at = float("-inf")

    def may_hold(self, interaction_id: str) -> bool:
        """Whether the writer may still hold `interaction_id` (ask before the lookup: a batch may land during it)."""
        return self._writer.backlog > 0 and may_be_buffered(interaction_id, self._now())

    async def catch_up(self) -> None:
        """Wait until what the writer holds now is stored, hurrying it only if nobody did for an interval."""
        if self._writer.backlog == 0:
            return
        now = self._monotonic()
        if now >= self._next_flush_at:
            self._next_flush_at = now + self._interval
            waiting = self._writer.flush()
        else:
            # Someone hurried the writer less than an interval ago: share its next batch instead.
            waiting = self._writer.caught_up()
        try:
            await asyncio.wait_for(waiting, LONGEST_WAIT_SECONDS)
        except TimeoutError:
            logger.warning(
                "the interaction writer is behind by %d; answering from what is stored", self._writer.backlog
            )
