"""In a real headless Chromium: a fix preview's replay takes seconds, and the form says so and is sent once."""

from __future__ import annotations

import types

import httpx
import pytest
from admin_helpers import PASSWORD
from preview_seed import seed_issue

from gateway.accounts.records import Role
from gateway.config import Settings

pytestmark = pytest.mark.browser


def test_a_preview_being_replayed_says_so_and_a_second_click_does_not_replay_it_again(
    settings: Settings, start_gateway, browser, fake_upstream, gateway_embedder
):
    gateway = start_gateway(settings)
    services = gateway.app.services

    async def seed() -> str:
        async with httpx.AsyncClient(base_url=gateway.origin) as http:
            issue_id, _ = await seed_issue(types.SimpleNamespace(services=services), http, model="gated-mini")
            return issue_id

    fake_upstream.app.release()  # the app's own calls go through; its replays are held below
    issue_id = gateway.run_coroutine(seed())
    fake_upstream.app.reset()
    gateway.run_coroutine(services.accounts.create("rita", Role.REVIEWER, PASSWORD, actor="test"))
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(gateway.origin + f"/admin/sign-in?next=/admin/issues/{issue_id}/previews")
    page.fill("input[name=name]", "rita")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#preview-prompt-form")
    page.wait_for_load_state("load")  # the deferred busy_forms.js has run
    page.fill("#preview-prompt-form textarea[name=text]", "Tell users: The transfer fee is 1%.")
    page.fill("#preview-prompt-form input[name=limit]", "1")

    button = page.locator("#preview-prompt-form button[type=submit]").bounding_box()
    # What the status line says is reported as it changes: once the form is sent, the page is navigating away
    # and reading it afterwards can race the navigation.
    said: list[str] = []
    page.on("console", lambda message: said.append(message.text) if message.type == "log" else None)
    page.evaluate(
        """() => { const status = document.querySelector("#preview-prompt-form [role=status]");
        new MutationObserver(() => console.log(status.textContent)).observe(status, {childList: true}); }"""
    )

    try:
        # The mouse, not a locator: a locator waits for the navigation the first click starts, held below.
        page.mouse.dblclick(button["x"] + button["width"] / 2, button["y"] + button["height"] / 2)
        page.wait_for_timeout(500)
        replays = [r for r in fake_upstream.app.requests if r.path == "/v1/chat/completions"]
    finally:
        fake_upstream.app.release()
    page.wait_for_url("**/admin/previews/**")

    assert said and said[0].startswith("Replaying the interactions with the instructions")
    assert len(replays) == 1
    assert len(gateway.run_coroutine(services.previews.for_issue(issue_id))) == 1
    page.close()
