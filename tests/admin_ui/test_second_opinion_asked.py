"""A reviewer asks, on a task's page, that the task be decided by two different reviewers."""

from __future__ import annotations

import pytest
from html_page import csrf_token_of, parse
from page_seed import interaction_row, store, task

from gateway.accounts.records import Role
from gateway.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No task is drawn for a second opinion: only asking makes one need two reviewers."""
    return settings.model_copy(update={"review_second_opinion_share": 0.0})


async def test_a_reviewer_asks_for_a_second_opinion_from_the_task_page(browser_as, gateway):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    path = f"/admin/reviews/{await task(gateway, ids)}"
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get(path)).text)

    response = await rita.post(f"{path}/second-opinion", data={"note": "Policy question", "csrf_token": token})
    page = parse((await rita.get(response.headers["location"])).text)

    assert response.status_code == 303
    assert page.find("p", id="task-notice").text == "This task now needs decisions from two different reviewers."
    assert page.find_all("form", id="second-opinion-form") == []


async def test_a_viewer_cannot_ask_for_a_second_opinion(browser_as, gateway):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, ids)
    vic = await browser_as("vic", Role.VIEWER)
    token = csrf_token_of((await vic.get(f"/admin/reviews/{task_id}")).text)

    response = await vic.post(f"/admin/reviews/{task_id}/second-opinion", data={"csrf_token": token})

    assert response.status_code == 403
    assert (await gateway.services.reviews.get(task_id)).task.second_opinion is False
