"""Every "filter by issue" follows merges one way (gateway.domain.issue_scope), on both databases.

Asked for an issue, a listing answers what belongs to it now: its own and what belonged to every issue
merged into it. Asked for an issue merged away, it answers the same for the issue holding its complaints now
(the end of its chain of merges), as GET /api/issues/{id} says with `merged_into`. An id no issue has is a 400.
"""

from __future__ import annotations

import pytest
from issue_rows import store_issue
from review_seed import store_interactions

from gateway.app import FeedgateApp
from gateway.store.review_figures import ReviewFigureStore

APP = "support-bot"


async def open_task(client, admin_headers, issue_id: str) -> str:
    body = {"app": APP, "reason": f"about {issue_id}", "issue_id": issue_id}
    response = await client.post("/api/reviews", json=body, headers=admin_headers)
    # 200: the open task for the same issue was updated (one open task per issue).
    assert response.status_code in (200, 201), response.text
    return response.json()["id"]


async def dismiss(client, admin_headers, task_id: str) -> None:
    body = {"action": "dismiss", "note": "done with"}
    response = await client.patch(f"/api/reviews/{task_id}", json=body, headers=admin_headers)
    assert response.status_code == 200, response.text


async def merge(client, admin_headers, issue_id: str, into: str) -> None:
    response = await client.patch(f"/api/issues/{issue_id}", json={"merged_into": into}, headers=admin_headers)
    assert response.status_code == 200, response.text


async def task_ids(client, admin_headers, issue: str) -> set[str]:
    response = await client.get("/api/reviews", params={"issue": issue, "limit": 100}, headers=admin_headers)
    assert response.status_code == 200, response.text
    return {task["id"] for task in response.json()["data"]}


async def new_complaint(gateway: FeedgateApp, issue_id: str) -> None:
    """A later clustering run adds a complaint to `issue_id`, one no task holds.

    A person's task about an issue takes its complaints nobody holds (gateway.review.service), and a closed task keeps
    them for good: a second task about the issue opens only once a new complaint came, else it would hold nothing.
    """
    engine = gateway.services.engine
    held = await ReviewFigureStore(engine).issue_complaints(issue_id)
    await store_issue(engine, APP, issue_id, [*held, *await store_interactions(engine, 1, app=APP)], new=False)


@pytest.fixture
async def members(gateway: FeedgateApp) -> dict[str, str]:
    """Issues "fees", "charges" and "other" of APP, each holding one complaint: the complaint's id by issue."""
    ids = await store_interactions(gateway.services.engine, 3, app=APP)
    held = dict(zip(("fees", "charges", "other"), ids, strict=True))
    for issue_id, member in held.items():
        await store_issue(gateway.services.engine, APP, issue_id, [member])
    return held


async def test_the_surviving_issue_lists_the_merged_issues_tasks_closed_before_open_and_opened_after(
    client, gateway, admin_headers, members
):
    closed_before = await open_task(client, admin_headers, "fees")
    await dismiss(client, admin_headers, closed_before)
    await new_complaint(gateway, "fees")
    open_before = await open_task(client, admin_headers, "fees")
    other = await open_task(client, admin_headers, "other")

    await merge(client, admin_headers, "fees", "charges")
    # The open task went with the complaints: asked again for "charges", it is the one updated.
    assert await open_task(client, admin_headers, "charges") == open_before
    await dismiss(client, admin_headers, open_before)
    await new_complaint(gateway, "charges")
    opened_after = await open_task(client, admin_headers, "charges")

    assert await task_ids(client, admin_headers, "charges") == {closed_before, open_before, opened_after}
    assert await task_ids(client, admin_headers, "other") == {other}


async def test_the_merged_issue_lists_what_its_survivor_holds_now(client, admin_headers, members):
    closed_before = await open_task(client, admin_headers, "fees")
    await dismiss(client, admin_headers, closed_before)
    survivors_own = await open_task(client, admin_headers, "charges")

    await merge(client, admin_headers, "fees", "charges")

    assert await task_ids(client, admin_headers, "fees") == {closed_before, survivors_own}
    assert await task_ids(client, admin_headers, "fees") == await task_ids(client, admin_headers, "charges")


async def test_a_task_the_merge_dismissed_stays_listed_under_the_survivor(client, admin_headers, members):
    # Both issues had an open task: the merged one's is dismissed and keeps naming its issue.
    merged_away = await open_task(client, admin_headers, "fees")
    carries_on = await open_task(client, admin_headers, "charges")

    await merge(client, admin_headers, "fees", "charges")

    response = await client.get(f"/api/reviews/{merged_away}", headers=admin_headers)
    assert (response.json()["status"], response.json()["issue_id"]) == ("dismissed", "fees")
    assert await task_ids(client, admin_headers, "charges") == {merged_away, carries_on}


async def test_a_task_opened_on_the_merged_issue_after_the_merge_is_listed_under_both(client, admin_headers, members):
    await merge(client, admin_headers, "fees", "charges")

    late = await open_task(client, admin_headers, "fees")

    assert await task_ids(client, admin_headers, "charges") == {late}
    assert await task_ids(client, admin_headers, "fees") == {late}


async def test_a_chain_of_merges_is_followed_both_ways(client, admin_headers, members):
    first = await open_task(client, admin_headers, "fees")
    await dismiss(client, admin_headers, first)
    second = await open_task(client, admin_headers, "charges")
    await dismiss(client, admin_headers, second)

    await merge(client, admin_headers, "fees", "charges")
    await merge(client, admin_headers, "charges", "other")

    for asked in ("fees", "charges", "other"):
        assert await task_ids(client, admin_headers, asked) == {first, second}, asked


async def test_an_issue_no_issue_has_is_a_400_as_for_interactions(client, admin_headers, members):
    reviews = await client.get("/api/reviews", params={"issue": "no-such-issue"}, headers=admin_headers)
    interactions = await client.get("/api/interactions", params={"issue": "no-such-issue"}, headers=admin_headers)

    assert reviews.status_code == interactions.status_code == 400
    assert reviews.json()["detail"] == interactions.json()["detail"] == "no issue with id 'no-such-issue'"


async def test_the_old_name_issue_id_follows_merges_the_same_way(client, admin_headers, members):
    task = await open_task(client, admin_headers, "charges")
    await merge(client, admin_headers, "fees", "charges")

    response = await client.get("/api/reviews", params={"issue_id": "fees"}, headers=admin_headers)

    assert [item["id"] for item in response.json()["data"]] == [task]


async def test_interactions_of_either_issue_are_the_survivors_complaints(client, gateway, admin_headers, members):
    await merge(client, admin_headers, "fees", "charges")

    for asked in ("fees", "charges"):
        response = await client.get("/api/interactions", params={"issue": asked}, headers=admin_headers)
        assert response.status_code == 200, response.text
        assert {item["id"] for item in response.json()["data"]} == {members["fees"], members["charges"]}, asked


async def test_a_clustering_passs_merge_is_followed_as_a_persons(client, gateway, admin_headers, members):
    from sqlalchemy import update

    from gateway.store.tables import issues

    task = await open_task(client, admin_headers, "fees")
    await dismiss(client, admin_headers, task)
    # As a pass retires an issue it found inside another's cluster (gateway.store.issues).
    async with gateway.services.engine.begin() as connection:
        await connection.execute(
            update(issues).where(issues.c.id == "fees").values(merged_into="charges", size=0, status="dismissed")
        )

    assert await task_ids(client, admin_headers, "charges") == {task}
    assert await task_ids(client, admin_headers, "fees") == {task}
