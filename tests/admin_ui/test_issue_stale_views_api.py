"""Triage from a stale view over `PATCH /api/issues/{id}`: `expected_status` and `expected_title`, optional.

The rule is gateway.domain.issue_views.IssueView's, as on the pages (test_issue_stale_views.py).
"""

from __future__ import annotations

import asyncio
import re

from issue_seed import status_events
from overview_seed import issue_runs

from clustering.issue_status import IssueStatus
from gateway.domain.issue_views import IssueChanged, IssueView
from gateway.domain.issues import IssueDetail


async def test_two_changes_from_one_view_at_the_same_moment_make_one_and_refuse_the_other(gateway):
    # The check and the write are one transaction under the issue's lock: both cannot pass the check.
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds", [3])
    issues, seen = gateway.services.issue_service, IssueView(IssueStatus.NEW, "Refunds")

    outcomes = await asyncio.gather(
        issues.triage(issue_id, IssueStatus.RESOLVED, actor="rita", seen=seen),
        issues.triage(issue_id, IssueStatus.DISMISSED, actor="sam", seen=seen),
        return_exceptions=True,
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == [IssueChanged.__name__, IssueDetail.__name__]
    detail = await issues.get(issue_id)
    assert len(status_events(detail)) == 1


# -- PATCH /api/issues/{id} -----------------------------------------------------------------


async def test_the_api_refuses_a_status_change_from_a_stale_view_with_409(client, gateway, admin_headers):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds", [3])
    path = f"/api/issues/{issue_id}"
    resolved = await client.patch(path, json={"status": "resolved", "expected_status": "new"}, headers=admin_headers)

    stale = await client.patch(path, json={"status": "dismissed", "expected_status": "new"}, headers=admin_headers)

    assert resolved.status_code == 200
    assert stale.status_code == 409, stale.text
    body = stale.json()
    assert "its status is now 'resolved', not 'new'" in body["detail"] and "Nothing was saved" in body["detail"]
    assert body["extra"]["issue"]["status"] == "resolved"
    assert (await gateway.services.issue_service.get(issue_id)).issue.status == IssueStatus.RESOLVED


async def test_the_api_refuses_a_rename_from_a_stale_view_with_409(client, gateway, admin_headers):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds", [3])
    path = f"/api/issues/{issue_id}"
    await client.patch(path, json={"title": "Slow refunds", "expected_title": "Refunds"}, headers=admin_headers)

    stale = await client.patch(
        path, json={"title": "Refund delays", "expected_title": "Refunds"}, headers=admin_headers
    )

    assert stale.status_code == 409, stale.text
    assert "its title is now 'Slow refunds', not 'Refunds'" in stale.json()["detail"]
    assert (await gateway.services.issue_service.get(issue_id)).issue.title == "Slow refunds"


async def test_the_api_refuses_a_merge_from_a_stale_view_with_409(client, gateway, admin_headers):
    engine = gateway.services.engine
    issue_id = await issue_runs(engine, "shop", "Refunds", [3])
    target = await issue_runs(engine, "shop", "Refunds in general", [4])
    path = f"/api/issues/{issue_id}"
    await client.patch(path, json={"status": "resolved"}, headers=admin_headers)

    stale = await client.patch(
        path, json={"merged_into": target, "expected_status": "new", "expected_title": "Refunds"}, headers=admin_headers
    )

    assert stale.status_code == 409, stale.text
    detail = await gateway.services.issue_service.get(issue_id)
    assert (detail.issue.status, detail.issue.merged_into, detail.issue.size) == (IssueStatus.RESOLVED, None, 3)


async def test_the_api_makes_a_change_whose_view_is_current(client, gateway, admin_headers):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds", [3])
    path = f"/api/issues/{issue_id}"

    resolved = await client.patch(
        path, json={"status": "resolved", "expected_status": "new", "expected_title": "Refunds"}, headers=admin_headers
    )
    renamed = await client.patch(
        path,
        json={"title": "Slow refunds", "expected_status": "resolved", "expected_title": "Refunds"},
        headers=admin_headers,
    )

    assert (resolved.status_code, renamed.status_code) == (200, 200)
    assert (renamed.json()["status"], renamed.json()["title"]) == ("resolved", "Slow refunds")


async def test_the_api_repeats_the_same_change_without_error_recording_it_once(client, gateway, admin_headers):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds", [3])
    change = {"status": "resolved", "note": "fixed", "expected_status": "new"}

    first = await client.patch(f"/api/issues/{issue_id}", json=change, headers=admin_headers)
    again = await client.patch(f"/api/issues/{issue_id}", json=change, headers=admin_headers)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["status"] == "resolved"
    assert [event["kind"] for event in again.json()["events"]] == ["status"]


async def test_the_api_refuses_the_same_change_made_by_someone_else_when_its_note_would_be_lost(
    client, gateway, admin_headers
):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds", [3])
    path = f"/api/issues/{issue_id}"
    await gateway.services.issue_service.triage(issue_id, IssueStatus.RESOLVED, "by B", actor="bea")

    late = await client.patch(
        path, json={"status": "resolved", "note": "by A", "expected_status": "new"}, headers=admin_headers
    )

    assert late.status_code == 409, late.text
    body = late.json()
    assert "bea made that change" in body["detail"] and "its note was not saved" in body["detail"]
    assert body["extra"]["already_made"]["by"] == "bea" and body["extra"]["already_made"]["note"] == "by B"
    # In the API's one form of a time, as the issue's own (it was "+00:00" here, "Z" everywhere else).
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", body["extra"]["already_made"]["at"])
    assert body["extra"]["issue"]["status"] == "resolved"
    notes = [event["detail"].get("note") for event in (await client.get(path, headers=admin_headers)).json()["events"]]
    assert notes == ["by B"]


async def test_the_api_refuses_an_expected_title_longer_than_any_title_with_400_saying_the_limit(
    client, gateway, admin_headers
):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds", [3])

    refused = await client.patch(
        f"/api/issues/{issue_id}",
        json={"status": "resolved", "expected_title": "x" * 5000},
        headers=admin_headers,
    )

    assert refused.status_code == 400, refused.status_code
    assert "expected_title" in refused.text and "200" in refused.text and "x" * 300 not in refused.text
    assert (await gateway.services.issue_service.get(issue_id)).issue.status == IssueStatus.NEW


async def test_the_api_without_an_expected_field_changes_the_issue_as_before(client, gateway, admin_headers):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds", [3])
    path = f"/api/issues/{issue_id}"
    await client.patch(path, json={"status": "resolved"}, headers=admin_headers)

    # No view sent: nothing to check, the last change wins (the API's behaviour before expected_* existed).
    dismissed = await client.patch(path, json={"status": "dismissed"}, headers=admin_headers)
    renamed = await client.patch(path, json={"title": "Slow refunds"}, headers=admin_headers)

    assert (dismissed.status_code, renamed.status_code) == (200, 200)
    detail = await gateway.services.issue_service.get(issue_id)
    assert (detail.issue.status, detail.issue.title) == (IssueStatus.DISMISSED, "Slow refunds")


async def test_the_api_refuses_an_expected_status_it_does_not_know_naming_it(client, gateway, admin_headers):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds", [3])

    refused = await client.patch(
        f"/api/issues/{issue_id}", json={"status": "resolved", "expected_status": "fixed"}, headers=admin_headers
    )

    assert refused.status_code == 400
    said = "'expected_status' must be one of new, open, resolved, dismissed; got 'fixed'"
    assert refused.json()["extra"] == [{"key": "expected_status", "message": said, "source": "body"}]


# -- an issue merged since the view -------------------------------------------------------


async def merged_by_sam(gateway) -> tuple[str, str]:
    """A dismissed issue "Refunds", then merged by sam into another of its app (after a GET showed it not merged): both ids."""
    engine = gateway.services.engine
    issue_id = await issue_runs(engine, "shop", "Refunds", [3])
    target = await issue_runs(engine, "shop", "Refunds in general", [4])
    await gateway.services.issue_service.triage(issue_id, IssueStatus.DISMISSED, actor="rita")
    await gateway.services.issue_service.merge(issue_id, target, actor="sam")
    return issue_id, target


async def test_the_api_refuses_a_reopen_from_a_view_of_the_issue_before_its_merge_with_409_naming_who_and_into_which(
    client, gateway, admin_headers
):
    issue_id, target = await merged_by_sam(gateway)

    stale = await client.patch(
        f"/api/issues/{issue_id}",
        json={"status": "open", "expected_status": "dismissed", "expected_title": "Refunds"},
        headers=admin_headers,
    )

    assert stale.status_code == 409, stale.text
    body = stale.json()
    assert f"it was merged into {target!r} by sam" in body["detail"] and "Nothing was saved" in body["detail"]
    assert (body["extra"]["issue"]["status"], body["extra"]["issue"]["merged_into"]) == ("dismissed", target)
    detail = await gateway.services.issue_service.get(issue_id)
    assert (detail.issue.status, detail.issue.merged_into) == (IssueStatus.DISMISSED, target)
    assert [change.kind for change in detail.changes] == ["status", "merged_into"]


async def test_the_api_refuses_a_rename_from_a_view_of_the_issue_before_its_merge_with_409(
    client, gateway, admin_headers
):
    issue_id, target = await merged_by_sam(gateway)

    stale = await client.patch(
        f"/api/issues/{issue_id}",
        json={"title": "Slow refunds", "expected_status": "dismissed", "expected_title": "Refunds"},
        headers=admin_headers,
    )

    assert stale.status_code == 409, stale.text
    assert f"it was merged into {target!r} by sam" in stale.json()["detail"]
    assert (await gateway.services.issue_service.get(issue_id)).issue.title == "Refunds"


async def test_the_api_refuses_the_status_an_issue_merged_since_already_has_with_409_not_as_already_made(
    client, gateway, admin_headers
):
    # Dismissed by its merge, but not the unmerged dismissed issue the view showed: stale, not a repeat.
    issue_id, target = await merged_by_sam(gateway)

    stale = await client.patch(
        f"/api/issues/{issue_id}",
        json={"status": "dismissed", "note": "a duplicate", "expected_status": "dismissed"},
        headers=admin_headers,
    )

    assert stale.status_code == 409, stale.text
    assert f"it was merged into {target!r} by sam" in stale.json()["detail"]
    assert "already_made" not in stale.json()["extra"]


async def test_the_api_refuses_a_merge_into_another_issue_from_a_view_before_its_merge_with_409(
    client, gateway, admin_headers
):
    issue_id, target = await merged_by_sam(gateway)
    other = await issue_runs(gateway.services.engine, "shop", "Refund delays", [2])

    stale = await client.patch(
        f"/api/issues/{issue_id}", json={"merged_into": other, "expected_status": "dismissed"}, headers=admin_headers
    )

    assert stale.status_code == 409, stale.text
    assert f"it was merged into {target!r} by sam" in stale.json()["detail"]
    assert (await gateway.services.issue_service.get(other)).issue.size == 2


async def test_the_api_changes_a_merged_issue_from_a_view_that_showed_its_merge(client, gateway, admin_headers):
    issue_id, target = await merged_by_sam(gateway)

    reopened = await client.patch(
        f"/api/issues/{issue_id}",
        json={"status": "open", "expected_status": "dismissed", "expected_merged_into": target},
        headers=admin_headers,
    )

    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["status"], reopened.json()["merged_into"]) == ("open", target)


async def test_the_api_refuses_a_view_of_a_merge_the_issue_no_longer_has_with_409(client, gateway, admin_headers):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds", [3])
    shown = "0190aaaa-0000-7000-8000-000000000000"

    stale = await client.patch(
        f"/api/issues/{issue_id}", json={"status": "resolved", "expected_merged_into": shown}, headers=admin_headers
    )

    assert stale.status_code == 409, stale.text
    assert f"it is no longer merged into {shown!r}" in stale.json()["detail"]
    assert (await gateway.services.issue_service.get(issue_id)).issue.status == IssueStatus.NEW


async def test_the_api_without_an_expected_field_changes_a_merged_issues_status_as_before(
    client, gateway, admin_headers
):
    # No view sent: nothing to check (the opt-in contract); the status is the one it comes back with
    # if a clustering run finds its complaints apart again, as a run's own merge keeps one.
    issue_id, target = await merged_by_sam(gateway)

    reopened = await client.patch(f"/api/issues/{issue_id}", json={"status": "open"}, headers=admin_headers)

    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["status"], reopened.json()["merged_into"]) == ("open", target)
