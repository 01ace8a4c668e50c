"""A review task page's Events table: each event's detail said readably, times as pages show them, issues linked."""

from __future__ import annotations

from datetime import UTC, datetime

from html_page import parse
from page_seed import interaction_row, issue, store, task

from admin_ui.rendering import when_text
from admin_ui.task_events import EventLine, event_view
from gateway.accounts.records import Role
from gateway.review.records import TaskEvent


def events_of(page_text: str) -> dict[str, list[tuple[str, str]]]:
    """The Events table's rows by the event's kind: the labelled lines of their Details cell."""
    rows = parse(page_text).find("section", id="task-events").find_all("tr", data_testid="task-event")
    return {
        row.find_all("td")[2].text: [
            (dt.text, dd.text) for dt, dd in zip(row.find_all("dt"), row.find_all("dd"), strict=True)
        ]
        for row in rows
    }


async def test_a_claim_says_until_when_as_the_pages_show_times(gateway, browser_as):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "There is no fee."))
    task_id = await task(gateway, [interaction_id])
    claimed = await gateway.services.reviews.claim(task_id, "otto")
    viewer = await browser_as("vic", Role.VIEWER)

    events = events_of((await viewer.get(f"/admin/reviews/{task_id}")).text)

    expires_at = claimed.task.lease.expires_at
    assert events["claimed"] == [("Claimed until", when_text(expires_at))]


async def test_an_opening_links_the_issue_by_its_title(gateway, browser_as):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "There is no fee."))
    issue_id = await issue(gateway, [interaction_id], title="Transfer fee answers")
    task_id = await task(gateway, [interaction_id], issue_id=issue_id)
    viewer = await browser_as("vic", Role.VIEWER)

    page_text = (await viewer.get(f"/admin/reviews/{task_id}")).text

    page = parse(page_text)
    [opened] = [row for row in page.find_all("tr", data_testid="task-event") if row.find_all("td")[2].text == "opened"]
    link = opened.find("dl", class_="event-detail").find("a")
    assert (link.text, link.attrs["href"]) == ("Transfer fee answers", f"/admin/issues/{issue_id}")
    assert {("Interactions added", "1"), ("Priority", "medium")} <= set(events_of(page_text)["opened"])


async def test_an_assignment_says_from_whom_to_whom(gateway, browser_as):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "There is no fee."))
    task_id = await task(gateway, [interaction_id])
    await gateway.services.reviews.assign(task_id, "otto", actor="rita")
    viewer = await browser_as("vic", Role.VIEWER)

    events = events_of((await viewer.get(f"/admin/reviews/{task_id}")).text)

    assert events["assigned"] == [("Assignee", "nobody → otto")]


async def test_a_nested_value_the_page_cannot_say_is_kept_as_folded_json(gateway, browser_as):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "There is no fee."))
    task_id = await task(gateway, [interaction_id], reason="Check the fee")
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/reviews/{task_id}")).text)

    [opened] = [row for row in page.find_all("tr", data_testid="task-event") if row.find_all("td")[2].text == "opened"]
    folded = opened.find("details", class_="event-rest")
    assert folded.find("summary").text == "More details"
    assert '"why": "Check the fee"' in folded.find("pre").text


def test_the_held_answers_hash_and_the_correction_as_written_are_never_shown():
    detail = {"outcome": "correct", "correction": "Call [phone]", "exact_correction": "Call 555-0100"}
    event = TaskEvent(
        "decided", "rita", datetime(2026, 12, 3, 12, 0, tzinfo=UTC), {**detail, "held_answer_sha256": "ab"}
    )

    shown = event_view(event, "support-bot", {})

    assert [(line.label, line.text) for line in shown.lines] == [("Outcome", "correct"), ("Correction", "Call [phone]")]
    assert shown.rest is None


def test_the_fix_a_decision_resolved_by_is_named_once_and_linked():
    fix = {"kind": "knowledge", "id": "e1", "version": 1, "label": "knowledge-base entry 'Fees' (e1, version 1)"}
    event = TaskEvent("decided", "rita", datetime(2026, 12, 3, 12, 0, tzinfo=UTC), {"outcome": "reject", "fix": fix})

    shown = event_view(event, "support-bot", {})

    assert shown.lines[-1] == EventLine("Fix", "knowledge-base entry 'Fees' (e1, version 1)", "/admin/knowledge/e1")


async def test_a_task_handed_over_by_a_merge_links_both_issues_by_their_titles(gateway, browser_as):
    first, second = await store(
        gateway, interaction_row("What is the fee?", "No fee."), interaction_row("Why a fee?", "There is none.")
    )
    merged_id = await issue(gateway, [first], title="Fee questions")
    kept_id = await issue(gateway, [second], title="Transfer fee answers")
    task_id = await task(gateway, [first], issue_id=merged_id)
    viewer = await browser_as("vic", Role.VIEWER)

    await gateway.services.issue_service.merge(merged_id, kept_id, actor="ana")

    events = events_of((await viewer.get(f"/admin/reviews/{task_id}")).text)
    # In the order the database keeps the detail's keys (PostgreSQL's JSONB sorts them).
    assert sorted(events["issue_merged"]) == [("Issue", "Transfer fee answers"), ("Merged away", "Fee questions")]


async def test_the_task_header_names_its_issue_by_title(gateway, browser_as):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "There is no fee."))
    issue_id = await issue(gateway, [interaction_id], title="Transfer fee answers")
    task_id = await task(gateway, [interaction_id], issue_id=issue_id)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/reviews/{task_id}")).text)

    [link] = [a for a in page.find_all("a") if a.attrs.get("href") == f"/admin/issues/{issue_id}"][:1]
    assert link.text == "Transfer fee answers"


def test_an_opening_about_no_issue_says_why_it_was_opened_not_issue_none():
    detail = {"source": "confidence", "issue_id": None}
    event = TaskEvent(at=datetime.now(UTC), kind="opened", actor="rule:confidence", detail=detail)

    assert event_view(event, "support-bot", {}).lines == [
        EventLine("Opened because", "the model was unsure of its answer")
    ]


async def test_an_issue_task_names_the_tasks_that_hold_its_issues_other_complaints(gateway, browser_as):
    ids = await store(
        gateway,
        interaction_row("What is the fee?", "2%"),
        interaction_row("Is there a fee?", "Yes."),
        interaction_row("Why a fee?", "Because."),
    )
    issue_id = await issue(gateway, ids, title="Transfer fee answers")
    first = await task(gateway, ids[:2], reason="Two answers first")
    await gateway.services.reviews.dismiss(first, "rita")  # closed, it keeps its two for good
    issue_task = await task(gateway, ids, issue_id=issue_id, reason="The whole issue")
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/reviews/{issue_task}")).text)

    said = page.find("p", data_testid="held-elsewhere")
    assert said.text.endswith(f"which held them first: {first} (2).")
    assert said.find("a").attrs["href"] == f"/admin/reviews/{first}"


async def test_a_claim_taking_over_anothers_task_says_whose_it_was(gateway, browser_as):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "There is no fee."))
    task_id = await task(gateway, [interaction_id])
    await gateway.services.reviews.assign(task_id, "bob", actor="rita")
    await gateway.services.reviews.claim(task_id, "otto")
    viewer = await browser_as("vic", Role.VIEWER)

    events = events_of((await viewer.get(f"/admin/reviews/{task_id}")).text)

    assert events["claimed"][0] == ("Assignee", "bob → otto")
