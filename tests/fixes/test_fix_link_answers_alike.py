"""Linking a fix answers with the link as `GET /api/issues/{id}/fixes` lists it: every field alike, `standing` among
them (both databases).

`standing` was reported null in the answer of `POST /api/issues/{id}/fixes`; the store reads the link back with it in
the insert's transaction (gateway.store.fix_links.stored_link), so these pass as they are: they keep every value, not
only the keys (tests/fixes/test_fix_link_answers.py), alike for entries, live and canary prompt versions, and a task
resolved by a fix.
"""

from __future__ import annotations

import pytest
from page_seed import interaction_row, issue, store, task
from test_fix_links_api import new_entry, new_issue


async def listed_link(client, admin_headers, issue_id: str, link_id: str) -> dict:
    listed = await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)
    [link] = [link for link in listed.json()["data"] if link["id"] == link_id]
    return link


async def test_a_linked_entry_is_answered_as_it_is_listed(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    entry = await new_entry(client, admin_headers)

    linked = await client.post(
        f"/api/issues/{issue_id}/fixes", json={"kind": "knowledge", "fix_id": entry["id"]}, headers=admin_headers
    )

    assert linked.status_code == 201, linked.text
    assert linked.json() == await listed_link(client, admin_headers, issue_id, linked.json()["id"])
    assert linked.json()["standing"] == "active"


@pytest.mark.parametrize(
    ("published", "arm", "standing"),
    [({"active": True}, "live", "active"), ({"canary_share": 0.2}, "canary", "canary")],
)
async def test_a_linked_prompt_version_is_answered_as_it_is_listed(
    client, admin_headers, engine, published, arm, standing
):
    issue_id = await new_issue(engine)
    await client.post(
        "/api/prompts", json={"app": "support-bot", "text": "Be kind.", "active": True}, headers=admin_headers
    )
    body = {"app": "support-bot", "text": "Quote refund times.", **published}
    version = (await client.post("/api/prompts", json=body, headers=admin_headers)).json()

    linked = await client.post(
        f"/api/issues/{issue_id}/fixes",
        json={"kind": "prompt", "fix_id": version["id"], "arm": arm},
        headers=admin_headers,
    )

    assert linked.status_code == 201, linked.text
    assert linked.json() == await listed_link(client, admin_headers, issue_id, linked.json()["id"])
    assert linked.json()["standing"] == standing


async def test_a_task_resolved_by_a_new_entry_answers_its_link_as_it_is_listed(gateway, client, admin_headers):
    member_ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    issue_id = await issue(gateway, member_ids)
    task_id = await task(gateway, member_ids, issue_id=issue_id)
    body = {"kind": "knowledge", "reviewer": "rita", "title": "Transfer fees", "content": "1% abroad."}

    resolved = await client.post(f"/api/reviews/{task_id}/fix", json=body, headers=admin_headers)

    assert resolved.status_code == 201, resolved.text
    link = resolved.json()["link"]
    assert link == await listed_link(client, admin_headers, issue_id, link["id"])
    assert link["standing"] == "active"
