"""A gateway process that starts while the database is away: prompt versions load later, said in one line."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from gateway.config import Settings
from gateway.prompts.setup import prompt_instructions


async def test_starting_during_an_outage_logs_one_line_without_a_traceback(settings: Settings, tmp_path: Path, caplog):
    # A SQLite file in a folder that does not exist cannot be opened: the database is away.
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'feedgate.db'}")
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
