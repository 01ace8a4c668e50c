"""`POST /api/reviews/{id}/fix`: resolving a task by the fix it suggests, in one request, as the admin page does."""

from __future__ import annotations

import pytest
from review_seed import store_interactions

from gateway.app import FeedgateApp


@pytest.fixture
def no_second_opinions(gateway: FeedgateApp) -> None:
    """Every task resolves on its first decision (the second-opinion share is drawn by hash)."""
    from gateway.review.levels import ServiceLevels
    from gateway.review.service import ReviewService
    from gateway.store.review_figures import ReviewFigureStore
    from gateway.store.reviews import ReviewStore

    services = gateway.services
    levels = ServiceLevels.from_settings(services.settings.model_copy(update={"review_second_opinion_share": 0.0}))
    services.reviews = ReviewService(ReviewStore(services.engine), ReviewFigureStore(services.engine), levels)


async def open_task(gateway: FeedgateApp, client, admin_headers) -> dict:
    ids = await store_interactions(gateway.services.engine, 1)
    body = {"app": "support-bot", "reason": "The fee answer is wrong", "interaction_ids": ids}
    response = await client.post("/api/reviews", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_prompt_version_resolves_the_task_and_goes_live(gateway, client, admin_headers, no_second_opinions):
    task = await open_task(gateway, client, admin_headers)
    body = {"kind": "prompt", "reviewer": "alice", "text": "Quote the fee schedule.", "message": "fees were wrong"}

    response = await client.post(f"/api/reviews/{task['id']}/fix", json=body, headers=admin_headers)

    assert response.status_code == 201, response.text
    resolved = response.json()
    assert resolved["task"]["status"] == "resolved"
    assert resolved["fix"]["kind"] == "prompt" and resolved["fix"]["version"] == 1
    assert resolved["link"] is None and "no issue" in resolved["unlinked_reason"]
    versions = (await client.get("/api/prompts", params={"app": "support-bot"}, headers=admin_headers)).json()
    assert "Quote the fee schedule." in str(versions)


async def test_a_prompt_fix_takes_instructions_as_long_as_publishing_takes(
    gateway, client, admin_headers, no_second_opinions
):
    # 30,000 characters: past the review text's bound, within a prompt version's (the task page takes them too).
    task = await open_task(gateway, client, admin_headers)
    text = "Quote the fee schedule. " * 1250
    body = {"kind": "prompt", "reviewer": "alice", "text": text, "message": "fees were wrong"}

    response = await client.post(f"/api/reviews/{task['id']}/fix", json=body, headers=admin_headers)

    assert response.status_code == 201, response.text
    assert response.json()["fix"]["kind"] == "prompt"


async def test_a_knowledge_fix_without_content_is_refused_naming_the_field(gateway, client, admin_headers):
    task = await open_task(gateway, client, admin_headers)
    body = {"kind": "knowledge", "reviewer": "alice", "title": "Transfer fee"}

    response = await client.post(f"/api/reviews/{task['id']}/fix", json=body, headers=admin_headers)

    assert response.status_code == 400
    assert "'content'" in response.text
    still = (await client.get(f"/api/reviews/{task['id']}", headers=admin_headers)).json()
    assert still["status"] == "open"


async def test_a_fix_for_an_unknown_task_is_404(client, admin_headers):
    body = {"kind": "prompt", "reviewer": "alice", "text": "x", "message": "y"}

    response = await client.post("/api/reviews/no-such-task/fix", json=body, headers=admin_headers)

    assert response.status_code == 404


async def test_a_task_someone_else_holds_cannot_be_fixed(gateway, client, admin_headers):
    task = await open_task(gateway, client, admin_headers)
    await client.patch(f"/api/reviews/{task['id']}", json={"action": "claim", "reviewer": "bob"}, headers=admin_headers)
    body = {"kind": "prompt", "reviewer": "alice", "text": "x", "message": "y"}

    response = await client.post(f"/api/reviews/{task['id']}/fix", json=body, headers=admin_headers)

    assert response.status_code == 409
    prompts = (await client.get("/api/prompts", params={"app": "support-bot"}, headers=admin_headers)).json()
    assert prompts["versions"] == []


@pytest.fixture
def second_opinions(gateway: FeedgateApp) -> None:
    """Every task needs two different reviewers."""
    from gateway.review.levels import ServiceLevels
    from gateway.review.service import ReviewService
    from gateway.store.review_figures import ReviewFigureStore
    from gateway.store.reviews import ReviewStore

    services = gateway.services
    levels = ServiceLevels.from_settings(services.settings.model_copy(update={"review_second_opinion_share": 1.0}))
    services.reviews = ReviewService(ReviewStore(services.engine), ReviewFigureStore(services.engine), levels)


async def test_a_second_fix_for_a_task_awaiting_a_second_opinion_is_refused(
    gateway, client, admin_headers, second_opinions
):
    task = await open_task(gateway, client, admin_headers)
    first = {"kind": "prompt", "reviewer": "alice", "text": "Quote the fee schedule.", "message": "fees"}
    second = {"kind": "prompt", "reviewer": "bob", "text": "Never quote fees.", "message": "fees again"}

    fixed = await client.post(f"/api/reviews/{task['id']}/fix", json=first, headers=admin_headers)
    refused = await client.post(f"/api/reviews/{task['id']}/fix", json=second, headers=admin_headers)

    assert fixed.status_code == 201 and fixed.json()["task"]["status"] == "open"
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert detail.startswith("alice already resolved this task by a fix, noting “Resolved by prompt version ")
    assert "active).”; it awaits a second opinion on that fix" in detail
    versions = (await client.get("/api/prompts", params={"app": "support-bot"}, headers=admin_headers)).json()
    assert "Never quote fees." not in str(versions)


@pytest.mark.parametrize(
    "asked",
    [{"rollout": "canary", "canary_share": 0.1}, {"canary_share": 0.1}, {"rollout": "canary"}],
    ids=["canary", "share-alone", "canary-without-share"],
)
async def test_a_canary_asked_of_a_knowledge_fix_is_refused_as_making_a_preview_live_refuses_it(
    gateway, client, admin_headers, no_second_opinions, asked
):
    # Ignored, the entry went live for all traffic where a share of it was asked for.
    task = await open_task(gateway, client, admin_headers)
    body = {"kind": "knowledge", "reviewer": "alice", "title": "Transfer fee", "content": "1%.", **asked}

    response = await client.post(f"/api/reviews/{task['id']}/fix", json=body, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert "knowledge-base entries have no canary" in response.json()["detail"]
    assert (await client.get(f"/api/reviews/{task['id']}", headers=admin_headers)).json()["status"] == "open"
    assert (await client.get("/api/kb", headers=admin_headers)).json()["data"] == []
