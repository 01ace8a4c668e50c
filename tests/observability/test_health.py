"""/healthz while the process runs; /readyz by the database's answer, its schema, and the writer's spooling."""

from __future__ import annotations

import asyncio
import logging

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from gateway.store.migrate import alembic_config


async def test_healthz_answers_200_without_any_token(client):
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


async def test_readyz_is_200_on_a_migrated_database(client):
    response = await client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True and body["status"] == "ready"
    assert body["checks"]["database"] == "answers"
    assert body["checks"]["migrations"].startswith("current")
    assert body["problems"] == []


async def test_a_readiness_probe_leaves_no_line_in_the_log(client, caplog):
    await client.get("/readyz")  # anything a first probe sets up
    caplog.clear()

    with caplog.at_level(logging.DEBUG):
        await client.get("/readyz")

    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.INFO] == []


def stamp(database_url: str, revision: str) -> None:
    """Record `revision` as the database's schema version without running any migration."""
    command.stamp(alembic_config(database_url), revision, purge=True)


async def test_readyz_is_503_when_the_schema_is_behind(gateway, client, database_url):
    config = alembic_config(database_url)
    head = ScriptDirectory.from_config(config).get_revision("head")
    previous = head.down_revision
    assert isinstance(previous, str)
    await asyncio.to_thread(stamp, database_url, previous)
    try:
        response = await client.get("/readyz")
    finally:
        await asyncio.to_thread(stamp, database_url, head.revision)

    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False
    assert previous in body["checks"]["migrations"] and head.revision in body["checks"]["migrations"]
    assert "feedgate db upgrade" in body["problems"][0]


async def test_readyz_says_when_the_schema_is_newer_than_this_gateway(gateway, client, engine):
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    try:
        response = await client.get("/readyz")
    finally:
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})

    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["migrations"].startswith("database at 9999, newer than this gateway")
    assert "a newer Feedgate migrated it" in body["problems"][0]
