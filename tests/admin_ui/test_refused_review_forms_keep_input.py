"""A refused review form comes back holding what the person typed, in the form that sent it, the field to fix marked
and described by the refusal (as the issue page's triage forms and the task page's fix forms do).

The issue page's "Open a review task" form came back empty (priority back to medium, the reason gone), and the task
page's reject comment and its second-opinion and dismiss notes were dropped, whatever the refusal.
"""

from __future__ import annotations

import pytest
from html_page import Element, csrf_token_of, parse, refused_fields
from issue_seed import issue_with_examples
from page_seed import interaction_row, store, task
from test_issue_review_held_by_closed_task import reviewed_issue

from gateway.accounts.records import Role
from gateway.config import Settings

# Over the 2000 characters a review task's reason (and a dismissal's note) may have.
LONG_REASON = " ".join(["Refunds are quoted as 14 days but take 5."] * 50)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No task drawn for a second opinion: every task page offers the second-opinion form."""
    return settings.model_copy(update={"review_second_opinion_share": 0.0})


def review_form(page: Element) -> Element:
    return page.find("form", id="review-form")


def selected_priority(form: Element) -> str:
    [chosen] = [option for option in form.find_all("option") if "selected" in option.attrs]
    return chosen.attrs["value"]


async def test_a_reason_too_long_comes_back_in_the_review_form_marked_with_the_priority_chosen(browser_as, gateway):
    issue_id = await issue_with_examples(gateway.services.engine)
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get(f"/admin/issues/{issue_id}")).text)

    refused = await rita.post(
        f"/admin/issues/{issue_id}/review", data={"csrf_token": token, "priority": "high", "reason": LONG_REASON}
    )

    assert refused.status_code == 400
    page = parse(refused.text)
    form = review_form(page)
    assert form.find("input", name="reason").attrs["value"] == LONG_REASON
    assert selected_priority(form) == "high"
    assert list(refused_fields(page, form)) == ["reason"]
    assert "“Reason” may be at most 2000 characters" in refused_fields(page, form)["reason"]


async def test_an_unknown_priority_comes_back_marked_with_the_reason_kept(browser_as, gateway):
    issue_id = await issue_with_examples(gateway.services.engine)
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get(f"/admin/issues/{issue_id}")).text)

    refused = await rita.post(
        f"/admin/issues/{issue_id}/review", data={"csrf_token": token, "priority": "urgent", "reason": "Look at it"}
    )

    assert refused.status_code == 400
    page = parse(refused.text)
    form = review_form(page)
    assert form.find("input", name="reason").attrs["value"] == "Look at it"
    assert list(refused_fields(page, form)) == ["priority"]


async def test_a_task_refused_as_holding_nothing_keeps_the_reason_and_priority_typed(browser_as, gateway):
    issue_id, _, _ = await reviewed_issue(gateway)
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get(f"/admin/issues/{issue_id}")).text)

    refused = await rita.post(
        f"/admin/issues/{issue_id}/review",
        data={"csrf_token": token, "priority": "low", "reason": "The fee answers again"},
    )

    assert refused.status_code == 409
    form = review_form(parse(refused.text))
    assert form.find("input", name="reason").attrs["value"] == "The fee answers again"
    assert selected_priority(form) == "low"


async def claimed_task(gateway) -> str:
    """A task otto holds the claim of, so rita's changes to it are refused (409) while it stays open."""
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, [interaction_id])
    await gateway.services.reviews.claim(task_id, "otto")
    return task_id


async def test_a_dismissal_refused_by_someone_elses_claim_keeps_the_note_in_the_dismiss_form_alone(browser_as, gateway):
    task_id = await claimed_task(gateway)
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get(f"/admin/reviews/{task_id}")).text)

    refused = await rita.post(
        f"/admin/reviews/{task_id}/dismiss", data={"csrf_token": token, "note": "A duplicate of the fee task"}
    )

    assert refused.status_code == 409
    page = parse(refused.text)
    assert (
        page.find("form", id="dismiss-form").find("input", name="note").attrs["value"] == "A duplicate of the fee task"
    )
    assert page.find("form", id="second-opinion-form").find("input", name="note").attrs.get("value", "") == ""


async def test_a_second_opinion_note_too_long_comes_back_marked_in_its_form(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, [interaction_id])
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get(f"/admin/reviews/{task_id}")).text)

    refused = await rita.post(
        f"/admin/reviews/{task_id}/second-opinion", data={"csrf_token": token, "note": LONG_REASON}
    )

    assert refused.status_code == 400
    page = parse(refused.text)
    form = page.find("form", id="second-opinion-form")
    assert form.find("input", name="note").attrs["value"] == LONG_REASON
    assert list(refused_fields(page, form)) == ["note"]


async def test_a_rejection_refused_by_someone_elses_claim_keeps_its_comment_in_the_reject_form_alone(
    browser_as, gateway
):
    task_id = await claimed_task(gateway)
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get(f"/admin/reviews/{task_id}")).text)

    refused = await rita.post(
        f"/admin/reviews/{task_id}/decide",
        data={"csrf_token": token, "outcome": "reject", "comment": "The fee is 1% abroad"},
    )

    assert refused.status_code == 409
    page = parse(refused.text)
    assert page.find("form", id="reject-form").find("input", name="comment").attrs["value"] == "The fee is 1% abroad"
    assert page.find("form", id="correct-form").find("input", name="comment").attrs.get("value", "") == ""
