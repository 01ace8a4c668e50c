"""Fixtures for the scale tests: a fresh PostgreSQL database, a fake upstream on a socket, and the environment
every `feedgate` process of a deployment shares."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from scale_processes import ADMIN_TOKEN, EMBEDDING_MODEL, REFRESH_SECONDS

from gateway.demo.fake_upstream import RunningFakeUpstream, run_fake_upstream
from gateway.store.migrate import upgrade_database

# The server tests/conftest.py uses (the same variable overrides it).
POSTGRES_SERVER = os.environ.get("FEEDGATE_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_SERVER.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def scale_database_url() -> Iterator[str]:
    """A uniquely named, migrated PostgreSQL database on the test server for this module, dropped afterwards."""
    name = f"feedgate_scale_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_SERVER} is required for the scale tests: {exc}")
    url = POSTGRES_SERVER.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade_database(url)
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def scale_upstream() -> Iterator[RunningFakeUpstream]:
    """A fake OpenAI upstream of this module's own, so its request log holds only this module's calls."""
    with run_fake_upstream() as upstream:
        yield upstream


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the processes run and log; their shared spool path is in it too."""
    return tmp_path_factory.mktemp("scale")


@pytest.fixture(scope="module")
def deployment_env(scale_database_url: str, scale_upstream: RunningFakeUpstream, workdir: Path) -> dict[str, str]:
    """The environment of every gateway process: one database, one upstream, one spool path."""
    return {
        "FEEDGATE_DATABASE_URL": scale_database_url,
        "FEEDGATE_UPSTREAM_URL": scale_upstream.url,
        "FEEDGATE_ADMIN_TOKEN": ADMIN_TOKEN,
        # The same path for every process on purpose: each must claim a spool of its own.
        "FEEDGATE_SPOOL_PATH": str(workdir / "spool" / "feedgate.spool.jsonl"),
        "FEEDGATE_WRITER_FLUSH_INTERVAL": "0.05",
        "FEEDGATE_KNOWLEDGE_REFRESH_SECONDS": str(REFRESH_SECONDS),
        "FEEDGATE_PROMPT_REFRESH_SECONDS": str(REFRESH_SECONDS),
        # Embeddings from the fake upstream: no model to load in every process.
        "FEEDGATE_EMBEDDING_URL": scale_upstream.url,
        "FEEDGATE_EMBEDDING_MODEL": EMBEDDING_MODEL,
        # Background rules and guards this test does not look at: less work on two shared cores.
        "FEEDGATE_REVIEW_SIMILAR_NEGATIVE_RULE": "false",
        "FEEDGATE_REVIEW_ANOMALOUS_RULE": "false",
        "FEEDGATE_PROMPT_GUARD_INTERVAL_MINUTES": "0",
        "FEEDGATE_LOG_FORMAT": "text",
    }
