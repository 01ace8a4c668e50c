"""The admin API says what the issue page says of a knowledge fix whose entry was edited since it went live: the
entry's version now (`entry_version`) and its last edit (`entry_updated_at`), beside the version that went live
(`fix_version`), in a task's issues' `live_fixes` and in the effect's `fix`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from page_seed import APP, interaction_row, issue, store, task


async def fixed_issue_with_task(gateway) -> tuple[str, str, str]:
    """An issue of 3 answers with version 1 of "Transfer fees" live since a minute ago, a task about it, then the
    entry edited twice: (issue, task, entry)."""
    services = gateway.services
    member_ids = await store(gateway, *(interaction_row(f"What is the fee {n}?", "2%") for n in range(3)))
    issue_id = await issue(gateway, member_ids, title="transfer fees")
    task_id = await task(gateway, member_ids, issue_id=issue_id)
    knowledge = services.knowledge.service
    entry = await knowledge.create(APP, "Transfer fees", "1% abroad.", author="ana")
    live_at = datetime.now(UTC) - timedelta(minutes=1)
    await services.fix_links.link_fix(issue_id, "knowledge", entry.id, live_at=live_at, actor="ana")
    await knowledge.edit(entry.id, author="ana", content="1% abroad, 0% at home.")
    await knowledge.edit(entry.id, author="ana", content="1% abroad, free at home.")
    return issue_id, task_id, entry.id


async def entry_now(client, admin_headers, entry_id: str) -> tuple[int, str]:
    entry = (await client.get(f"/api/kb/{entry_id}", headers=admin_headers)).json()
    return entry["version"], entry["updated_at"]


async def test_a_tasks_live_fixes_say_the_entrys_version_now_and_its_last_edit(gateway, client, admin_headers):
    _, task_id, entry_id = await fixed_issue_with_task(gateway)

    response = await client.get(f"/api/reviews/{task_id}", headers=admin_headers)

    assert response.status_code == 200, response.text
    [live] = response.json()["issues"][0]["live_fixes"]
    assert (live["fix_version"], live["entry_version"]) == (1, 3)
    assert live["entry_updated_at"] == (await entry_now(client, admin_headers, entry_id))[1]


async def test_the_effects_fix_says_the_entrys_version_now_and_its_last_edit(gateway, client, admin_headers):
    issue_id, _, entry_id = await fixed_issue_with_task(gateway)

    response = await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)

    assert response.status_code == 200, response.text
    fix = response.json()["fix"]
    assert (fix["fix_version"], fix["entry_version"], fix["entry_updated_at"]) == (
        1,
        *await entry_now(client, admin_headers, entry_id),
    )


async def test_a_prompt_version_fix_has_no_entry_version(gateway, client, admin_headers):
    services = gateway.services
    member_ids = await store(gateway, interaction_row("Be brief?", "No."))
    issue_id = await issue(gateway, member_ids, title="long answers")
    published = await services.prompts.service.publish(APP, "Be brief.", "one", "ana", activate=True)
    await services.fix_links.link_fix(issue_id, "prompt", published.version.id, actor="ana")

    fix = (await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)).json()["fix"]

    assert (fix["kind"], fix["entry_version"], fix["entry_updated_at"]) == ("prompt", None, None)


async def test_the_issues_fixes_say_the_entrys_version_now_and_its_last_edit(gateway, client, admin_headers):
    issue_id, _, entry_id = await fixed_issue_with_task(gateway)

    response = await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)

    assert response.status_code == 200, response.text
    [listed] = response.json()["data"]
    assert (listed["fix_version"], listed["entry_version"], listed["entry_updated_at"]) == (
        1,
        *await entry_now(client, admin_headers, entry_id),
    )


async def test_every_fix_link_answer_has_the_fields_of_the_effects_fix(gateway, client, admin_headers):
    issue_id, _, entry_id = await fixed_issue_with_task(gateway)
    body = {"kind": "knowledge", "fix_id": entry_id}

    linked = (await client.post(f"/api/issues/{issue_id}/fixes", json=body, headers=admin_headers)).json()
    effect = (await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)).json()
    listed = (await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)).json()["data"]

    # One mapping: the link just made, the issue's list, the effect's `fix` and its `fixes` carry the same fields.
    fields = set(effect["fix"])
    assert set(linked) == fields and all(set(link) == fields for link in listed + effect["fixes"])
    assert linked["entry_version"] == 3 and [link["entry_version"] for link in effect["fixes"]] == [3, 3]
