"""With `cluster_interval` set, the running gateway finds issues by itself."""

from __future__ import annotations

import asyncio

from asgi_lifespan import LifespanManager
from seed import PASSWORDS, REFUNDS, seed_complaints

from gateway.app import create_app
from gateway.store.issues import IssueFilter


async def test_the_gateway_clusters_in_the_background_when_an_interval_is_set(settings, embedder, monkeypatch):
    # The session-wide model instance, so the test does not load it again.
    monkeypatch.setattr("gateway.discovery.schedule.embedder_for", lambda settings, environ: embedder)
    app = create_app(settings.model_copy(update={"cluster_interval": 0.2}), environ={})

    async with LifespanManager(app):
        await seed_complaints(app.services.engine, REFUNDS + PASSWORDS)
        # Feedback is stored one event at a time, so a pass may run on the refunds alone: one
        # issue, rightly. Later passes see both topics.
        for _ in range(100):
            found = await app.services.issues.list(IssueFilter(), sort="size", limit=10)
            if len(found) >= 2:
                break
            await asyncio.sleep(0.1)

    assert len(found) == 2
