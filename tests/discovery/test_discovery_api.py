"""`/api/issues`: issues found by a clustering pass, for admins."""

from __future__ import annotations

import httpx
from seed import PASSWORDS, REFUNDS, SHIPPING, seed_complaints

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
