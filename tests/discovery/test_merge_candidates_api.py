"""`GET /api/issues/{id}/merge-candidates`: live issues of the same app that are plainly the same thing."""

from __future__ import annotations

import httpx
from issue_rows import store_issues_centred
from seed import PASSWORDS, REFUNDS, SHIPPING
from sqlalchemy import update
from test_discovery_api import discover

from gateway.domain.issues import MERGE_SUGGESTIONS_SHOWN
from gateway.store.tables import issues


async def listed_by_keyword(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> dict[str, dict]:
    """The refund, password and delivery issues of a pass over the three seed topics."""
    found = (await client.get("/api/issues", headers=admin_headers)).json()["data"]
    by_topic = {}
    for topic in ("refund", "password"):
        by_topic[topic] = next(issue for issue in found if any(topic in word for word in issue["keywords"]))
    taken = {issue["id"] for issue in by_topic.values()}
    [by_topic["delivery"]] = [issue for issue in found if issue["id"] not in taken]
    return by_topic


async def test_an_issue_with_the_same_centroid_and_a_shared_keyword_is_a_candidate(
    client: httpx.AsyncClient, gateway, admin_headers, embedder
):
    await discover(gateway, embedder, REFUNDS + PASSWORDS + SHIPPING)
    topics = await listed_by_keyword(client, admin_headers)
    # Make the delivery issue a twin of the refund issue: same centroid, a keyword in common.
    async with gateway.services.engine.begin() as connection:
        refund_centroid = (
            (await connection.execute(issues.select().where(issues.c.id == topics["refund"]["id"])))
            .mappings()
            .one()["centroid"]
        )
        await connection.execute(
            update(issues)
            .where(issues.c.id == topics["delivery"]["id"])
            .values(centroid=refund_centroid, keywords=["refund", "late"])
        )

    response = await client.get(f"/api/issues/{topics['refund']['id']}/merge-candidates", headers=admin_headers)

    assert response.status_code == 200, response.text
    [candidate] = response.json()["candidates"]
    assert candidate["id"] == topics["delivery"]["id"]
    assert candidate["similarity"] > 0.99
    assert candidate["shared_keywords"] == ["refund"]
    assert candidate["shared_corrections"] == []  # no end user corrected either
    assert candidate["size"] == topics["delivery"]["size"]


async def test_distinct_issues_have_no_candidates(client: httpx.AsyncClient, gateway, admin_headers, embedder):
    await discover(gateway, embedder, REFUNDS + PASSWORDS + SHIPPING)
    topics = await listed_by_keyword(client, admin_headers)

    response = await client.get(f"/api/issues/{topics['password']['id']}/merge-candidates", headers=admin_headers)

    assert response.status_code == 200
    assert response.json() == {"issue_id": topics["password"]["id"], "candidates": [], "more": 0}


async def test_an_unknown_issue_is_a_404(client: httpx.AsyncClient, admin_headers):
    response = await client.get("/api/issues/no-such-issue/merge-candidates", headers=admin_headers)

    assert response.status_code == 404
    assert "no-such-issue" in response.text


async def test_only_the_most_similar_candidates_are_listed_with_the_count_of_the_rest(
    client: httpx.AsyncClient, gateway, admin_headers
):
    # Fourteen issues around the first, each a little further from it than the one before.
    ids = await store_issues_centred(gateway.services.engine, "shop", [[1.0, 0.01 * k, 0.0] for k in range(14)])

    response = await client.get(f"/api/issues/{ids[0]}/merge-candidates", headers=admin_headers)

    assert response.status_code == 200, response.text
    assert MERGE_SUGGESTIONS_SHOWN == 10
    assert [candidate["id"] for candidate in response.json()["candidates"]] == ids[1:11]
    assert response.json()["more"] == 3
