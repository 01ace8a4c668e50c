"""The writer's metrics through a database outage: rows spooled, the spool's size, then the replay."""

from __future__ import annotations

from pathlib import Path

from recording.writing import SwitchableSink, chat_exchange, eventually
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.observability.multiprocess import exposition
from gateway.recording.spool import Spool
from gateway.recording.writer import InteractionWriter
from gateway.store.interactions import InteractionStore

from .scrape import increase, sample


def scraped() -> str:
    return exposition(None)[0].decode()


async def test_an_outage_shows_as_spooled_rows_a_spool_size_and_then_a_replay(engine: AsyncEngine, tmp_path: Path):
    sink = SwitchableSink(InteractionStore(engine))
    sink.down = True
    spool = Spool(tmp_path / "spool.jsonl")
    writer = InteractionWriter(sink, spool, flush_interval=0.01, retry_interval=0.05)
    writer.start()
    try:
        before = scraped()
        for _ in range(3):
            writer.submit(chat_exchange())
        await writer.flush()
        during = scraped()

        sink.down = False
        await eventually(lambda: not writer.spooling)
        after = scraped()
    finally:
        await writer.close()

    assert increase(before, during, "feedgate_writer_rows_total", destination="spool") == 3
    assert increase(before, during, "feedgate_writer_batches_total", destination="spool") >= 1
    assert sample(during, "feedgate_writer_spool_bytes") > 0
    assert increase(during, after, "feedgate_writer_spool_replays_total", outcome="completed") == 1
    assert increase(during, after, "feedgate_writer_spool_replayed_rows_total") == 3
    assert sample(after, "feedgate_writer_spool_bytes") == 0
