"""In a real headless Chromium: open a review task from the queue and decide it with the keyboard."""

from __future__ import annotations

import pytest
from admin_helpers import PASSWORD
from page_seed import XSS, interaction_row, task
from test_admin_browser import capture, screenshots  # noqa: F401 (fixture)

from gateway.accounts.records import Role
from gateway.config import Settings

pytestmark = pytest.mark.browser


def test_open_a_task_and_claim_and_approve_it_with_the_keyboard(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings.model_copy(update={"review_second_opinion_share": 0.0}))
    services = gateway.app.services
    gateway.run_coroutine(services.accounts.create("rita", Role.REVIEWER, PASSWORD, actor="test"))
    row = interaction_row(f"What is the fee? {XSS}", f"The fee is 2%. {XSS}")
    gateway.run_coroutine(services.interactions.insert_many([row]))
    task_id = gateway.run_coroutine(task(gateway.app, [row["id"]], reason="Check the fee answer"))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(gateway.origin + "/admin/sign-in?next=/admin/reviews")
    page.fill("input[name=name]", "rita")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:text('Review queue')")
    assert page.get_attribute("tr.task-row.selected", "data-task-id") == task_id
    capture(page, screenshots, "review-queue")

    page.keyboard.press("Enter")
    page.wait_for_selector("#task-reason:text('Check the fee answer')")
    page.keyboard.press("c")
    page.wait_for_selector("[data-testid=task-status]:has-text('claimed by rita')")
    assert page.text_content("#task-notice") == "You claimed this task."
    page.keyboard.press("a")
    page.wait_for_selector("[data-testid=task-status]:has-text('resolved')")
    assert page.text_content("#task-notice") == "Decision recorded: approve."
    capture(page, screenshots, "review-task-decided")

    detail = gateway.run_coroutine(services.reviews.get(task_id))
    assert detail.task.status.value == "resolved" and detail.task.outcome.value == "approve"
    assert [decision.reviewer for decision in detail.decisions] == ["rita"]
    assert violations == [] and dialogs == []
    page.close()


def test_a_tasks_question_and_answer_each_take_half_the_card(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings)
    services = gateway.app.services
    gateway.run_coroutine(services.accounts.create("rita", Role.REVIEWER, PASSWORD, actor="test"))
    row = interaction_row("What is the fee for a transfer abroad?", "There is no fee. " * 20)
    gateway.run_coroutine(services.interactions.insert_many([row]))
    task_id = gateway.run_coroutine(task(gateway.app, [row["id"]], reason="Check the fee answer"))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(gateway.origin + f"/admin/reviews/{task_id}")
    page.fill("input[name=name]", "rita")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#task-reason")

    card = page.eval_on_selector(f"article[data-interaction-id='{row['id']}']", "e => e.clientWidth")
    answer = page.eval_on_selector(f"article[data-interaction-id='{row['id']}'] pre.answer", "e => e.offsetWidth")

    capture(page, screenshots, "review-task-exchange")
    assert answer > 0.4 * card, (answer, card)
    page.close()


def test_reloading_after_a_decision_does_not_announce_it_again(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    # The outcome rode in the URL (?done=approve): a reload, or going back and forward, said it again.
    gateway = start_gateway(settings.model_copy(update={"review_second_opinion_share": 0.0}))
    services = gateway.app.services
    gateway.run_coroutine(services.accounts.create("rita", Role.REVIEWER, PASSWORD, actor="test"))
    row = interaction_row("What is the fee?", "There is no fee.")
    gateway.run_coroutine(services.interactions.insert_many([row]))
    task_id = gateway.run_coroutine(task(gateway.app, [row["id"]], reason="Check the fee answer"))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(gateway.origin + f"/admin/sign-in?next=/admin/reviews/{task_id}")
    page.fill("input[name=name]", "rita")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#task-reason")

    page.click("#approve-form button")
    page.wait_for_selector("#task-notice")
    said = page.text_content("#task-notice")
    page.wait_for_function("() => !location.search.includes('done=')", timeout=5_000)
    page.reload()
    page.wait_for_selector("[data-testid=task-status]:has-text('resolved')")

    assert said == "Decision recorded: approve."
    assert page.url == gateway.origin + f"/admin/reviews/{task_id}"
    assert page.query_selector("#task-notice") is None
    page.close()


def signed_in_on_a_task(settings: Settings, start_gateway, browser) -> tuple[object, str]:
    """Rita, a reviewer, on an open task's page (its fix forms below the fold of a phone)."""
    gateway = start_gateway(settings.model_copy(update={"review_second_opinion_share": 0.0}))
    services = gateway.app.services
    gateway.run_coroutine(services.accounts.create("rita", Role.REVIEWER, PASSWORD, actor="test"))
    row = interaction_row("What is the fee?", "There is no fee.")
    gateway.run_coroutine(services.interactions.insert_many([row]))
    task_id = gateway.run_coroutine(task(gateway.app, [row["id"]], reason="Check the fee answer"))
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(gateway.origin + f"/admin/sign-in?next=/admin/reviews/{task_id}")
    page.fill("input[name=name]", "rita")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#task-reason")
    page.wait_for_load_state("load")  # the deferred scripts have run
    return page, task_id


def test_the_canary_share_shows_only_while_a_canary_is_chosen(settings: Settings, start_gateway, browser):
    page, _ = signed_in_on_a_task(settings, start_gateway, browser)
    share = page.locator("#prompt-form [data-canary-only]")

    shown_for_active = share.is_visible()
    page.select_option("#prompt-form select[name=rollout]", "canary")
    shown_for_a_canary = share.is_visible()
    page.select_option("#prompt-form select[name=rollout]", "active")

    assert (shown_for_active, shown_for_a_canary, share.is_visible()) == (False, True, False)
    page.close()


def test_a_refused_fix_form_gives_its_reason_the_focus(settings: Settings, start_gateway, browser):
    page, _ = signed_in_on_a_task(settings, start_gateway, browser)
    page.fill("#prompt-form textarea[name=text]", "Fees are 1%.")
    page.fill("#prompt-form input[name=message]", "fee")
    page.select_option("#prompt-form select[name=rollout]", "canary")
    page.fill("#prompt-form input[name=canary_percent]", "x")

    page.click("#prompt-form button[type=submit]")
    page.wait_for_selector("#task-error")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'task-error'")

    focused = page.evaluate("() => [document.activeElement.getAttribute('role'), document.activeElement.textContent]")
    assert focused[0] == "alert" and "percent" in focused[1]
    assert page.input_value("#prompt-form textarea[name=text]") == "Fees are 1%."
    page.close()
