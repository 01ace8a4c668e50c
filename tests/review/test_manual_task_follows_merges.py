"""A person's task on an issue merged away lands on the issue holding its complaints now, on both databases.

Asking for an issue follows merges (gateway.domain.issue_scope), and the automatic rules never leave an issue
task open on a merged issue (its open task goes to the survivor: gateway.review.merged_issues). So
`POST /api/reviews` naming an issue merged away opens (or updates) the survivor's one open task: the end of the
chain of merges. An id no issue has is a 400 naming `issue_id`.
"""

from __future__ import annotations

from test_issue_filter_follows_merges import APP, dismiss, members, merge, open_task

__all__ = ["members"]  # the fixture, used by name


async def opened(client, admin_headers, issue_id: str) -> tuple[int, dict]:
    body = {"app": APP, "reason": f"about {issue_id}", "issue_id": issue_id}
    response = await client.post("/api/reviews", json=body, headers=admin_headers)
    assert response.status_code in (200, 201), response.text
    return response.status_code, response.json()


async def test_a_task_asked_for_a_merged_issue_is_the_survivors(client, admin_headers, members):
    await merge(client, admin_headers, "fees", "charges")

    status, task = await opened(client, admin_headers, "fees")

    assert (status, task["issue_id"]) == (201, "charges")


async def test_asked_for_the_merged_issue_then_the_survivor_it_is_one_open_task(client, admin_headers, members):
    await merge(client, admin_headers, "fees", "charges")

    _, first = await opened(client, admin_headers, "fees")
    status, second = await opened(client, admin_headers, "charges")

    assert (status, second["id"]) == (200, first["id"])


async def test_asked_for_the_survivor_then_the_merged_issue_it_is_one_open_task(client, admin_headers, members):
    survivors = await open_task(client, admin_headers, "charges")
    await merge(client, admin_headers, "fees", "charges")

    status, again = await opened(client, admin_headers, "fees")

    assert (status, again["id"], again["issue_id"]) == (200, survivors, "charges")


async def test_a_chain_of_merges_is_followed_to_its_end(client, admin_headers, members):
    await merge(client, admin_headers, "fees", "charges")
    await merge(client, admin_headers, "charges", "other")
    others = await open_task(client, admin_headers, "other")

    for asked in ("fees", "charges"):
        status, task = await opened(client, admin_headers, asked)
        assert (status, task["id"], task["issue_id"]) == (200, others, "other"), asked


async def test_a_clustering_passs_merge_is_followed_too(client, gateway, admin_headers, members):
    from sqlalchemy import update

    from gateway.store.tables import issues

    # As a pass retires an issue it found inside another's cluster (gateway.store.issues).
    async with gateway.services.engine.begin() as connection:
        await connection.execute(
            update(issues).where(issues.c.id == "fees").values(merged_into="charges", size=0, status="dismissed")
        )

    _, task = await opened(client, admin_headers, "fees")

    assert task["issue_id"] == "charges"


async def test_a_closed_task_of_the_merged_issue_keeps_its_issue(client, admin_headers, members):
    before = await open_task(client, admin_headers, "fees")
    await dismiss(client, admin_headers, before)
    await merge(client, admin_headers, "fees", "charges")

    _, task = await opened(client, admin_headers, "fees")
    earlier = await client.get(f"/api/reviews/{before}", headers=admin_headers)

    assert task["id"] != before
    assert (earlier.json()["status"], earlier.json()["issue_id"]) == ("dismissed", "fees")


async def test_an_issue_no_issue_has_is_a_400_naming_issue_id(client, admin_headers, members):
    body = {"app": APP, "reason": "about nothing", "issue_id": "no-such-issue"}

    response = await client.post("/api/reviews", json=body, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert response.json()["detail"] == "no issue with id 'no-such-issue'"
    assert "issue_id" in response.text


async def test_an_issue_of_another_app_is_still_a_400(client, gateway, admin_headers, members):
    body = {"app": "other-bot", "reason": "about fees", "issue_id": "fees"}

    response = await client.post("/api/reviews", json=body, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert "belongs to app 'support-bot'" in response.json()["detail"]
