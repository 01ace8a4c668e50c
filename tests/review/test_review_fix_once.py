"""`POST /api/reviews/{id}/fix` with an Idempotency-Key: sent twice, even at once, it makes one fix and one decision.

Without a key the repeat of a request that went through (a retry after a timeout, a double send) is a
409, the task being resolved already, and the client cannot tell it from a refusal. With the key,
claimed in the transaction that writes the fix, the decision and the link, the repeat answers 200 with
the task as resolved by the first request's fix, making and deciding nothing again.
"""

from __future__ import annotations

import asyncio

from test_review_fix_api import no_second_opinions, open_task

from gateway.store.knowledge import EntryFilter

__all__ = ["no_second_opinions"]

ENTRY = {"kind": "knowledge", "reviewer": "alice", "title": "Transfer fee", "content": "Transfers cost 1 %."}
VERSION = {"kind": "prompt", "reviewer": "alice", "text": "Quote the fee schedule.", "message": "fees were wrong"}


async def entry_ids(gateway) -> list[str]:
    page = await gateway.services.knowledge.service.list(EntryFilter(), limit=50)
    return [entry.id for entry in page.data]


async def test_a_knowledge_fix_sent_twice_at_once_makes_one_entry(gateway, client, admin_headers, no_second_opinions):
    task = await open_task(gateway, client, admin_headers)
    headers = {**admin_headers, "Idempotency-Key": "fix-1"}

    answers = await asyncio.gather(
        *(client.post(f"/api/reviews/{task['id']}/fix", json=ENTRY, headers=headers) for _ in range(2))
    )

    assert sorted(answer.status_code for answer in answers) == [200, 201], [answer.text for answer in answers]
    made = await entry_ids(gateway)
    assert len(made) == 1
    assert {answer.json()["fix"]["id"] for answer in answers} == {made[0]}
    assert [answer.json()["task"]["status"] for answer in answers] == ["resolved", "resolved"]
    detail = (await client.get(f"/api/reviews/{task['id']}", headers=admin_headers)).json()
    assert len(detail["decisions"]) == 1


async def test_a_knowledge_fix_sent_again_answers_the_resolved_task(gateway, client, admin_headers, no_second_opinions):
    task = await open_task(gateway, client, admin_headers)
    headers = {**admin_headers, "Idempotency-Key": "fix-1"}
    first = await client.post(f"/api/reviews/{task['id']}/fix", json=ENTRY, headers=headers)

    again = await client.post(f"/api/reviews/{task['id']}/fix", json=ENTRY, headers=headers)

    assert first.status_code == 201 and again.status_code == 200, again.text
    assert again.json()["fix"] == first.json()["fix"]
    assert again.json()["task"]["status"] == "resolved"
    assert len(await entry_ids(gateway)) == 1


async def test_the_key_sent_again_with_another_title_is_refused(gateway, client, admin_headers, no_second_opinions):
    task = await open_task(gateway, client, admin_headers)
    headers = {**admin_headers, "Idempotency-Key": "fix-1"}
    assert (await client.post(f"/api/reviews/{task['id']}/fix", json=ENTRY, headers=headers)).status_code == 201

    changed = await client.post(f"/api/reviews/{task['id']}/fix", json={**ENTRY, "title": "Card fee"}, headers=headers)

    assert changed.status_code == 422, changed.text
    assert "title" in changed.json()["detail"]
    assert len(await entry_ids(gateway)) == 1


async def test_a_prompt_fix_sent_twice_at_once_publishes_one_version(
    gateway, client, admin_headers, no_second_opinions
):
    task = await open_task(gateway, client, admin_headers)
    headers = {**admin_headers, "Idempotency-Key": "fix-2"}

    answers = await asyncio.gather(
        *(client.post(f"/api/reviews/{task['id']}/fix", json=VERSION, headers=headers) for _ in range(2))
    )

    assert sorted(answer.status_code for answer in answers) == [200, 201], [answer.text for answer in answers]
    listing = await gateway.services.prompts.service.list("support-bot")
    assert [item.version.number for item in listing.versions] == [1]
    assert [answer.json()["task"]["status"] for answer in answers] == ["resolved", "resolved"]


async def test_the_key_sent_for_another_task_is_refused(gateway, client, admin_headers, no_second_opinions):
    first_task = await open_task(gateway, client, admin_headers)
    other_task = await open_task(gateway, client, admin_headers)
    headers = {**admin_headers, "Idempotency-Key": "fix-1"}
    assert (await client.post(f"/api/reviews/{first_task['id']}/fix", json=ENTRY, headers=headers)).status_code == 201

    other = await client.post(f"/api/reviews/{other_task['id']}/fix", json=ENTRY, headers=headers)

    assert other.status_code == 422, other.text
    assert "task" in other.json()["detail"]
    assert (await client.get(f"/api/reviews/{other_task['id']}", headers=admin_headers)).json()["status"] != "resolved"
    assert len(await entry_ids(gateway)) == 1
