"""Attacks on `GET /api/interactions?issue=` that hold up: no token, odd ids, a loop of merges (both databases)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import update
from test_api_interactions import an_issue_holding, make_interactions

from gateway.store.tables import issues


async def test_without_the_token_an_issue_filter_says_nothing_of_the_issue(client):
    unknown = await client.get("/api/interactions", params={"issue": "no-such-issue"})
    bearer_wrong = await client.get(
        "/api/interactions", params={"issue": "no-such-issue"}, headers={"authorization": "Bearer wrong"}
    )

    assert unknown.status_code == bearer_wrong.status_code == 401
    assert "no-such-issue" not in unknown.text + bearer_wrong.text


@pytest.mark.parametrize("issue", ["%", "refund_", "refunds' OR '1'='1", "x" * 37, "", "\u0000"])
async def test_an_id_that_is_no_issues_lists_nothing(client, gateway, admin_headers, fake_upstream, issue):
    ids = await make_interactions(client, 2)
    await gateway.services.writer.flush()
    await an_issue_holding(gateway, "refunds", ids)

    response = await client.get("/api/interactions", params={"issue": issue}, headers=admin_headers)

    assert response.status_code == 400  # never a LIKE pattern, a statement's text, or a 500


async def test_a_loop_of_merges_ends_at_the_last_issue_before_it(client, gateway, admin_headers, fake_upstream):
    # Never written by a merge (it refuses a merged target): a database edited by hand, or restored badly.
    ids = await make_interactions(client, 2)
    await gateway.services.writer.flush()
    await an_issue_holding(gateway, "first", ids[:1])
    await an_issue_holding(gateway, "second", ids[1:])
    async with gateway.services.engine.begin() as connection:
        await connection.execute(update(issues).where(issues.c.id == "first").values(merged_into="second"))
        await connection.execute(update(issues).where(issues.c.id == "second").values(merged_into="first"))

    response = await asyncio.wait_for(
        client.get("/api/interactions", params={"issue": "first"}, headers=admin_headers), timeout=10
    )

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["data"]] == [ids[1]]
