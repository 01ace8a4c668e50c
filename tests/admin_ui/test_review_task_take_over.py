"""A task a rule opened and another rule took over: its Events table says why it was opened and who took it over."""

from __future__ import annotations

from html_page import parse
from page_seed import interaction_row, issue, store, task

from gateway.accounts.records import Role
from gateway.review.records import Priority, Source


def event_rows(page_text: str) -> dict[str, list[tuple[str, str]]]:
    """The Events table's rows by the event's kind: the labelled lines of their Details cell."""
    rows = parse(page_text).find("section", id="task-events").find_all("tr", data_testid="task-event")
    return {
        row.find_all("td")[2].text: [
            (dt.text, dd.text) for dt, dd in zip(row.find_all("dt"), row.find_all("dd"), strict=True)
        ]
        for row in rows
    }


async def taken_over_task(gateway) -> tuple[str, str, list[str]]:
    """A task the similar-answers rule opened, then the issue rule took over for "Transfer fee answers"."""
    ids = await store(gateway, interaction_row("What is the fee?", "2 %"), interaction_row("Any fee?", "None."))
    opened = await gateway.services.reviews.open_or_update(
        app="support-bot",
        source=Source.SIMILAR_NEGATIVE,
        reason="4 of the 10 most similar recent answers got negative feedback",
        priority=Priority.MEDIUM,
        interaction_ids=ids[:1],
        evidence={"neighbours": []},
    )
    issue_id = await issue(gateway, ids, title="Transfer fee answers")
    await gateway.services.reviews.open_or_update(
        app="support-bot",
        source=Source.ISSUE,
        reason="Issue \u201cTransfer fee answers\u201d has 2 complaints.",
        priority=Priority.MEDIUM,
        interaction_ids=ids,
        issue_id=issue_id,
        evidence={"issue": {"id": issue_id}},
    )
    return opened.task.task.id, issue_id, ids


async def test_the_opening_says_why_in_words_and_no_issue_none(gateway, browser_as):
    task_id, _, _ = await taken_over_task(gateway)
    vic = await browser_as("vic", Role.VIEWER)

    opened = event_rows((await vic.get(f"/admin/reviews/{task_id}")).text)["opened"]

    assert opened[0] == ("Opened because", "similar recent answers got thumbs-down")
    assert [label for label, _ in opened if label in {"Issue", "Source"}] == []


async def test_the_take_over_says_why_first_and_names_the_issue_by_its_title(gateway, browser_as):
    task_id, issue_id, _ = await taken_over_task(gateway)
    vic = await browser_as("vic", Role.VIEWER)

    page = parse((await vic.get(f"/admin/reviews/{task_id}")).text)

    [updated] = [r for r in page.find_all("tr", data_testid="task-event") if r.find_all("td")[2].text == "updated"]
    lines = [(dt.text, dd) for dt, dd in zip(updated.find_all("dt"), updated.find_all("dd"), strict=True)]
    assert (lines[0][0], lines[0][1].text) == ("Taken over because", "similar complaints formed an issue")
    [issue_link] = [dd.find("a") for label, dd in lines if label == "Issue"]
    assert (issue_link.text, issue_link.attrs["href"]) == ("Transfer fee answers", f"/admin/issues/{issue_id}")


async def test_a_rule_taking_its_task_back_takes_it_over_and_telling_it_again_does_not(gateway, browser_as):
    task_id, _, ids = await taken_over_task(gateway)
    await gateway.services.reviews.open_or_update(
        app="support-bot",
        source=Source.SIMILAR_NEGATIVE,
        reason="5 of the 10 most similar recent answers got negative feedback",
        priority=Priority.MEDIUM,
        interaction_ids=ids[:1],
        evidence={"neighbours": []},
    )
    await gateway.services.reviews.open_or_update(
        app="support-bot",
        source=Source.SIMILAR_NEGATIVE,
        reason="6 of the 10 most similar recent answers got negative feedback",
        priority=Priority.HIGH,
        interaction_ids=ids[:1],
        evidence={"neighbours": []},
    )
    vic = await browser_as("vic", Role.VIEWER)

    page = parse((await vic.get(f"/admin/reviews/{task_id}")).text)

    updates = [r for r in page.find_all("tr", data_testid="task-event") if r.find_all("td")[2].text == "updated"]
    assert [u.find("dt").text for u in updates] == ["Taken over because", "Taken over because", "Source"]


async def test_the_issue_rule_taking_over_a_task_that_had_its_issue_names_that_issue_by_its_title(gateway, browser_as):
    ids = await store(gateway, interaction_row("What is the fee?", "2 %"), interaction_row("Any fee?", "None."))
    issue_id = await issue(gateway, ids, title="Transfer fee answers")
    task_id = await task(gateway, ids, reason="Check the fee answers", issue_id=issue_id)
    await gateway.services.reviews.open_or_update(
        app="support-bot",
        source=Source.ISSUE,
        reason="Issue \u201cTransfer fee answers\u201d has 2 complaints.",
        priority=Priority.HIGH,
        interaction_ids=ids,
        issue_id=issue_id,
        evidence={"issue": {"id": issue_id}},
    )
    vic = await browser_as("vic", Role.VIEWER)

    page = parse((await vic.get(f"/admin/reviews/{task_id}")).text)

    [updated] = [r for r in page.find_all("tr", data_testid="task-event") if r.find_all("td")[2].text == "updated"]
    lines = [(dt.text, dd) for dt, dd in zip(updated.find_all("dt"), updated.find_all("dd"), strict=True)]
    assert lines[0][0] == "Taken over because"
    [issue_link] = [dd.find("a") for label, dd in lines if label == "Issue"]
    assert (issue_link.text, issue_link.attrs["href"]) == ("Transfer fee answers", f"/admin/issues/{issue_id}")
