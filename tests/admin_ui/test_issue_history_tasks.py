"""An issue page's history names the review tasks opened on the issue, by a rule or a person, beside its own events."""

from __future__ import annotations

from html_page import parse
from overview_seed import issue_runs

from gateway.accounts.records import Role
from gateway.review.records import Priority, Source


async def test_a_task_a_rule_opened_on_the_issue_is_in_its_history(browser_as, gateway):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds are late", [4])
    detail = await gateway.services.issue_service.get(issue_id)
    opened = await gateway.services.reviews.open_or_update(
        app="shop",
        source=Source.ISSUE,
        reason="Issue grew to 4 complaints",
        priority=Priority.HIGH,
        interaction_ids=detail.member_ids,
        issue_id=issue_id,
    )
    assert opened is not None
    viewer = await browser_as("vic", Role.VIEWER)

    events = parse((await viewer.get(f"/admin/issues/{issue_id}")).text).find("table", id="events")

    [row] = events.find_all("tr", data_kind="review task opened")
    assert row.find_all("td")[2].text == "rule:issue"
    assert "Issue grew to 4 complaints" in row.text
    assert row.find("a", data_testid="event-task").attrs["href"] == f"/admin/reviews/{opened.task.task.id}"
    assert "Nothing has happened" not in events.text


async def test_an_issue_with_no_event_and_no_task_says_so(browser_as, gateway):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds are late", [4])
    viewer = await browser_as("vic", Role.VIEWER)

    events = parse((await viewer.get(f"/admin/issues/{issue_id}")).text).find("table", id="events")

    assert events.find(data_testid="no-events").text == (
        "Nothing has happened to it since a clustering run found it: no triage, and no review task opened on it."
    )


async def test_the_apis_events_name_the_task_opened_on_the_issue_as_the_page_does(client, gateway, admin_headers):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds are late", [4])
    detail = await gateway.services.issue_service.get(issue_id)
    opened = await gateway.services.reviews.open_or_update(
        app="shop",
        source=Source.ISSUE,
        reason="Issue grew to 4 complaints",
        priority=Priority.HIGH,
        interaction_ids=detail.member_ids,
        issue_id=issue_id,
    )
    assert opened is not None

    events = (await client.get(f"/api/issues/{issue_id}", headers=admin_headers)).json()["events"]

    [task] = [event for event in events if event["kind"] == "review task opened"]
    assert task["detail"] == {"by": "rule:issue", "reason": "Issue grew to 4 complaints", "task": opened.task.task.id}
    assert task["run_id"] is None
