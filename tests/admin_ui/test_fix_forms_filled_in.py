"""The forms making a knowledge-base entry start filled in by one rule (gateway.review.suggestion.entry_draft).

The review task's entry form came with its Content filled with an end user's correction but its required Title
blank, so "Add the entry and resolve" stopped in the browser without a word; the issue's "Preview a fix" form came
empty. Both now start with the issue's title and the same correction.
"""

from __future__ import annotations

from html_page import parse
from page_seed import feedback, interaction_row, issue, store, task

from gateway.accounts.records import Role


async def issue_with_a_correction(gateway) -> tuple[str, str]:
    """An issue of one complaint corrected by its end user, and a task about it: (issue id, task id)."""
    ids = await store(gateway, interaction_row("What is the transfer fee?", "2%"))
    await feedback(gateway, ids[0], correction="The transfer fee is 1%.")
    issue_id = await issue(gateway, ids, title="Transfer fee answers")
    return issue_id, await task(gateway, ids, issue_id=issue_id)


async def test_the_task_pages_entry_form_starts_with_the_issues_title(browser_as, gateway):
    _, task_id = await issue_with_a_correction(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    form = parse((await rita.get(f"/admin/reviews/{task_id}")).text).find("form", id="knowledge-form")

    assert form.find("input", name="title").attrs["value"] == "Transfer fee answers"
    assert form.find("textarea", name="content").text == "The transfer fee is 1%."


async def test_the_issues_preview_form_starts_with_its_title_and_correction(browser_as, gateway):
    issue_id, _ = await issue_with_a_correction(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    form = parse((await rita.get(f"/admin/issues/{issue_id}/previews")).text).find("form", id="preview-knowledge-form")

    assert form.find("input", name="title").attrs["value"] == "Transfer fee answers"
    assert form.find("textarea", name="content").text == "The transfer fee is 1%."


async def test_the_task_pages_entry_form_starts_with_the_tasks_questions_as_example_questions(browser_as, gateway):
    _, task_id = await issue_with_a_correction(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    form = parse((await rita.get(f"/admin/reviews/{task_id}")).text).find("form", id="knowledge-form")

    assert form.find("textarea", name="example_questions").text == "What is the transfer fee?"


async def test_the_issues_preview_form_starts_with_its_questions_as_example_questions(browser_as, gateway):
    issue_id, _ = await issue_with_a_correction(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    form = parse((await rita.get(f"/admin/issues/{issue_id}/previews")).text).find("form", id="preview-knowledge-form")

    assert form.find("textarea", name="example_questions").text == "What is the transfer fee?"
