"""Once the gateway's lifespan has ended, every database connection it opened is closed (on both of its engines)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from asgi_lifespan import LifespanManager
from open_connections import watching_connections

from gateway import services_setup
from gateway.app import create_app
from gateway.services_setup import open_services

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}


async def test_every_connection_is_closed_when_the_lifespan_ends(settings, fake_upstream, admin_headers):
    app = create_app(settings, environ={})

    with watching_connections() as connections:
        async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://feedgate.test") as http:
                answer = await http.post("/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer sk-app"})
                assert answer.status_code == 200, answer.text
                interaction_id = answer.headers["x-feedgate-interaction-id"]
                # Stored by the writer, on the jobs' engine; the rest below is the web's engine.
                await app.services.writer.flush()
                feedback = {"interaction_id": interaction_id, "thumbs": "down", "comment": "wrong"}
                token = {"x-feedgate-feedback-token": answer.headers["x-feedgate-feedback-token"]}
                assert (await http.post("/v1/feedback", json=feedback, headers=token)).status_code == 201
                interaction = await http.get(f"/api/interactions/{interaction_id}", headers=admin_headers)
                assert interaction.status_code == 200
                assert (await http.get("/api/stats", headers=admin_headers)).status_code == 200

    assert connections.opened, "the gateway used no database connection: the test tests nothing"
    assert connections.still_open() == []


async def test_a_lifespan_ended_at_once_leaves_no_connection_open(settings):
    # The background refreshes (prompts, knowledge) may be connecting when shutdown cancels them.
    app = create_app(settings, environ={})

    with watching_connections() as connections:
        async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
            pass

    assert connections.still_open() == []


async def test_a_start_that_fails_after_the_database_check_leaves_nothing_open(settings, monkeypatch):
    def broken_knowledge_base(*_args: object) -> None:
        raise RuntimeError("the knowledge base cannot be built")

    # Built after the database was checked, its secrets read and the writer started.
    monkeypatch.setattr(services_setup, "knowledge_base", broken_knowledge_base)

    with watching_connections() as connections, pytest.raises(RuntimeError, match="knowledge base"):
        await open_services(settings, environ={})

    assert connections.opened
    assert connections.still_open() == []
    assert [task.get_name() for task in asyncio.all_tasks() if task.get_name().startswith("feedgate-")] == []
