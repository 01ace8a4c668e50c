"""A closed review task's page reopens it: a dismissal or a decision made by mistake was final on the pages.

The pages offered "Dismiss" in one click, and a form sent to a task closed meanwhile was refused with "reopen it
first", but no page could reopen a task: only `PATCH /api/reviews/{id}` `{"action": "reopen"}`.
"""

from __future__ import annotations

import pytest
from html_page import csrf_token_of, parse
from page_seed import interaction_row, store, task

from gateway.accounts.records import Role
from gateway.config import Settings
from gateway.review.records import Outcome


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second opinions: one decision resolves a task, whatever its id hashes to."""
    return settings.model_copy(update={"review_second_opinion_share": 0.0})


async def dismissed_task(gateway) -> str:
    """A task dismissed by otto."""
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "There is no fee."))
    task_id = await task(gateway, [interaction_id])
    await gateway.services.reviews.dismiss(task_id, "otto", "by mistake")
    return task_id


async def test_a_dismissed_task_is_reopened_from_its_page_with_a_note(browser_as, gateway):
    task_id = await dismissed_task(gateway)
    reviewer = await browser_as("rita", Role.REVIEWER)
    html = (await reviewer.get(f"/admin/reviews/{task_id}")).text
    parse(html).find("form", id="reopen-form")

    response = await reviewer.post(
        f"/admin/reviews/{task_id}/reopen",
        data={"csrf_token": csrf_token_of(html), "note": "dismissed the wrong task"},
    )

    assert response.status_code == 303
    detail = await gateway.services.reviews.get(task_id)
    assert detail.task.status.value == "open" and detail.task.round == 2
    assert detail.events[-1].kind == "reopened" and detail.events[-1].actor == "rita"
    assert detail.events[-1].detail["note"] == "dismissed the wrong task"
    shown = parse((await reviewer.get(response.headers["location"])).text)
    assert shown.find(id="task-notice").text == "Task reopened: it is back in the queue with a new deadline."
    shown.find("form", id="approve-form")


async def test_a_resolved_task_is_reopened_from_its_page(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "There is no fee."))
    task_id = await task(gateway, [interaction_id])
    await gateway.services.reviews.decide(task_id, "otto", Outcome.APPROVE)
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/reviews/{task_id}")).text)

    response = await reviewer.post(f"/admin/reviews/{task_id}/reopen", data={"csrf_token": token})

    assert response.status_code == 303
    assert (await gateway.services.reviews.get(task_id)).task.status.value == "open"


async def test_an_open_task_offers_no_reopen_and_a_viewer_sees_none(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "There is no fee."))
    open_task = await task(gateway, [interaction_id])
    closed_task = await dismissed_task(gateway)
    reviewer = await browser_as("rita", Role.REVIEWER)
    viewer = await browser_as("vic", Role.VIEWER)

    assert parse((await reviewer.get(f"/admin/reviews/{open_task}")).text).find_all("form", id="reopen-form") == []
    assert parse((await viewer.get(f"/admin/reviews/{closed_task}")).text).find_all("form", id="reopen-form") == []
    parse((await reviewer.get(f"/admin/reviews/{closed_task}")).text).find("form", id="reopen-form")


async def test_reopening_a_task_reopened_meanwhile_is_refused_on_the_page(browser_as, gateway):
    task_id = await dismissed_task(gateway)
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/reviews/{task_id}")).text)
    await gateway.services.reviews.reopen(task_id, "otto")

    response = await reviewer.post(f"/admin/reviews/{task_id}/reopen", data={"csrf_token": token, "note": "again"})

    assert response.status_code == 409
    assert "is already open" in parse(response.text).find(id="task-error").text
    assert [event.kind for event in (await gateway.services.reviews.get(task_id)).events].count("reopened") == 1


async def test_a_decision_refused_on_a_closed_task_points_to_the_reopen_form(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "There is no fee."))
    task_id = await task(gateway, [interaction_id])
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/reviews/{task_id}")).text)
    await gateway.services.reviews.dismiss(task_id, "otto")

    response = await reviewer.post(
        f"/admin/reviews/{task_id}/decide", data={"csrf_token": token, "outcome": "reject", "comment": "wrong"}
    )

    assert response.status_code == 409
    page = parse(response.text)
    assert "Reopen it below first" in page.find(id="task-error").text
    page.find("form", id="reopen-form")
