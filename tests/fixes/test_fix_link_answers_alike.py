"""Linking a fix answers with the link as `GET /api/issues/{id}/fixes` lists it: every field alike, `standing` among
them (both databases).

`standing` was reported null in the answer of `POST /api/issues/{id}/fixes`; the store reads the link back with it in
the insert's transaction (gateway.store.fix_links.stored_link), so these pass as they are: they keep every value, not
only the keys (tests/fixes/test_fix_link_answers.py), alike for entries and live and canary prompt
versions (a task resolved by a fix: tests/fixes/test_fix_link_answers.py).
"""

from __future__ import annotations

import pytest
from test_fix_link_answers import listed_link
from test_fix_links_api import new_entry, new_issue


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
