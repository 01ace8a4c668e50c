"""A fix linked to an issue that is merged away goes with its complaints to the issue that holds them now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from effect_seed import REFUND, make_issue, seed_traffic

from gateway.domain.issues import IssueService
from gateway.effect.links import follow_fix_links_after_run
from gateway.store.issue_edits import IssueEditStore
from gateway.store.issues import IssueStore


async def two_issues(engine) -> tuple[str, str]:
    now = datetime.now(UTC)
    members = await seed_traffic(engine, REFUND[:4], now - timedelta(days=1), now, 4, 4, 0)
    return await make_issue(engine, members[:2], "refund delays"), await make_issue(engine, members[2:], "refunds")


async def linked_entry(client, admin_headers, issue_id: str) -> dict:
    body = {"app": "support-bot", "title": "Refund times", "content": "Refunds are paid within 5 working days."}
    entry = (await client.post("/api/kb", json=body, headers=admin_headers)).json()
    link = {"kind": "knowledge", "fix_id": entry["id"]}
    response = await client.post(f"/api/issues/{issue_id}/fixes", json=link, headers=admin_headers)
    assert response.status_code == 201, response.text
    return response.json()


async def fixes(client, admin_headers, issue_id: str) -> list[str]:
    listed = await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)
    return [link["id"] for link in listed.json()["data"]]


async def test_a_person_merging_a_fixed_issue_takes_its_fix_to_the_issue_merged_into(client, admin_headers, engine):
    merged, kept = await two_issues(engine)
    link = await linked_entry(client, admin_headers, merged)

    response = await client.patch(f"/api/issues/{merged}", json={"merged_into": kept}, headers=admin_headers)

    assert response.status_code == 200, response.text
    assert (await fixes(client, admin_headers, kept), await fixes(client, admin_headers, merged)) == ([link["id"]], [])
    audit = await client.get("/api/audit", params={"action": "issue.fix_link_moved"}, headers=admin_headers)
    [record] = audit.json()["data"]
    assert (record["before"]["issue_id"], record["after"]["issue_id"]) == (merged, kept)


async def test_a_fix_the_issue_merged_into_has_already_is_not_linked_twice(client, admin_headers, engine):
    merged, kept = await two_issues(engine)
    link = await linked_entry(client, admin_headers, merged)
    body = {"kind": "knowledge", "fix_id": link["fix_id"]}
    already = (await client.post(f"/api/issues/{kept}/fixes", json=body, headers=admin_headers)).json()

    await client.patch(f"/api/issues/{merged}", json={"merged_into": kept}, headers=admin_headers)

    assert await fixes(client, admin_headers, kept) == [already["id"]]


async def test_after_a_clustering_pass_the_fixes_of_issues_it_merged_away_follow(client, admin_headers, engine):
    merged, kept = await two_issues(engine)
    link = await linked_entry(client, admin_headers, merged)
    # Merged as a pass leaves it: without the listener a person's merge runs.
    await IssueService(IssueStore(engine), IssueEditStore(engine)).merge(merged, kept, actor="pass")

    moved = await follow_fix_links_after_run(engine, "support-bot")

    assert moved == 1
    assert await fixes(client, admin_headers, kept) == [link["id"]]


async def test_linking_a_fix_to_an_issue_merged_away_is_a_409_naming_the_issue_holding_its_complaints(
    client, admin_headers, engine
):
    merged, kept = await two_issues(engine)
    await client.patch(f"/api/issues/{merged}", json={"merged_into": kept}, headers=admin_headers)
    body = {"app": "support-bot", "title": "Refund times", "content": "Refunds are paid within 5 working days."}
    entry = (await client.post("/api/kb", json=body, headers=admin_headers)).json()

    link = {"kind": "knowledge", "fix_id": entry["id"]}
    response = await client.post(f"/api/issues/{merged}/fixes", json=link, headers=admin_headers)

    assert response.status_code == 409
    assert f"was merged into '{kept}'" in response.json()["detail"]
    assert (await fixes(client, admin_headers, merged), await fixes(client, admin_headers, kept)) == ([], [])
