"""A long outage's spool is read one batch at a time: a retry while the database is away reads one batch, a replay holds one."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

from gateway.recording.spool import Spool

from .writing import Row, SwitchableSink, eventually, stored_count, submit_many


class CountingSpool(Spool):
    """A real spool file that counts the rows read back from it."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.rows_read = 0
        self.reads = 0

    def read_batches(self, batch_size: int) -> Iterator[list[Row]]:
        self.reads += 1
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
    spool = CountingSpool(tmp_path / "spool.jsonl")
    sink.down = True
    writer = make_writer(sink, spool=spool, batch_size=10, retry_interval=0.05)
    submit_many(writer, 200)
    await writer.flush()
    spool.rows_read = spool.reads = 0

    await asyncio.sleep(0.5)  # about ten replay attempts, each refused by the database

    assert spool.reads >= 2
    # Before, every attempt parsed the whole spool (200 rows): quadratic work, and memory for all of it.
    assert spool.rows_read == spool.reads * 10


async def test_a_replay_holds_one_batch_of_the_spool_at_a_time(make_writer, sink, tmp_path, engine):
    spool = CountingSpool(tmp_path / "spool.jsonl")
    sink.down = True
    first = make_writer(sink, spool=spool, batch_size=10)
    submit_many(first, 95)
    await first.flush()
    await first.close()
    sink.down = False
    counting = ReadAheadSink(sink, spool)

    second = make_writer(counting, spool=spool, batch_size=10)
    await eventually(lambda: not second.spooling)

    assert await stored_count(engine) == 95
    assert spool.is_empty()
    assert counting.read_ahead and max(counting.read_ahead) <= 10
