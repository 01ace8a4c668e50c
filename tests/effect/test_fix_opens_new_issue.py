"""A fix going live for an issue nobody had triaged opens it: whoever made the fix has looked at it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from effect_seed import REFUND, make_issue, seed_traffic
from test_fix_links_api import new_entry

from clustering.issue_status import IssueStatus


async def new_issue(engine) -> str:
    """An issue as a clustering pass finds it: new, nobody has triaged it."""
    now = datetime.now(UTC)
    members = await seed_traffic(engine, REFUND[:3], now - timedelta(days=1), now, 3, 3, 0)
    return await make_issue(engine, members, "refunds", status=IssueStatus.NEW)


async def link_entry(client, admin_headers, issue_id: str) -> None:
    entry = await new_entry(client, admin_headers)
    body = {"kind": "knowledge", "fix_id": entry["id"], "created_by": "ana"}
    response = await client.post(f"/api/issues/{issue_id}/fixes", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text


async def issue_status(client, admin_headers, issue_id: str) -> str:
    response = await client.get(f"/api/issues/{issue_id}", headers=admin_headers)
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


async def test_a_new_issue_is_open_once_a_fix_goes_live_for_it(client, admin_headers, engine):
    issue_id = await new_issue(engine)

    await link_entry(client, admin_headers, issue_id)

    assert await issue_status(client, admin_headers, issue_id) == "open"


async def test_opening_it_is_the_fix_makers_status_change_with_its_reason(client, admin_headers, engine):
    issue_id = await new_issue(engine)

    await link_entry(client, admin_headers, issue_id)

    audit = await client.get("/api/audit", params={"action": "issue.status"}, headers=admin_headers)
    [record] = audit.json()["data"]
    assert (record["actor"], record["subject_id"]) == ("ana", issue_id)
    assert (record["before"], record["after"], record["detail"]) == ("new", "open", "a fix went live for it")


async def test_a_fix_leaves_the_status_a_person_gave_the_issue(client, admin_headers, engine):
    issue_id = await new_issue(engine)
    dismissed = await client.patch(f"/api/issues/{issue_id}", json={"status": "dismissed"}, headers=admin_headers)
    assert dismissed.status_code == 200, dismissed.text

    await link_entry(client, admin_headers, issue_id)

    assert await issue_status(client, admin_headers, issue_id) == "dismissed"
