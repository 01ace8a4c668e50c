"""The audit record of a fix link (`issue.fix_link`), and of one moved by a merge (`issue.fix_link_moved`), keeps what
was linked as GET /api/issues/{id}/fixes shows it, with the fix's name (both databases).

It kept the plain link: the entry's or prompt version's id, not its title or label, nor how the fix stood. An auditor
reading the log after the entry was deleted, or the version replaced, could not tell what went live.
"""

from __future__ import annotations

from datetime import datetime

from page_seed import interaction_row, issue, store, task
from test_fix_link_answers_alike import listed_link
from test_fix_links_api import new_entry, new_issue
from test_fix_links_follow_merges import linked_entry, two_issues


async def fix_link_audits(client, admin_headers) -> list[dict]:
    audit = await client.get("/api/audit", params={"action": "issue.fix_link"}, headers=admin_headers)
    return [timed(record["after"]) for record in audit.json()["data"]]


def timed(fields: dict) -> dict:
    """`fields` with their times read (the audit log writes "+00:00" where the API writes "Z")."""
    return {k: datetime.fromisoformat(v) if k.endswith("_at") and v else v for k, v in fields.items()}


async def test_a_linked_entry_is_audited_by_its_title_as_the_issues_fixes_show_it(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    entry = await new_entry(client, admin_headers)
    body = {"kind": "knowledge", "fix_id": entry["id"]}
    linked = (await client.post(f"/api/issues/{issue_id}/fixes", json=body, headers=admin_headers)).json()

    [after] = await fix_link_audits(client, admin_headers)

    listed = await listed_link(client, admin_headers, issue_id, linked["id"])
    assert after == timed({**listed, "name": "Refund times", "message": None})


async def test_a_linked_prompt_canary_is_audited_by_its_label_and_message(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    await client.post(
        "/api/prompts", json={"app": "support-bot", "text": "Be kind.", "active": True}, headers=admin_headers
    )
    canary = {"app": "support-bot", "text": "Quote refund times.", "message": "refunds", "canary_share": 0.2}
    version = (await client.post("/api/prompts", json=canary, headers=admin_headers)).json()
    body = {"kind": "prompt", "fix_id": version["id"], "arm": "canary"}
    await client.post(f"/api/issues/{issue_id}/fixes", json=body, headers=admin_headers)

    [after] = await fix_link_audits(client, admin_headers)

    assert (after["fix_id"], after["name"], after["message"]) == (version["id"], "v2", "refunds")
    assert (after["standing"], after["canary_share"]) == ("canary", 0.2)


async def test_a_task_resolved_by_a_new_entry_audits_its_link_by_the_entrys_title(gateway, client, admin_headers):
    member_ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    issue_id = await issue(gateway, member_ids)
    task_id = await task(gateway, member_ids, issue_id=issue_id)
    body = {"kind": "knowledge", "reviewer": "rita", "title": "Transfer fees", "content": "1% abroad."}
    resolved = (await client.post(f"/api/reviews/{task_id}/fix", json=body, headers=admin_headers)).json()

    [after] = await fix_link_audits(client, admin_headers)

    link = await listed_link(client, admin_headers, issue_id, resolved["link"]["id"])
    assert after == timed({**link, "name": "Transfer fees", "message": None})


async def test_a_fix_moved_by_a_merge_is_audited_from_which_issue_to_which_as_the_issue_merged_into_lists_it(
    client, admin_headers, engine
):
    merged, kept = await two_issues(engine)
    link = await linked_entry(client, admin_headers, merged)

    await client.patch(f"/api/issues/{merged}", json={"merged_into": kept}, headers=admin_headers)

    audit = await client.get("/api/audit", params={"action": "issue.fix_link_moved"}, headers=admin_headers)
    [record] = audit.json()["data"]
    listed = await listed_link(client, admin_headers, kept, link["id"])
    assert record["before"] == {"id": link["id"], "issue_id": merged}
    assert timed(record["after"]) == timed({**listed, "name": "Refund times", "message": None})
