"""`GET /api/reviews?issue=`: the API's one name for "filter by issue" (as /api/interactions and the admin pages
name it), the old `issue_id` still read as a deprecated alias, never both at once."""

from __future__ import annotations

import pytest
from issue_rows import store_issue
from review_seed import store_interactions

from gateway.app import FeedgateApp

APP = "support-bot"


@pytest.fixture
async def tasks(gateway: FeedgateApp, client, admin_headers) -> dict[str, str]:
    """One open task per issue, "fees" and "refunds": their ids by issue."""
    ids = await store_interactions(gateway.services.engine, 2, app=APP)
    opened = {}
    for issue_id, member in zip(("fees", "refunds"), ids, strict=True):
        await store_issue(gateway.services.engine, APP, issue_id, [member])
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
