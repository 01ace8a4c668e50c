"""A decision form sent again (a double click, a browser's retry) records one decision; another decision stays a 409.

Each of a task page's approve, reject and correct forms carries its own idempotency key (admin_ui.form_keys),
claimed with the decision: the same form sent again answers as the first did, on both databases.
"""

from __future__ import annotations

import asyncio

import pytest
from html_page import hidden_fields, parse
from page_seed import interaction_row, store, task

from gateway.accounts.records import Role
from gateway.config import Settings
from gateway.review.records import Status


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Every task needs two different reviewers: the first decision leaves it open, awaiting the second."""
    return settings.model_copy(update={"review_second_opinion_share": 1.0})


async def task_page(gateway, browser_as):
    task_id = await task(gateway, await store(gateway, interaction_row("What is the fee?", "2 %")))
    rita = await browser_as("rita", Role.REVIEWER)
    return task_id, rita, parse((await rita.get(f"/admin/reviews/{task_id}")).text)


async def test_each_decision_form_carries_its_own_key(browser_as, gateway):
    _, _, page = await task_page(gateway, browser_as)

    keys = [hidden_fields(page, form)["idempotency_key"] for form in ("approve-form", "reject-form", "correct-form")]

    assert all(keys) and len(set(keys)) == 3


async def test_approve_sent_twice_on_a_task_awaiting_a_second_opinion_records_one_decision(browser_as, gateway):
    task_id, rita, page = await task_page(gateway, browser_as)
    approve = hidden_fields(page, "approve-form")

    first = await rita.post(f"/admin/reviews/{task_id}/decide", data=approve)
    again = await rita.post(f"/admin/reviews/{task_id}/decide", data=approve)

    assert first.status_code == again.status_code == 303, again.text[-600:]
    assert again.headers["location"] == first.headers["location"]
    detail = await gateway.services.reviews.get(task_id)
    assert [decision.reviewer for decision in detail.decisions] == ["rita"]
    assert detail.task.status is Status.OPEN
    assert [event.kind for event in detail.events].count("decided") == 1


async def test_approve_sent_twice_at_once_records_one_decision(browser_as, gateway):
    task_id, rita, page = await task_page(gateway, browser_as)
    approve = hidden_fields(page, "approve-form")

    answers = await asyncio.gather(*(rita.post(f"/admin/reviews/{task_id}/decide", data=approve) for _ in range(2)))

    assert [answer.status_code for answer in answers] == [303, 303]
    assert len((await gateway.services.reviews.get(task_id)).decisions) == 1


async def test_another_decision_by_the_same_reviewer_is_still_refused(browser_as, gateway):
    task_id, rita, page = await task_page(gateway, browser_as)
    assert (
        await rita.post(f"/admin/reviews/{task_id}/decide", data=hidden_fields(page, "approve-form"))
    ).status_code == 303

    reject = await rita.post(f"/admin/reviews/{task_id}/decide", data=hidden_fields(page, "reject-form"))

    assert reject.status_code == 409
    assert "needs a second opinion from a different reviewer" in parse(reject.text).find(id="task-error").text
    assert len((await gateway.services.reviews.get(task_id)).decisions) == 1


async def test_the_reject_form_sent_again_with_another_comment_is_refused(browser_as, gateway):
    task_id, rita, page = await task_page(gateway, browser_as)
    reject = hidden_fields(page, "reject-form")
    assert (await rita.post(f"/admin/reviews/{task_id}/decide", data={**reject, "comment": "wrong"})).status_code == 303

    again = await rita.post(f"/admin/reviews/{task_id}/decide", data={**reject, "comment": "wrong fee"})

    assert again.status_code == 409
    said = parse(again.text).find(id="task-error").text
    # Named as the form labels it (admin_ui.form_keys.differs_text), not as 'comment'.
    assert "already sent once" in said and "differs from it in “Comment”" in said
    assert len((await gateway.services.reviews.get(task_id)).decisions) == 1
