"""`GET /api/reviews?issue=`: the API's one name for "filter by issue" (as /api/interactions and the admin pages
name it), the old `issue_id` still read as a deprecated alias, never both at once."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
import uuid_utils
from review_seed import store_interactions

from clustering.issue_status import IssueStatus
from gateway.app import FeedgateApp
from gateway.store.issue_records import IssueWrite, RunRecord
from gateway.store.issues import IssueStore

APP = "support-bot"


async def an_issue(gateway: FeedgateApp, issue_id: str, members: list[str]) -> None:
    """Store issue `issue_id` of APP holding `members`, as a clustering run would."""
    now = datetime.now(UTC)
    write = IssueWrite(
        id=issue_id,
        is_new=True,
        title=f"About {issue_id}",
        summary=None,
        keywords=[],
        status=IssueStatus.NEW,
        regressed=False,
        size=len(members),
        negative_count=len(members),
        centroid=np.ones(4, dtype=np.float32),
        examples=[{"interaction_id": members[0], "text": issue_id}],
        first_seen=now,
        last_seen=now,
        member_ids=members,
    )
    run = RunRecord(str(uuid_utils.uuid7()), APP, now, now, items=len(members), noise=0, issues=[write])
    await IssueStore(gateway.services.engine).save_run(run)


@pytest.fixture
async def tasks(gateway: FeedgateApp, client, admin_headers) -> dict[str, str]:
    """One open task per issue, "fees" and "refunds": their ids by issue."""
    ids = await store_interactions(gateway.services.engine, 2, app=APP)
    opened = {}
    for issue_id, member in zip(("fees", "refunds"), ids, strict=True):
        await an_issue(gateway, issue_id, [member])
        body = {"app": APP, "reason": "asked for", "issue_id": issue_id}
        response = await client.post("/api/reviews", json=body, headers=admin_headers)
        assert response.status_code == 201, response.text
        opened[issue_id] = response.json()["id"]
    return opened


async def test_issue_lists_the_tasks_of_that_issue(client, admin_headers, tasks):
    response = await client.get("/api/reviews", params={"issue": "fees"}, headers=admin_headers)

    assert response.status_code == 200, response.text
    assert [task["id"] for task in response.json()["data"]] == [tasks["fees"]]


async def test_the_old_name_issue_id_still_lists_them(client, admin_headers, tasks):
    response = await client.get("/api/reviews", params={"issue_id": "refunds"}, headers=admin_headers)

    assert response.status_code == 200, response.text
    assert [task["id"] for task in response.json()["data"]] == [tasks["refunds"]]


async def test_issue_and_its_old_name_together_are_a_400_naming_the_old_one(client, admin_headers):
    response = await client.get("/api/reviews", params={"issue": "fees", "issue_id": "fees"}, headers=admin_headers)

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "'issue_id' is the old name of 'issue': give 'issue' alone"
    assert body["extra"] == [{"key": "issue_id", "message": body["detail"], "source": "query"}]


async def test_the_schema_lists_the_old_name_as_deprecated_and_issue_as_the_filter(client):
    schema = (await client.get("/schema/openapi.json")).json()

    parameters = {p["name"]: p for p in schema["paths"]["/api/reviews"]["get"]["parameters"] if p["in"] == "query"}

    assert parameters["issue_id"]["deprecated"] is True
    assert "old name of 'issue'" in parameters["issue_id"]["description"]
    assert parameters["issue"].get("deprecated", False) is False


async def test_no_admin_operation_reads_issue_id_as_a_filter_but_as_a_deprecated_alias(client):
    schema = (await client.get("/schema/openapi.json")).json()

    readers = {
        (path, method, parameter.get("deprecated", False))
        for path, item in schema["paths"].items()
        if path.startswith("/api/")
        for method, operation in item.items()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter["name"] in ("issue", "issue_id")
        if parameter["name"] == "issue_id"
    }

    assert readers == {("/api/reviews", "get", True)}
