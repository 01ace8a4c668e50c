"""End to end in process: negative feedback posted through the API leads, in the background, to a review task."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import pytest
from traffic_helpers import OTHER_TOPICS, REFUNDS, shared_embedder

import gateway.discovery.schedule
from gateway.app import FeedgateApp
from gateway.review.records import Priority
from gateway.store.reviews import ReviewFilter

APP_KEY = "sk-similar-negative-app"


@pytest.fixture(autouse=True)
def shared_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gateway's rules use the model this test process already loaded, rather than loading their own.

    Loaded before the gateway starts: importing torch in a worker thread still holds the GIL for
    a second or so, once per process, which would stall the POSTs this test times.
    """
    shared_embedder()
    monkeypatch.setattr(gateway.discovery.schedule, "embedder_for", lambda settings, environ: shared_embedder())


async def ask(client: httpx.AsyncClient, question: str) -> tuple[str, str]:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]}
    response = await client.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {APP_KEY}"})
    assert response.status_code == 200, response.text
    return response.headers["x-feedgate-interaction-id"], response.headers["x-feedgate-feedback-token"]


async def test_negative_feedback_through_the_api_opens_a_similar_negative_task(
    gateway: FeedgateApp, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="feedgate.review")
    answers = [await ask(client, question) for question in REFUNDS + OTHER_TOPICS]
    await gateway.services.writer.flush()
    refunds = answers[: len(REFUNDS)]

    for interaction_id, token in refunds[:7]:
        started = time.perf_counter()
        response = await client.post(
            "/v1/feedback",
            json={"interaction_id": interaction_id, "thumbs": "down"},
            headers={"x-feedgate-feedback-token": token},
        )
        assert response.status_code == 201, response.text
        # The POST only enqueues: no embedding, no kNN on its path.
        assert time.perf_counter() - started < 1.0

    reviews = gateway.services.reviews
    deadline = time.monotonic() + 60
    tasks = []
    while time.monotonic() < deadline:
        tasks = list((await reviews.list(ReviewFilter(source="similar_negative"), "queue", 10)).data)
        if tasks and gateway.services.rule_runner._queue.empty():
            break
        await asyncio.sleep(0.1)
    await gateway.services.rule_runner.drained()
    tasks = list((await reviews.list(ReviewFilter(source="similar_negative"), "queue", 10)).data)

    # Every later negative feedback on a neighbour updated the one open task.
    assert len(tasks) == 1
    task = await reviews.get(tasks[0].id)
    negative_ids = {interaction_id for interaction_id, _ in refunds[:7]}
    assert set(task.interaction_ids) <= negative_ids
    assert len(task.interaction_ids) >= 5
    assert task.task.priority in (Priority.MEDIUM, Priority.HIGH)
    assert "of the 10 most similar recent answers got negative feedback" in task.task.reason
    assert len(task.task.evidence["neighbours"]) == 10
    # The log says the task was opened once; each later vote that only updated it is no news.
    opened_lines = [r for r in caplog.records if r.name == "feedgate.review" and r.levelno >= logging.INFO]
    assert [r.getMessage().split(":")[0] for r in opened_lines] == ["review rule similar_negative"]


async def test_a_full_queue_drops_its_oldest_check(gateway: FeedgateApp) -> None:
    runner = gateway.services.rule_runner
    await runner.close()  # nothing consumes now
    for n in range(runner._queue.maxsize + 3):
        runner.notify_negative("some-app", f"interaction-{n}")
    assert runner.dropped == 3
    assert runner._queue.get_nowait().interaction_id == "interaction-3"
