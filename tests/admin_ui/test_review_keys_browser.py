"""In a real headless Chromium: the queue's keys leave a focused link alone and say what they did."""

from __future__ import annotations

import pytest
from admin_helpers import PASSWORD
from page_seed import interaction_row, task

from gateway.accounts.records import Role
from gateway.config import Settings

pytestmark = pytest.mark.browser


def signed_in_queue(
    settings: Settings, start_gateway, browser, tasks: int, reason: str = "Task {n}", second_opinions: float = 1.0
):
    """A gateway with `tasks` tasks (each's reason `reason` with its number; `second_opinions`, the share needing a
    second reviewer) and a reviewer's page on its queue: the gateway, the page and the task ids."""
    gateway = start_gateway(settings.model_copy(update={"review_second_opinion_share": second_opinions}))
    services = gateway.app.services
    gateway.run_coroutine(services.accounts.create("rita", Role.REVIEWER, PASSWORD, actor="test"))
    rows = [interaction_row(f"Fee {n}?", f"{n}%") for n in range(tasks)]
    gateway.run_coroutine(services.interactions.insert_many(rows))
    ids = [
        gateway.run_coroutine(task(gateway.app, [row["id"]], reason=reason.format(n=n))) for n, row in enumerate(rows)
    ]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(gateway.origin + "/admin/sign-in?next=/admin/reviews")
    page.fill("input[name=name]", "rita")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:text('Review queue')")
    page.wait_for_load_state("load")  # the keys answer once review_keys.js has run
    return gateway, page, ids


def test_enter_on_a_focused_link_in_the_queue_follows_the_link(settings, start_gateway, browser):
    _, page, _ = signed_in_queue(settings, start_gateway, browser, 51)

    page.focus("a[rel=next]")
    page.keyboard.press("Enter")

    page.wait_for_url("**/admin/reviews?offset=50")
    page.close()


def test_a_decision_made_with_a_key_in_the_queue_is_said_on_the_queue(settings, start_gateway, browser):
    gateway, page, ids = signed_in_queue(settings, start_gateway, browser, 1)

    page.keyboard.press("a")

    # A second-opinion task stays open after one decision: the row alone would not show that anything happened.
    page.wait_for_selector("#key-status:text('You approved the task: Task 0.')")
    assert page.text_content("tr.task-row.selected td.status").strip() == "open"
    assert [d.reviewer for d in gateway.run_coroutine(gateway.app.services.reviews.get(ids[0])).decisions] == ["rita"]
    page.close()


def test_what_the_keys_say_of_a_task_ends_in_its_reasons_own_full_stop(settings, start_gateway, browser):
    # A rule's reason is a sentence with quotes of its own: wrapped in quotes and given a full stop of
    # its own, it read "the task “New issue “Fees” … pass.”.".
    reason = "New issue \u201cFees {n}\u201d found by one clustering pass."
    _, page, _ = signed_in_queue(settings, start_gateway, browser, 2, reason=reason)

    page.keyboard.press("j")
    selected = page.text_content("#key-status")
    page.keyboard.press("c")
    page.wait_for_selector("#key-status:text('You claimed')")
    claimed = page.text_content("#key-status")

    assert selected == "Task 2 of 2 selected: New issue \u201cFees 1\u201d found by one clustering pass."
    assert claimed == "You claimed the task: New issue \u201cFees 1\u201d found by one clustering pass."
    page.close()


def test_a_task_a_key_decided_leaves_the_queue_with_the_next_one_in_its_place_selected(
    settings, start_gateway, browser
):
    # The reviewer skipped the first task: approving the second took the selection back to the first.
    _, page, _ = signed_in_queue(settings, start_gateway, browser, 3, second_opinions=0.0)
    page.keyboard.press("j")

    page.keyboard.press("a")

    page.wait_for_selector("#key-status:text('You approved the task: Task 1.')")
    assert page.locator("tr.task-row").count() == 2
    assert page.text_content("tr.task-row.selected td.reason").strip() == "Task 2"
    page.close()
