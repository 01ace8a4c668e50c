"""When a missed lookup waits for the writer, and how often it may hurry it: the rule, without a database."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import uuid_utils
from settable_clock import SecondsClock

from gateway.domain import pending
from gateway.domain.pending import WriterCatchUp, gateway_id_time, may_be_buffered

from .rows import gateway_id

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class CountingWriter:
    """A writer with a backlog that counts how it is asked to catch up."""

    def __init__(self, backlog: int = 1, delay: float = 0.0) -> None:
        self.backlog = backlog
        self.delay = delay
        self.flushes = 0
        self.waits = 0

    async def flush(self) -> None:
        self.flushes += 1
        await asyncio.sleep(self.delay)

    async def caught_up(self) -> None:
        self.waits += 1
        await asyncio.sleep(self.delay)


def test_a_gateway_id_tells_when_it_was_minted():
    minted = gateway_id_time(str(uuid_utils.uuid7()))

    assert minted is not None and abs(datetime.now(UTC) - minted) < timedelta(seconds=5)
    assert gateway_id_time(gateway_id(NOW)) == NOW


@pytest.mark.parametrize(
    "value",
    [str(uuid.uuid4()), gateway_id(NOW).upper(), gateway_id(NOW).replace("-", ""), "chatcmpl-abc", "", "x" * 300],
    # Named, not shown: random ids would differ between the processes of a parallel run.
    ids=["uuid4", "upper-case", "no-dashes", "upstream-id", "empty", "too-long"],
)
def test_only_a_uuid7_as_the_gateway_writes_it_is_a_gateway_id(value):
    assert gateway_id_time(value) is None


@pytest.mark.parametrize(
    ("value", "buffered"),
    [
        (gateway_id(NOW - timedelta(seconds=1)), True),
        # A long streamed answer is buffered only once it ends, long after its id was minted.
        (gateway_id(NOW - timedelta(minutes=30)), True),
        (gateway_id(NOW - pending.LONGEST_ANSWER - timedelta(seconds=1)), False),
        (gateway_id(NOW + timedelta(minutes=5)), False),
        (str(uuid.uuid4()), False),
        (gateway_id(NOW).upper(), False),
        # An upstream's response id carries no time: it may be buffered.
        ("chatcmpl-35216f5d29fd2d7ab279797d", True),
        ("resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452e3795b", True),
    ],
    ids=[
        "a-second-ago",
        "half-an-hour-ago",
        "older-than-any-answer",
        "future",
        "uuid4",
        "upper-case",
        "chatcmpl",
        "resp",
    ],
)
def test_which_ids_may_still_be_buffered(value, buffered):
    assert may_be_buffered(value, NOW) is buffered


def test_nothing_is_held_by_an_idle_writer():
    catch_up = WriterCatchUp(CountingWriter(backlog=0), 0.2, now=lambda: NOW)

    assert not catch_up.may_hold(gateway_id(NOW))
    assert WriterCatchUp(CountingWriter(backlog=3), 0.2, now=lambda: NOW).may_hold(gateway_id(NOW))


async def test_the_writer_is_hurried_at_most_once_per_interval():
    writer, clock = CountingWriter(), SecondsClock()
    catch_up = WriterCatchUp(writer, 0.2, monotonic=clock)

    for _ in range(10):
        await catch_up.catch_up()
        clock.now += 0.01
    clock.now += 0.2
    await catch_up.catch_up()

    assert (writer.flushes, writer.waits) == (2, 9)


async def test_concurrent_callers_share_one_flush():
    writer = CountingWriter(delay=0.05)
    catch_up = WriterCatchUp(writer, 0.2)

    await asyncio.gather(*(catch_up.catch_up() for _ in range(20)))

    assert (writer.flushes, writer.waits) == (1, 19)


async def test_an_idle_writer_is_not_flushed():
    writer = CountingWriter(backlog=0)

    await WriterCatchUp(writer, 0.2).catch_up()

    assert (writer.flushes, writer.waits) == (0, 0)


async def test_a_stuck_writer_delays_a_lookup_only_so_long(monkeypatch, caplog):
    monkeypatch.setattr(pending, "LONGEST_WAIT_SECONDS", 0.05)
    writer = CountingWriter(delay=3600)

    with caplog.at_level(logging.WARNING, "feedgate.lookup"):
        await asyncio.wait_for(WriterCatchUp(writer, 0.2).catch_up(), 5)

    assert "behind by 1" in caplog.text
