"""A form refused because the task closed meanwhile says back what the person typed: the closed page has no form to hold it."""

from __future__ import annotations

from html_page import csrf_token_of, parse
from page_seed import interaction_row, store, task

from gateway.accounts.records import Role


async def test_a_dismissal_refused_on_a_task_closed_meanwhile_says_the_note_back(browser_as, gateway):
    reviewer, task_id, token = await _task_page_then_closed(browser_as, gateway)

    response = await reviewer.post(
        f"/admin/reviews/{task_id}/dismiss", data={"csrf_token": token, "note": "Same as the refund task"}
    )

    assert response.status_code == 409
    assert parse(response.text).find("p", id="task-error").text.endswith("Your note: “Same as the refund task”")


async def test_a_correction_refused_on_a_task_closed_meanwhile_says_the_correction_and_comment_back(
    browser_as, gateway
):
    reviewer, task_id, token = await _task_page_then_closed(browser_as, gateway)

    response = await reviewer.post(
        f"/admin/reviews/{task_id}/decide",
        data={
            "csrf_token": token,
            "outcome": "correct",
            "correction": "The fee is 1%.",
            "comment": "Per the rates page",
        },
    )

    assert response.status_code == 409
    error = parse(response.text).find("p", id="task-error").text
    assert error.endswith("Your correction: “The fee is 1%.” Your comment: “Per the rates page”")


async def _task_page_then_closed(browser_as, gateway):
    """A reviewer who opened a task's page (its form's CSRF token in hand), the task dismissed by another since."""
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, [interaction_id])
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/reviews/{task_id}")).text)
    await gateway.services.reviews.dismiss(task_id, "otto", "not a problem")
    return reviewer, task_id, token
