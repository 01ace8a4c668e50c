"""Every answer naming a fix link gives it as `GET /api/issues/{id}/fixes` lists it (one mapping, linked_fix_json):
a preview made live (`POST /api/previews/{id}/live`) and a task resolved by a fix (`POST /api/reviews/{id}/fix`)
answered the plain link, without the entry's version now and last edit (`entry_version`, `entry_updated_at`)."""

from __future__ import annotations

from page_seed import interaction_row, issue, store, task
from preview_seed import ENTRY, seed_issue


async def listed_link(client, admin_headers, issue_id: str, link_id: str) -> dict:
    """The link as the issue's fixes list it."""
    listed = (await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)).json()["data"]
    return next(link for link in listed if link["id"] == link_id)


async def entry_now(client, admin_headers, entry_id: str) -> tuple[int, str]:
    """The knowledge entry's version and last edit, as the knowledge API says them."""
    entry = (await client.get(f"/api/kb/{entry_id}", headers=admin_headers)).json()
    return entry["version"], entry["updated_at"]


async def test_a_preview_made_live_answers_its_link_with_the_entry_now(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    preview = await client.post(f"/api/issues/{issue_id}/previews", json={**ENTRY, "limit": 1}, headers=admin_headers)
    assert preview.status_code == 201, preview.text

    made = await client.post(f"/api/previews/{preview.json()['id']}/live", headers=admin_headers)

    assert made.status_code == 201, made.text
    link = made.json()["link"]
    assert set(link) == set(await listed_link(client, admin_headers, issue_id, link["id"]))
    entry_id = made.json()["fix"]["id"]
    assert (link["entry_version"], link["entry_updated_at"]) == await entry_now(client, admin_headers, entry_id)


async def test_a_task_resolved_by_a_new_entry_answers_its_link_with_the_entry_now(gateway, client, admin_headers):
    member_ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    issue_id = await issue(gateway, member_ids)
    task_id = await task(gateway, member_ids, issue_id=issue_id)
    body = {"kind": "knowledge", "reviewer": "rita", "title": "Transfer fees", "content": "1% abroad."}

    resolved = await client.post(f"/api/reviews/{task_id}/fix", json=body, headers=admin_headers)

    assert resolved.status_code == 201, resolved.text
    link = resolved.json()["link"]
    # Every value as listed (tests/fixes/test_fix_link_answers_alike.py: the other ways of linking), standing among them.
    assert link == await listed_link(client, admin_headers, issue_id, link["id"])
    assert link["standing"] == "active"
    entry_id = resolved.json()["fix"]["id"]
    assert (link["entry_version"], link["entry_updated_at"]) == await entry_now(client, admin_headers, entry_id)


async def test_a_task_resolved_by_a_fix_already_linked_answers_the_entry_edited_since(gateway, client, admin_headers):
    member_ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    issue_id = await issue(gateway, member_ids)
    task_id = await task(gateway, member_ids, issue_id=issue_id)
    knowledge = gateway.services.knowledge.service
    entry = await knowledge.create("support-bot", "Transfer fees", "1% abroad.", author="ana")
    linked = await gateway.services.fix_links.link_fix(issue_id, "knowledge", entry.id, actor="ana")
    await knowledge.edit(entry.id, author="ana", content="1% abroad, free at home.")
    body = {"kind": "linked", "reviewer": "rita", "link_id": linked.id}

    resolved = await client.post(f"/api/reviews/{task_id}/fix", json=body, headers=admin_headers)

    assert resolved.status_code == 201, resolved.text
    link = resolved.json()["link"]
    assert set(link) == set(await listed_link(client, admin_headers, issue_id, linked.id))
    assert (link["fix_version"], link["entry_version"]) == (1, 2)
