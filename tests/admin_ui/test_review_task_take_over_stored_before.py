"""Take-over events stored before update events named the task's issue: the task page names the issue all the same.

Until the issue rule's update named the task's issue in its event's detail (when the task already had that issue), the
event said "Taken over because similar complaints formed an issue" and not which. Those events stay as stored (no
migration): the page names the issue the task had then, as its earlier events tell it.
"""

from __future__ import annotations

from html_page import parse
from page_seed import interaction_row, issue, store, task
from sqlalchemy import select, update

from gateway.accounts.records import Role
from gateway.review.records import Priority, Source
from gateway.store.tables import review_events


async def issue_rule_takes_over(gateway, ids: list[str], issue_id: str) -> None:
    await gateway.services.reviews.open_or_update(
        app="support-bot",
        source=Source.ISSUE,
        reason="Issue \u201cTransfer fee answers\u201d has 2 complaints.",
        priority=Priority.HIGH,
        interaction_ids=ids,
        issue_id=issue_id,
        evidence={"issue": {"id": issue_id}},
    )


async def as_stored_before(gateway, task_id: str) -> None:
    """The task's update events without the `issue_id` their detail names now, as they were stored before."""
    e = review_events.c
    engine = gateway.services.engine
    async with engine.begin() as connection:
        rows = (await connection.execute(select(e.id, e.detail).where(e.task_id == task_id, e.kind == "updated"))).all()
        for event_id, detail in rows:
            older = {key: value for key, value in detail.items() if key != "issue_id"}
            await connection.execute(update(review_events).where(e.id == event_id).values(detail=older))


async def update_lines(client, task_id: str) -> list[tuple[str, object]]:
    page = parse((await client.get(f"/admin/reviews/{task_id}")).text)
    [updated] = [r for r in page.find_all("tr", data_testid="task-event") if r.find_all("td")[2].text == "updated"]
    return [(dt.text, dd) for dt, dd in zip(updated.find_all("dt"), updated.find_all("dd"), strict=True)]


async def test_a_take_over_stored_without_its_issue_names_the_tasks_issue_by_its_title(gateway, browser_as):
    ids = await store(gateway, interaction_row("What is the fee?", "2 %"), interaction_row("Any fee?", "None."))
    issue_id = await issue(gateway, ids, title="Transfer fee answers")
    task_id = await task(gateway, ids, reason="Check the fee answers", issue_id=issue_id)
    await issue_rule_takes_over(gateway, ids, issue_id)
    await as_stored_before(gateway, task_id)
    vic = await browser_as("vic", Role.VIEWER)

    lines = await update_lines(vic, task_id)

    assert lines[0][0] == "Taken over because"
    [issue_link] = [dd.find("a") for label, dd in lines if label == "Issue"]
    assert (issue_link.text, issue_link.attrs["href"]) == ("Transfer fee answers", f"/admin/issues/{issue_id}")


async def test_a_take_over_stored_without_its_issue_names_the_issue_the_task_had_then(gateway, browser_as):
    ids = await store(gateway, interaction_row("What is the fee?", "2 %"), interaction_row("Any fee?", "None."))
    fees = await issue(gateway, ids, title="Transfer fee answers")
    charges = await issue(gateway, ids[:1], title="Charges")
    task_id = await task(gateway, ids, reason="Check the fee answers", issue_id=fees)
    await issue_rule_takes_over(gateway, ids, fees)
    await as_stored_before(gateway, task_id)
    # Later, its issue was merged into another: the task follows it, the take-over was about the issue it had then.
    await gateway.services.reviews.follow_merged_issue(task_id, fees, charges)
    vic = await browser_as("vic", Role.VIEWER)

    lines = await update_lines(vic, task_id)

    [issue_link] = [dd.find("a") for label, dd in lines if label == "Issue"]
    assert (issue_link.text, issue_link.attrs["href"]) == ("Transfer fee answers", f"/admin/issues/{fees}")
