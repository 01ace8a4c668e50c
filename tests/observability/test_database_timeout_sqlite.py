"""SQLite: a write lock another connection holds makes a request wait `database_timeout`, then 503."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app

LIMIT = 1.0
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """SQLite only: its one write lock, held by another connection."""
    path = tmp_path / "feedgate.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


async def test_feedback_waiting_on_a_write_lock_held_elsewhere_is_a_503_within_the_limit(
    settings, database_url, fake_upstream
):
    app = create_app(settings.model_copy(update={"database_timeout": LIMIT}), environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test") as client,
    ):
        answered = await client.post("/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer sk-app"})
        await app.services.writer.flush()
        body = {"interaction_id": answered.headers["x-feedgate-interaction-id"], "thumbs": "down"}
        token = {"x-feedgate-feedback-token": answered.headers["x-feedgate-feedback-token"]}
        holder = sqlite3.connect(database_url.split(":///", 1)[1], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            response = await client.post("/v1/feedback", json=body, headers=token)
            took = time.monotonic() - started
        finally:
            holder.execute("ROLLBACK")
            holder.close()

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "did not answer within 1 s (FEEDGATE_DATABASE_TIMEOUT)" in response.json()["error"]["message"]
    assert LIMIT * 0.9 < took < LIMIT + 1.0
