"""A review task about an issue merged since it was opened: its fix is linked to the issue holding the complaints."""

from __future__ import annotations

import pytest
from effect_seed import make_issue
from preview_seed import seed_issue

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


async def merged_task(gateway, client, admin_headers) -> tuple[dict, str, str, list[str]]:
    """A task about an issue, then that issue merged into another: (task, merged issue, issue it went to, the
    interactions)."""
    issue_id, ids = await seed_issue(gateway, client)
    app = (await gateway.services.interactions.get(ids[0]))["app"]
    body = {"app": app, "reason": "Fees are wrong", "issue_id": issue_id, "interaction_ids": ids[:2]}
    opened = await client.post("/api/reviews", json=body, headers=admin_headers)
    assert opened.status_code == 201, opened.text
    other_id = await make_issue(gateway.services.engine, [ids[2]], "Fees everywhere", app=app)
    await gateway.services.issue_service.merge(issue_id, other_id, "test")
    return opened.json(), issue_id, other_id, ids


async def test_a_fix_for_a_task_whose_issue_was_merged_is_linked_to_the_issue_it_went_to(
    gateway, client, admin_headers, no_second_opinions
):
    task, issue_id, other_id, _ids = await merged_task(gateway, client, admin_headers)
    body = {"kind": "knowledge", "reviewer": "alice", "title": "Transfer fees", "content": "The fee is 1%."}

    response = await client.post(f"/api/reviews/{task['id']}/fix", json=body, headers=admin_headers)

    assert response.status_code == 201, response.text
    resolved = response.json()
    assert resolved["task"]["status"] == "resolved"
    assert resolved["link"]["issue_id"] == other_id and resolved["link"]["task_id"] == task["id"]
    fixes = (await client.get(f"/api/issues/{other_id}/fixes", headers=admin_headers)).json()["data"]
    assert [fix["fix_id"] for fix in fixes] == [resolved["fix"]["id"]]
    assert (await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)).json()["data"] == []


async def test_a_fix_follows_a_chain_of_merges_to_the_last_issue(gateway, client, admin_headers, no_second_opinions):
    task, _issue_id, other_id, ids = await merged_task(gateway, client, admin_headers)
    last_id = await make_issue(gateway.services.engine, [ids[2]], "All fee questions", app=task["app"])
    await gateway.services.issue_service.merge(other_id, last_id, "test")
    body = {"kind": "prompt", "reviewer": "alice", "text": "Quote the fee schedule.", "message": "fees"}

    response = await client.post(f"/api/reviews/{task['id']}/fix", json=body, headers=admin_headers)

    assert response.status_code == 201, response.text
    assert response.json()["link"]["issue_id"] == last_id


async def test_linking_a_task_to_an_issue_its_issue_was_not_merged_into_is_refused(gateway, client, admin_headers):
    task, _issue_id, other_id, ids = await merged_task(gateway, client, admin_headers)
    unrelated = await make_issue(gateway.services.engine, [ids[2]], "Card delivery", app=task["app"])
    prompt = {"app": task["app"], "text": "Say when cards arrive.", "active": True}
    version = (await client.post("/api/prompts", json=prompt, headers=admin_headers)).json()
    assert "id" in version, version

    body = {"kind": "prompt", "fix_id": version["id"], "task_id": task["id"], "created_by": "alice"}
    refused = await client.post(f"/api/issues/{unrelated}/fixes", json=body, headers=admin_headers)

    assert refused.status_code == 400, refused.text
    # The merge handed the task to the issue its complaints went to (gateway.review.merged_issues).
    assert other_id in refused.json()["detail"]
