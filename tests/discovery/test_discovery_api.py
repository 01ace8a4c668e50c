"""`/api/issues`: issues found by a clustering pass, for admins."""

from __future__ import annotations

import json
import re
from typing import get_args

import httpx
import pytest
from seed import PASSWORDS, REFUNDS, SHIPPING, seed_complaints

from clustering.issue_status import TRIAGE_ORDER, TRIAGE_STATUSES, SettableStatus
from gateway.app import FeedgateApp
from gateway.discovery.job import run_clustering_pass


async def discover(gateway: FeedgateApp, embedder, complaints, app: str = "support-bot") -> list[str]:
    services = gateway.services
    ids = await seed_complaints(services.engine, complaints, app=app)
    await run_clustering_pass(services.engine, services.settings, embedder, app=app)
    return ids


async def test_issues_are_listed_biggest_first_with_trend(client: httpx.AsyncClient, gateway, admin_headers, embedder):
    await discover(gateway, embedder, REFUNDS + PASSWORDS[:3])

    response = await client.get("/api/issues", headers=admin_headers)

    assert response.status_code == 200, response.text
    issues = response.json()["data"]
    assert [issue["size"] for issue in issues] == [4, 3]
    first = issues[0]
    assert first["status"] == "new"
    assert first["negative_count"] == 4
    assert "refund" in first["keywords"]
    assert first["trend"]["growth"] == 4
    assert first["first_seen"] and first["last_seen"]


async def test_issues_filter_by_app_and_status(client: httpx.AsyncClient, gateway, admin_headers, embedder):
    # Each app needs two topics: a single group of a few points is not a cluster to HDBSCAN.
    await discover(gateway, embedder, REFUNDS + SHIPPING, app="shop")
    await discover(gateway, embedder, PASSWORDS + SHIPPING, app="accounts")

    by_app = (await client.get("/api/issues", params={"app": "shop"}, headers=admin_headers)).json()["data"]
    resolved = (await client.get("/api/issues", params={"status": "resolved"}, headers=admin_headers)).json()["data"]

    assert [issue["app"] for issue in by_app] == ["shop", "shop"]
    assert resolved == []


async def test_an_issue_shows_examples_and_member_ids(client: httpx.AsyncClient, gateway, admin_headers, embedder):
    refund_ids = (await discover(gateway, embedder, REFUNDS + PASSWORDS))[: len(REFUNDS)]
    listed = (await client.get("/api/issues", headers=admin_headers)).json()["data"]
    refund_issue = next(issue for issue in listed if "refund" in issue["keywords"])

    response = await client.get(f"/api/issues/{refund_issue['id']}", headers=admin_headers)

    assert response.status_code == 200
    body = response.json()
    assert sorted(body["member_ids"]) == sorted(refund_ids)
    assert len(body["examples"]) == 3
    assert all(example["interaction_id"] in refund_ids and "refund" in example["text"] for example in body["examples"])


async def test_an_unknown_issue_is_404(client: httpx.AsyncClient, admin_headers):
    response = await client.get("/api/issues/nope", headers=admin_headers)

    assert response.status_code == 404


async def test_limit_above_1000_is_refused(client: httpx.AsyncClient, admin_headers):
    response = await client.get("/api/issues", params={"limit": 1001}, headers=admin_headers)

    assert response.status_code == 400


async def test_issues_need_the_admin_token(client: httpx.AsyncClient):
    response = await client.get("/api/issues")

    assert response.status_code == 401


async def test_issues_page_with_an_offset(client: httpx.AsyncClient, gateway, admin_headers, embedder):
    await discover(gateway, embedder, REFUNDS + PASSWORDS + SHIPPING[:3])

    first = (await client.get("/api/issues", params={"limit": 2}, headers=admin_headers)).json()
    second = (
        await client.get("/api/issues", params={"limit": 2, "offset": first["next_offset"]}, headers=admin_headers)
    ).json()

    assert [len(first["data"]), first["next_offset"]] == [2, 2]
    assert [len(second["data"]), second["next_offset"]] == [1, None]
    assert {issue["id"] for issue in first["data"]}.isdisjoint(issue["id"] for issue in second["data"])


async def test_resolving_an_issue_records_who_decided_what(client: httpx.AsyncClient, gateway, admin_headers, embedder):
    await discover(gateway, embedder, REFUNDS + PASSWORDS)
    issue = (await client.get("/api/issues", headers=admin_headers)).json()["data"][0]

    response = await client.patch(
        f"/api/issues/{issue['id']}", json={"status": "resolved", "note": "fixed the prompt"}, headers=admin_headers
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "resolved"
    [event] = body["events"]
    assert event["kind"] == "status" and event["run_id"] is None and event["at"]
    assert event["detail"] == {"from": "new", "to": "resolved", "note": "fixed the prompt", "by": "admin-token"}
    resolved = (await client.get("/api/issues", params={"status": "resolved"}, headers=admin_headers)).json()["data"]
    assert [item["id"] for item in resolved] == [issue["id"]]


async def test_an_unknown_status_is_refused_naming_the_field(
    client: httpx.AsyncClient, gateway, admin_headers, embedder
):
    await discover(gateway, embedder, REFUNDS + PASSWORDS)
    issue = (await client.get("/api/issues", headers=admin_headers)).json()["data"][0]

    response = await client.patch(f"/api/issues/{issue['id']}", json={"status": "fixed"}, headers=admin_headers)

    assert response.status_code == 400
    assert "status" in response.text


@pytest.mark.parametrize("sent", ["fixed", "new"])
async def test_a_status_refusal_lists_only_the_statuses_a_person_can_set(
    client: httpx.AsyncClient, admin_headers, sent
):
    # It listed 'new' among them, which only a clustering run sets: sent, it was refused in other words.
    response = await client.patch("/api/issues/nope", json={"status": sent}, headers=admin_headers)

    said = f"'status' must be one of open, resolved, dismissed; got '{sent}'"
    assert response.status_code == 400, response.text
    assert response.json()["extra"] == [{"key": "status", "message": said, "source": "body"}]


def test_the_settable_statuses_type_is_the_triage_statuses():
    assert get_args(SettableStatus) == tuple(status.value for status in TRIAGE_ORDER)
    assert set(TRIAGE_ORDER) == TRIAGE_STATUSES


async def test_the_schema_lists_only_the_statuses_a_person_can_set(client: httpx.AsyncClient):
    schema = (await client.get("/schema/openapi.json")).json()

    components = schema["components"]["schemas"]
    fields = components["IssueChange"]["properties"]

    def values(field: dict) -> list[str]:
        """The values a field's schema lists, through its references (null aside)."""
        text = json.dumps(field)
        for name, component in components.items():
            text = text.replace(json.dumps({"$ref": f"#/components/schemas/{name}"}), json.dumps(component))
        return [
            value
            for enum in re.findall(r'"enum": (\[[^\]]*\])', text)
            for value in json.loads(enum)
            if value is not None
        ]

    assert values(fields["status"]) == ["open", "resolved", "dismissed"]
    assert values(fields["expected_status"]) == ["new", "open", "resolved", "dismissed"]


async def test_a_title_that_says_nothing_is_refused_naming_the_title(
    client: httpx.AsyncClient, gateway, admin_headers, embedder
):
    await discover(gateway, embedder, REFUNDS + PASSWORDS)
    issue = (await client.get("/api/issues", headers=admin_headers)).json()["data"][0]

    response = await client.patch(f"/api/issues/{issue['id']}", json={"title": "\u200b \u200b"}, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert "'title' must be 1 to" in response.text


async def test_triaging_an_unknown_issue_is_404(client: httpx.AsyncClient, admin_headers):
    response = await client.patch("/api/issues/nope", json={"status": "dismissed"}, headers=admin_headers)

    assert response.status_code == 404


async def test_triage_needs_the_admin_token(client: httpx.AsyncClient):
    response = await client.patch("/api/issues/nope", json={"status": "dismissed"})

    assert response.status_code == 401


async def test_an_issue_has_one_daily_point_per_day_holding_the_last_pass(
    client: httpx.AsyncClient, gateway, admin_headers, embedder
):
    await discover(gateway, embedder, REFUNDS[:3] + PASSWORDS)
    await discover(gateway, embedder, REFUNDS[3:])
    listed = (await client.get("/api/issues", headers=admin_headers)).json()["data"]
    refunds = next(issue for issue in listed if "refund" in issue["keywords"])

    body = (await client.get(f"/api/issues/{refunds['id']}", headers=admin_headers)).json()

    assert [point["size"] for point in body["trend"]["points"]] == [3, 4]
    [today] = body["daily"]
    assert today["size"] == 4


async def test_an_offset_beyond_any_listing_is_refused_not_a_server_error(client: httpx.AsyncClient, admin_headers):
    response = await client.get("/api/issues", params={"offset": 10**30}, headers=admin_headers)

    assert response.status_code == 400
    assert "offset" in response.text
