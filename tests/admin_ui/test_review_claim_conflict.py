"""A reviewer refused because someone else holds the task is told who, and until when as pages show times."""

from __future__ import annotations

import re
from datetime import timedelta

from html_page import csrf_token_of, parse
from page_seed import interaction_row, store, task

from admin_ui.rendering import duration_text, when_text
from admin_ui.review_task import wait_text
from gateway.accounts.records import Role


async def test_a_claim_held_by_someone_else_names_the_holder_and_the_time_as_the_page_shows_times(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, [interaction_id])
    lease = (await gateway.services.reviews.claim(task_id, "otto")).task.lease
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/reviews/{task_id}")).text)

    response = await reviewer.post(f"/admin/reviews/{task_id}/claim", data={"csrf_token": token})

    error = parse(response.text).find("p", id="task-error").text
    assert response.status_code == 409
    assert error.startswith(f"otto has claimed this task until {when_text(lease.expires_at)} (in 1")
    assert re.search(r"\(in 1[45] min\): wait for the claim to lapse or ask otto to release it\.$", error)
    assert lease.expires_at.isoformat() not in error


def test_an_estimated_wait_reads_as_the_pages_other_spans():
    assert (wait_text(0.4), wait_text(200.0), wait_text(4320.0), wait_text(None)) == (
        "under a minute",
        "3 h 20 min",
        "3 d 0 h",
        None,
    )


def test_a_span_under_a_minute_reads_as_such_not_as_0_min():
    assert [duration_text(timedelta(seconds=s)) for s in (0, 9, 59, 60, -5)] == [
        "under a minute",
        "under a minute",
        "under a minute",
        "1 min",
        "under a minute",
    ]
