"""When the database is down and the spool cannot be written either (a full disk), no row is dropped."""

from __future__ import annotations

import asyncio
import errno
import logging
from pathlib import Path

import pytest

from gateway.recording.spool import Spool

from .writing import (
    Row,
    eventually,
    first_occurrences,
    spooled_ids,
    stored_count,
    stored_ids,
    submit_many,
)


class FullDiskSpool(Spool):
    """A real spool file whose first `failures` appends fail as on a full disk."""

    def __init__(self, path: Path, failures: int) -> None:
        super().__init__(path)
        self.failures = failures

    def append(self, rows: list[Row]) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise OSError(errno.ENOSPC, "No space left on device")
        super().append(rows)


async def test_batches_the_spool_refuses_are_kept_and_spooled_in_order_once_it_has_room(make_writer, sink, tmp_path):
    spool = FullDiskSpool(tmp_path / "spool.jsonl", failures=3)
    sink.down = True
    writer = make_writer(sink, spool=spool, batch_size=10)

    submitted = submit_many(writer, 25)
    await asyncio.wait_for(writer.flush(), 5)

    assert spool.failures == 0
    assert spooled_ids(spool) == submitted
    assert writer.backlog == 0


async def test_after_the_disk_and_the_database_come_back_every_row_is_stored_once(make_writer, sink, tmp_path, engine):
    spool = FullDiskSpool(tmp_path / "spool.jsonl", failures=2)
    sink.down = True
    writer = make_writer(sink, spool=spool, batch_size=10)
    during = submit_many(writer, 15)
    await asyncio.wait_for(writer.flush(), 5)

    sink.down = False
    await eventually(lambda: not writer.spooling)
    after = submit_many(writer, 5)
    await writer.flush()

    submitted = during + after
    assert await stored_ids(engine) == sorted(submitted)
    assert await stored_count(engine) == len(submitted)
    assert first_occurrences(sink.delivered) == submitted


async def test_flush_waits_while_rows_have_nowhere_to_go(make_writer, sink, tmp_path):
    spool = FullDiskSpool(tmp_path / "spool.jsonl", failures=1_000_000)
    sink.down = True
    writer = make_writer(sink, spool=spool)
    submit_many(writer, 3)

    flushing = asyncio.create_task(writer.flush())
    await asyncio.sleep(0.3)

    assert not flushing.done()
    assert writer.backlog == 3
    sink.down = False  # the database is back: the kept rows go straight to it
    await asyncio.wait_for(flushing, 5)
    assert writer.backlog == 0


@pytest.mark.parametrize(("count", "said"), [(4, "4 interactions"), (1, "1 interaction")])
async def test_shutdown_with_nowhere_to_put_rows_says_how_many_were_lost(
    make_writer, sink, tmp_path, caplog, count, said
):
    spool = FullDiskSpool(tmp_path / "spool.jsonl", failures=1_000_000)
    sink.down = True
    writer = make_writer(sink, spool=spool)
    submit_many(writer, count)
    await eventually(lambda: spool.failures < 1_000_000)

    with caplog.at_level(logging.ERROR, logger="feedgate.writer"):
        await asyncio.wait_for(writer.close(), 5)

    assert f"shutting down with {said} neither stored nor spooled" in caplog.text


async def test_a_spool_folder_gone_unwritable_in_an_outage_does_not_stop_storing_once_the_database_is_back(
    make_writer, sink, tmp_path, engine
):
    folder = tmp_path / "spool"
    folder.mkdir()
    spool = Spool(folder / "feedgate.spool.jsonl")
    writer = make_writer(sink, spool=spool)
    # The folder becomes a plain file: nothing can be written or removed there, as on a read-only
    # disk, where even removing a spool file that was never made fails (a permission would not stop
    # a test running as root).
    folder.rmdir()
    folder.write_text("not a folder")
    sink.down = True
    during = submit_many(writer, 3)
    await eventually(lambda: writer.spooling)

    sink.down = False
    after = submit_many(writer, 2)
    await asyncio.wait_for(writer.flush(), 5)

    assert await stored_ids(engine) == sorted(during + after)
    assert not writer.spooling


class UnremovableSpool(Spool):
    """A real spool file that cannot be removed, as once its disk has gone read-only."""

    def clear(self) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(self.path))


async def test_a_spool_that_cannot_be_removed_after_its_replay_does_not_stop_storing(
    make_writer, sink, tmp_path, engine, caplog
):
    spool = UnremovableSpool(tmp_path / "spool.jsonl")
    sink.down = True
    writer = make_writer(sink, spool=spool)
    during = submit_many(writer, 3)
    await asyncio.wait_for(writer.flush(), 5)

    sink.down = False
    with caplog.at_level(logging.WARNING, logger="feedgate.writer"):
        await eventually(lambda: not writer.spooling)
    after = submit_many(writer, 2)
    await asyncio.wait_for(writer.flush(), 5)

    assert await stored_ids(engine) == sorted(during + after)
    assert f"could not remove the spool file {spool.path}" in caplog.text


async def test_an_outage_with_nothing_spooled_never_logs_that_the_database_is_back(make_writer, sink, tmp_path, caplog):
    spool = FullDiskSpool(tmp_path / "spool.jsonl", failures=1_000_000)
    sink.down = True
    with caplog.at_level(logging.INFO, logger="feedgate.writer"):
        writer = make_writer(sink, spool=spool)
        submit_many(writer, 3)
        await eventually(lambda: spool.failures < 1_000_000 - 3)  # a few rounds of retries

    assert writer.backlog == 3
    assert "database back" not in caplog.text
