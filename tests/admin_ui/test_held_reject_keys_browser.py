"""In a real headless Chromium: `r` refuses an app waiting on a held answer only once the reviewer confirms it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from admin_helpers import PASSWORD
from page_seed import held_task, interaction_row, task

from gateway.accounts.records import Role
from gateway.config import Settings

pytestmark = pytest.mark.browser

ASKED = "Reject the held answer? The app waiting for it is refused at once; this cannot be undone."


def signed_in_at(gateway, browser, path: str):
    """A reviewer's page at `path`, its keys ready; the page and the messages of the dialogs it opens."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(gateway.origin + f"/admin/sign-in?next={path}")
    page.fill("input[name=name]", "rita")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{path}")
    page.wait_for_load_state("load")  # the keys answer once review_keys.js has run
    return page


def start(settings: Settings, start_gateway, *, held: bool):
    """A gateway with one task (holding an answer its app still waits for, or not) and a reviewer; it and the id."""
    gateway = start_gateway(settings.model_copy(update={"review_second_opinion_share": 0.0}))
    services = gateway.app.services
    gateway.run_coroutine(services.accounts.create("rita", Role.REVIEWER, PASSWORD, actor="test"))
    row = interaction_row("What is the fee?", "There is no fee.")
    gateway.run_coroutine(services.interactions.insert_many([row]))
    hold_until = datetime.now(UTC) + timedelta(minutes=10)
    made = held_task(gateway.app, row["id"], hold_until) if held else task(gateway.app, [row["id"]])
    return gateway, gateway.run_coroutine(made)


def outcome_of(gateway, task_id: str) -> str | None:
    outcome = gateway.run_coroutine(gateway.app.services.reviews.get(task_id)).task.outcome
    return outcome.value if outcome else None


def test_r_on_a_held_answers_page_asks_first_and_refuses_nothing_when_declined(settings, start_gateway, browser):
    gateway, task_id = start(settings, start_gateway, held=True)
    page = signed_in_at(gateway, browser, f"/admin/reviews/{task_id}")
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))

    page.keyboard.press("r")

    page.wait_for_selector("#key-status:text('Not rejected: the app still waits for a review.')")
    assert asked == [ASKED]
    assert outcome_of(gateway, task_id) is None
    page.close()


def test_r_on_a_held_answers_page_rejects_it_once_confirmed(settings, start_gateway, browser):
    gateway, task_id = start(settings, start_gateway, held=True)
    page = signed_in_at(gateway, browser, f"/admin/reviews/{task_id}")
    page.on("dialog", lambda dialog: dialog.accept())

    page.keyboard.press("r")

    page.wait_for_selector("[data-testid=task-status]:has-text('resolved')")
    assert outcome_of(gateway, task_id) == "reject"
    page.close()


def test_r_on_a_page_holding_no_answer_rejects_at_once(settings, start_gateway, browser):
    gateway, task_id = start(settings, start_gateway, held=False)
    page = signed_in_at(gateway, browser, f"/admin/reviews/{task_id}")
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))

    page.keyboard.press("r")

    page.wait_for_selector("[data-testid=task-status]:has-text('resolved')")
    assert asked == [] and outcome_of(gateway, task_id) == "reject"
    page.close()


def test_r_in_the_queue_asks_first_for_a_held_answer(settings, start_gateway, browser):
    gateway, task_id = start(settings, start_gateway, held=True)
    page = signed_in_at(gateway, browser, "/admin/reviews")
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))

    page.keyboard.press("r")

    page.wait_for_selector("#key-status:text('Not rejected: the app still waits for a review.')")
    assert asked == [ASKED]
    assert outcome_of(gateway, task_id) is None
    page.close()
