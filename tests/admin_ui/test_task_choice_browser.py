"""In a real headless Chromium: a reviewer approves the second of three choices on the task page, and the
decisions table says so, linking to that choice."""

from __future__ import annotations

import pytest
from page_seed import interaction_row, task
from test_interaction_page_choices import chat_response
from test_narrow_layout_browser import _signed_in_page

from gateway.config import Settings

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


def test_a_reviewer_approves_a_later_choice_and_the_decision_says_which(settings: Settings, start_gateway, browser):
    gateway = start_gateway(settings.model_copy(update={"review_second_opinion_share": 0.0}))
    row = interaction_row("What is the fee?", "Free.", response=chat_response("Free.", "1% abroad.", "2 euros."))
    gateway.run_coroutine(gateway.app.services.interactions.insert_many([row]))
    task_id = gateway.run_coroutine(task(gateway.app, [row["id"]]))
    page = _signed_in_page(gateway, browser, DESKTOP)

    page.goto(gateway.origin + f"/admin/reviews/{task_id}")
    page.select_option("#approve-form select[name=choice]", "1")
    page.click("#approve-form button[type=submit]")
    page.wait_for_selector("#task-notice")
    judged = page.locator("#task-decisions td.judged-choice a")

    assert judged.inner_text() == "choice 1"
    judged.click()
    assert page.evaluate("() => document.querySelector('.choice:target').id") == f"{row['id']}-choice-1"
    detail = gateway.run_coroutine(gateway.app.services.reviews.get(task_id))
    assert [(d.outcome.value, d.choice) for d in detail.decisions] == [("approve", 1)]
    page.close()
