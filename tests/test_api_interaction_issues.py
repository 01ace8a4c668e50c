"""GET /api/interactions/{id} names the issues holding the interaction as a complaint, as its admin page does:
the same rule (gateway.domain.complaint_issues), an issue merged away named by the issue holding its complaints."""

from __future__ import annotations

from issue_rows import store_issue
from test_api_interactions import make_interactions


async def test_an_interaction_in_an_issue_names_it_with_its_title_and_status(
    client, gateway, admin_headers, fake_upstream
):
    [interaction_id] = await make_interactions(client, 1)
    await gateway.services.writer.flush()
    app = (await gateway.services.interactions.get(interaction_id))["app"]
    await store_issue(gateway.services.engine, app, "refunds", [interaction_id])

    response = await client.get(f"/api/interactions/{interaction_id}", headers=admin_headers)

    assert response.status_code == 200
    assert response.json()["issues"] == [{"id": "refunds", "title": "About refunds", "status": "new"}]


async def test_an_interaction_of_an_issue_merged_away_names_the_issue_it_was_merged_into(
    client, gateway, admin_headers, fake_upstream
):
    ids = await make_interactions(client, 2)
    await gateway.services.writer.flush()
    app = (await gateway.services.interactions.get(ids[0]))["app"]
    await store_issue(gateway.services.engine, app, "refunds", [ids[0]])
    await store_issue(gateway.services.engine, app, "late-refunds", [ids[1]])
    await gateway.services.issue_service.merge("refunds", "late-refunds", actor="ana")

    response = await client.get(f"/api/interactions/{ids[0]}", headers=admin_headers)

    assert response.json()["issues"] == [{"id": "late-refunds", "title": "About late-refunds", "status": "new"}]


async def test_an_interaction_in_no_issue_names_none(client, gateway, admin_headers, fake_upstream):
    [interaction_id] = await make_interactions(client, 1)
    await gateway.services.writer.flush()

    response = await client.get(f"/api/interactions/{interaction_id}", headers=admin_headers)

    assert response.json()["issues"] == []
