"""In a real headless Chromium: a fix preview's replay takes seconds, and the form says so and is sent once.

A send stopped before its answer (Esc, the browser's stop button) makes the forms sendable again.
"""

from __future__ import annotations

import types
from typing import Any

import httpx
import pytest
from admin_helpers import PASSWORD
from preview_seed import seed_issue

from gateway.accounts.records import Role
from gateway.config import Settings

pytestmark = pytest.mark.browser

SEND = "#preview-prompt-form button[type=submit]"
STATUS = "#preview-prompt-form [role=status]"
# What Chromium's stop button and its Esc key both do to the page's pending navigation.
STOP_LOADING = "Page.stopLoading"
# A browser without the Navigation API (as Firefox and Safari were): the page hears Esc, not the stop.
WITHOUT_NAVIGATION_API = "Object.defineProperty(window, 'navigation', {value: undefined, configurable: true});"
# The page's minute-long timers run 40 times faster (Playwright's clock cannot be moved while the page navigates).
FAST_MINUTES = """const realSetTimeout = window.setTimeout;
window.setTimeout = (run, ms, ...rest) => realSetTimeout(run, ms >= 60000 ? ms / 40 : ms, ...rest);"""


def previews_page(gateway, browser, fake_upstream, *, init_script: str | None = None) -> tuple[Any, str]:
    """A reviewer's phone on the previews page of an issue whose replays the fake upstream holds, prompt form filled."""
    services = gateway.app.services

    async def seed() -> str:
        async with httpx.AsyncClient(base_url=gateway.origin) as http:
            issue_id, _ = await seed_issue(types.SimpleNamespace(services=services), http, model="gated-mini")
            return issue_id

    fake_upstream.app.release()  # the app's own calls go through; its replays are held
    issue_id = gateway.run_coroutine(seed())
    fake_upstream.app.reset()
    gateway.run_coroutine(services.accounts.create("rita", Role.REVIEWER, PASSWORD, actor="test"))
    page = browser.new_page(viewport={"width": 390, "height": 844})
    if init_script is not None:
        page.add_init_script(init_script)
    page.goto(gateway.origin + f"/admin/sign-in?next=/admin/issues/{issue_id}/previews")
    page.fill("input[name=name]", "rita")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#preview-prompt-form")
    page.wait_for_load_state("load")  # the deferred busy_forms.js has run
    page.fill("#preview-prompt-form textarea[name=text]", "Tell users: The transfer fee is 1%.")
    page.fill("#preview-prompt-form input[name=limit]", "1")
    return page, issue_id


def send(page: Any, clicks: int = 1) -> None:
    """Click the prompt form's button with the mouse: a locator would wait for the navigation the click starts."""
    box = page.locator(SEND).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, click_count=clicks)


def watch(page: Any) -> list[str]:
    """What the prompt form's button and status line say, reported as it changes ("button: …", "status: …").

    Once the form is sent the page is navigating away, and reading it then races the navigation (Playwright
    reads the page being loaded): the page tells it instead, on the console.
    """
    said: list[str] = []
    page.on("console", lambda message: said.append(message.text) if message.type == "log" else None)
    page.evaluate(
        """([send, status]) => { for (const [name, selector] of [["button", send], ["status", status]]) {
            const part = document.querySelector(selector);
            new MutationObserver(() => console.log(name + ": " + part.textContent))
                .observe(part, {childList: true, characterData: true, subtree: true}); } }""",
        [SEND, STATUS],
    )
    return said


def sent_and_working(page: Any, fake_upstream: Any | None = None) -> None:
    """Send the prompt form once and wait until its button says it is working (and, given the fake upstream,
    until a replay reaches it: the form's navigation is then surely under way, so a stop has one to stop)."""

    def replays() -> int:
        return sum(r.path == "/v1/chat/completions" for r in fake_upstream.app.requests) if fake_upstream else 0

    before = replays()
    with page.expect_console_message(lambda message: message.text == "button: Working…"):
        send(page)
    if fake_upstream is None:
        return
    for _ in range(400):
        if replays() > before:
            return
        page.wait_for_timeout(50)
    raise AssertionError("no replay reached the upstream within 20 s")


def said_before(page: Any, said: list[str], start: str, *, seconds: float = 30) -> list[str]:
    """The first thing the page said that begins with `start`, and the thing said just before it."""
    for _ in range(int(seconds * 20)):
        found = next((index for index, text in enumerate(said) if text.startswith(start)), None)
        if found is not None:
            return said[max(found - 1, 0) : found + 1]
        page.wait_for_timeout(50)
    raise AssertionError(f"the page did not say {start!r} within {seconds} s; it said {said}")


def test_a_preview_being_replayed_says_so_and_a_second_click_does_not_replay_it_again(
    settings: Settings, start_gateway, browser, fake_upstream, gateway_embedder
):
    gateway = start_gateway(settings)
    page, issue_id = previews_page(gateway, browser, fake_upstream)
    said = watch(page)

    def replays() -> list[Any]:
        return [r for r in fake_upstream.app.requests if r.path == "/v1/chat/completions"]

    try:
        send(page, clicks=2)
        # The first replay's call, however loaded the machine (a fixed 500 ms missed it once on CI);
        # then as long again for a second one, which a second click would send about as fast.
        for _ in range(300):
            if replays():
                break
            page.wait_for_timeout(50)
        page.wait_for_timeout(500)
        replayed = replays()
    finally:
        fake_upstream.app.release()
    page.wait_for_url("**/admin/previews/**")

    statuses = [text for text in said if text.startswith("status: ")]
    assert statuses and statuses[0].startswith("status: Replaying the interactions with the instructions")
    assert len(replayed) == 1
    assert len(gateway.run_coroutine(gateway.app.services.previews.for_issue(issue_id))) == 1
    page.close()


def test_a_replay_stopped_before_its_answer_leaves_the_forms_sendable_again(
    settings: Settings, start_gateway, browser, fake_upstream, gateway_embedder
):
    gateway = start_gateway(settings)
    page, _ = previews_page(gateway, browser, fake_upstream)
    watch(page)
    stop_button = page.context.new_cdp_session(page)
    try:
        sent_and_working(page, fake_upstream)

        stop_button.send(STOP_LOADING)

        page.wait_for_function(f"() => document.querySelector('{SEND}').textContent === 'Preview the instructions'")
        stopped = page.text_content(STATUS)
    finally:
        fake_upstream.app.release()
    send(page)
    page.wait_for_url("**/admin/previews/**")

    assert stopped.startswith("Stopped before the answer came. The server may have done it anyway")
    page.close()


def test_without_the_navigation_api_esc_leaves_the_forms_sendable_again(
    settings: Settings, start_gateway, browser, fake_upstream, gateway_embedder
):
    gateway = start_gateway(settings)
    page, _ = previews_page(gateway, browser, fake_upstream, init_script=WITHOUT_NAVIGATION_API)
    said = watch(page)
    stop_button = page.context.new_cdp_session(page)
    try:
        sent_and_working(page, fake_upstream)

        with page.expect_console_message(lambda message: message.text.startswith("status: Stopped")):
            page.keyboard.press("Escape")
        after_esc = said[-2:]

        stop_button.send(STOP_LOADING)  # headless Chromium's Esc reaches the page but stops nothing
    finally:
        fake_upstream.app.release()

    # The unlocked form is sent again as in the test above; here, after a stop from another CDP session,
    # Playwright sometimes kept waiting for the stopped navigation (30 s, under a loaded host).
    assert after_esc == [
        "button: Preview the instructions",
        "status: Stopped before the answer came. The server may have done it anyway: reload the page to see, "
        "before sending it again.",
    ]
    page.close()


def test_without_the_navigation_api_a_minute_without_an_answer_leaves_the_forms_sendable_saying_so(
    settings: Settings, start_gateway, browser, fake_upstream, gateway_embedder
):
    gateway = start_gateway(settings)
    page, _ = previews_page(gateway, browser, fake_upstream, init_script=WITHOUT_NAVIGATION_API + FAST_MINUTES)
    said = watch(page)
    stop_button = page.context.new_cdp_session(page)
    try:
        sent_and_working(page, fake_upstream)

        # The fallback's minute (1.5 s here) may pass before the replay reaches the upstream on a loaded
        # host, so the page's word is looked for in what it has said, not awaited as a new message.
        after_a_minute = said_before(page, said, "status: No answer")

        stop_button.send(STOP_LOADING)
    finally:
        fake_upstream.app.release()

    assert after_a_minute == [
        "button: Preview the instructions",
        "status: No answer after a minute. If you stopped it (Esc or the stop button), you can send it again; "
        "if not, it is still running, and sending it again would run it twice.",
    ]
    page.close()


def test_a_refused_make_live_form_brings_its_reason_into_view_with_the_focus(
    settings: Settings, start_gateway, browser, fake_upstream, gateway_embedder
):
    gateway = start_gateway(settings)
    page, _ = previews_page(gateway, browser, fake_upstream)
    page.fill("#preview-prompt-form input[name=limit]", "3")  # each replayed answer lengthens the page
    fake_upstream.app.release()
    send(page)
    page.wait_for_url("**/admin/previews/**")
    page.wait_for_load_state("load")
    page.select_option("#make-live-form select[name=rollout]", "canary")
    page.fill("#make-live-form input[name=canary_percent]", "150")

    page.click("#make-live-form button[type=submit]")
    page.wait_for_selector("[data-testid=error]")
    page.wait_for_function("() => document.activeElement && document.activeElement.dataset.testid === 'error'")

    # The reason sits under the answers, screens below the top of a phone: the focus scrolls it into view.
    top, bottom, height, scrolled = page.evaluate(
        """() => { const box = document.activeElement.getBoundingClientRect();
        return [box.top, box.bottom, window.innerHeight, window.scrollY]; }"""
    )
    assert scrolled > 0 and top >= 0 and bottom <= height
    assert page.input_value("#make-live-form input[name=canary_percent]") == "150"
    page.close()
