"""The overview's review queue says what its in-time share is out of, as the tasks opened in the range stand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from html_page import parse
from page_seed import interaction_row, store, task
from sqlalchemy import update

from gateway.accounts.records import Role
from gateway.config import Settings
from gateway.review.records import Outcome
from gateway.store.tables.reviews import review_tasks


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second opinions: one decision resolves a task, whatever its id hashes to."""
    return settings.model_copy(update={"review_second_opinion_share": 0.0})


async def due_an_hour_ago(gateway, task_id: str) -> None:
    async with gateway.services.engine.begin() as connection:
        deadline = datetime.now(UTC) - timedelta(hours=1)
        await connection.execute(update(review_tasks).where(review_tasks.c.id == task_id).values(deadline=deadline))


def deadline_line(html: str) -> str:
    return parse(html).find(data_testid="deadline-share").text


async def test_the_share_in_time_names_the_tasks_it_counts_and_those_it_leaves_out(browser_as, gateway):
    ids = await store(gateway, *(interaction_row(f"Question {n}", f"Answer {n}") for n in range(5)))
    names = ("in time", "late", "overdue", "not due", "dismissed")
    tasks = {name: await task(gateway, [ids[n]], reason=name) for n, name in enumerate(names)}
    await gateway.services.reviews.decide(tasks["in time"], "otto", Outcome.APPROVE)
    await due_an_hour_ago(gateway, tasks["late"])
    await gateway.services.reviews.decide(tasks["late"], "otto", Outcome.APPROVE)
    await due_an_hour_ago(gateway, tasks["overdue"])
    await gateway.services.reviews.dismiss(tasks["dismissed"], "otto")
    viewer = await browser_as("vic", Role.VIEWER)

    said = deadline_line((await viewer.get("/admin/overview/traffic?days=7")).text)

    assert said == (
        "Of the 5 review tasks opened in the range, 1 was resolved by its deadline and 2 were late "
        "(resolved after it, or waiting past it): 33.3 % in time. "
        "Not counted: 1 still within its deadline, 1 dismissed."
    )


async def test_a_range_with_no_task_opened_says_so(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    said = deadline_line((await viewer.get("/admin/overview/traffic?days=7")).text)

    assert said == "No review task was opened in the range."
