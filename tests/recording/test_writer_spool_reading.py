"""A long outage's spool is read one batch at a time: a retry while the database is away reads one batch, a replay holds one."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

from gateway.recording.spool import Spool

from .writing import Row, SwitchableSink, eventually, stored_count, submit_many


class CountingSpool(Spool):
    """A real spool file that counts the reads begun on it and the rows read back from it.

    Both counts move on the writer's worker thread (it steps the reading one batch at a time), so the
    loop may see a read counted whose rows are not yet. With `hold_read`, that read waits there, counted
    and its rows not, until `released` is set: the thread stopped where a loaded machine once left it.
    """

    def __init__(self, path: Path, hold_read: int | None = None) -> None:
        super().__init__(path)
        self.rows_read = 0
        self.reads = 0
        self.hold_read = hold_read
        self.holding = threading.Event()
        self.released = threading.Event()

    def read_batches(self, batch_size: int) -> Iterator[list[Row]]:
        self.reads += 1
        if self.reads == self.hold_read:
            self.holding.set()
            self.released.wait(10)
        for batch in super().read_batches(batch_size):
            self.rows_read += len(batch)
            yield batch


class ReadAheadSink(SwitchableSink):
    """Notes, at every insert, how many spooled rows had been read but not yet offered to the database."""

    def __init__(self, sink: SwitchableSink, spool: CountingSpool) -> None:
        super().__init__(sink.store)
        self.spool = spool
        self.offered = 0
        self.read_ahead: list[int] = []

    async def insert_many(self, rows: list[Row]) -> None:
        self.read_ahead.append(self.spool.rows_read - self.offered)
        self.offered += len(rows)
        await super().insert_many(rows)


async def test_a_retry_while_the_database_is_away_reads_one_batch_of_the_spool(make_writer, sink, tmp_path):
    spool = CountingSpool(tmp_path / "spool.jsonl", hold_read=3)
    sink.down = True
    writer = make_writer(sink, spool=spool, batch_size=10, retry_interval=0.05)
    submit_many(writer, 200)
    await writer.flush()

    # Two replay attempts refused by the database, and a third under way on a worker thread. The counters
    # are read only once the writer has stopped: read while a read was under way (its start counted, its
    # rows not yet), they said 70 rows for 8 reads once on a loaded machine.
    await eventually(spool.holding.is_set)
    closing = asyncio.create_task(writer.close())
    spool.released.set()
    await closing

    assert spool.reads >= 3
    # Before, every attempt parsed the whole spool (200 rows): quadratic work, and memory for all of it.
    assert spool.rows_read == spool.reads * 10


async def test_a_replay_holds_one_batch_of_the_spool_at_a_time(make_writer, sink, tmp_path, engine):
    sink.down = True
    # The first writer's close retries the replay (every run here; before, when a loaded machine had let
    # the retry come due), reading a batch the database refuses. Counted on the second writer's spool,
    # that read showed as 10 rows read ahead at every insert; so the first writes through its own, on
    # the same file.
    first = make_writer(sink, spool=Spool(tmp_path / "spool.jsonl"), batch_size=10, retry_interval=0)
    submit_many(first, 95)
    await first.flush()
    await first.close()
    sink.down = False
    spool = CountingSpool(tmp_path / "spool.jsonl")
    counting = ReadAheadSink(sink, spool)

    second = make_writer(counting, spool=spool, batch_size=10)
    await eventually(lambda: not second.spooling)

    assert await stored_count(engine) == 95
    assert spool.is_empty()
    assert counting.read_ahead and max(counting.read_ahead) <= 10
