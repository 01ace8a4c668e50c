"""What a lookup that missed may ask of the writer: its exact backlog, and waiting for it without hurrying it."""

from __future__ import annotations

import asyncio

import pytest

from .writing import Row, eventually, submit_many


class GatedSink:
    """Takes rows only once the gate opens, so a batch can be caught while it is being written."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.writing = asyncio.Event()
        self.rows: list[Row] = []

    async def insert_many(self, rows: list[Row]) -> None:
        self.writing.set()
        await self.gate.wait()
        self.rows.extend(rows)


async def test_the_backlog_counts_a_batch_being_written(make_writer):
    sink = GatedSink()
    writer = make_writer(sink)

    submit_many(writer, 3)
    await asyncio.wait_for(sink.writing.wait(), 5)

    assert writer.backlog == 3  # out of the buffer, not yet stored
    sink.gate.set()
    await eventually(lambda: writer.backlog == 0)
    assert len(sink.rows) == 3


async def test_catching_up_waits_for_the_writers_own_batch_without_hurrying_it(make_writer):
    sink = GatedSink()
    sink.gate.set()
    writer = make_writer(sink, flush_interval=3600.0)
    submit_many(writer, 2)

    waiting = asyncio.create_task(writer.caught_up())
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(waiting), 0.2)
    await asyncio.wait_for(writer.flush(), 5)

    await asyncio.wait_for(waiting, 5)
    assert len(sink.rows) == 2
