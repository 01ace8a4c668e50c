"""A gateway process that starts while the database is away: prompt versions load later, said in one line."""

from __future__ import annotations

import logging

from ports import free_port

from gateway.config import Settings
from gateway.prompts.setup import prompt_instructions
from gateway.store.engine import create_engine


async def test_starting_during_an_outage_logs_one_line_without_a_traceback(settings: Settings, caplog):
    # A PostgreSQL server where nothing listens: the database is away. Not a SQLite file in a missing folder
    # (SQLite is never away like that: `serve` refuses such a file before starting): aiosqlite closes a connect
    # that failed, or that `close` cancelled, on a thread of its own that nobody waits for, and that thread
    # said "Event loop is closed" in the next test whenever this test's loop had closed first.
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/feedgate")
    instructions = prompt_instructions(settings, engine)
    try:
        with caplog.at_level(logging.WARNING, logger="feedgate.prompts"):
            await instructions.start()
    finally:
        await instructions.close()
        await engine.dispose()

    (line,) = [record for record in caplog.records if record.name == "feedgate.prompts"]
    assert "database unavailable" in line.getMessage()
    assert "retrying in the background" in line.getMessage()
    assert line.exc_info is None
