"""A gateway process applies the knowledge base from its first call, as it does prompt versions.

The entries were loaded in the background after the process had started serving: the calls of its first seconds
(about 3 s with the bundled model cached, on the 2-core machine) went upstream without the entries, so after every
restart or deploy the answers a fix had put right came back wrong, and were rated so.
"""

from __future__ import annotations

import logging

from ports import free_port

from gateway.config import Settings
from gateway.embedder import LazyEmbedder
from gateway.knowledge.service import KnowledgeService
from gateway.knowledge.setup import knowledge_base
from gateway.store.engine import create_engine
from gateway.store.knowledge import KnowledgeStore


async def test_an_apps_entries_are_in_force_once_the_knowledge_base_has_started(settings: Settings, engine, embedder):
    service = KnowledgeService(KnowledgeStore(engine))
    await service.create("bank", "Transfer fees", "The transfer fee is 1%.", ["What is the transfer fee?"], author="a")
    knowledge = knowledge_base(settings, engine, LazyEmbedder.holding(embedder))
    try:
        await knowledge.start()

        assert knowledge.policy.applies_to("bank", "chat.completions")
    finally:
        await knowledge.close()


async def test_starting_during_an_outage_logs_one_line_without_a_traceback(settings: Settings, embedder, caplog):
    # A PostgreSQL server where nothing listens: the database is away (see tests/prompts/test_prompt_start.py).
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/feedgate")
    knowledge = knowledge_base(settings, engine, LazyEmbedder.holding(embedder))
    try:
        with caplog.at_level(logging.WARNING, logger="feedgate.knowledge"):
            await knowledge.start()
    finally:
        await knowledge.close()
        await engine.dispose()

    (line,) = [record for record in caplog.records if record.name == "feedgate.knowledge"]
    assert "database unavailable" in line.getMessage()
    assert "retrying in the background" in line.getMessage()
    assert line.exc_info is None
