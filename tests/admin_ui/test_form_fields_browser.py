"""In a real headless Chromium, as a screen reader reads a form: every field has a name, and a refused field is
marked invalid and described by the reason, which names it as the page labels it."""

from __future__ import annotations

import re

import pytest
from admin_helpers import PASSWORD
from playwright.sync_api import expect

from gateway.accounts.records import Role
from gateway.config import Settings

pytestmark = pytest.mark.browser


def _signed_in_page(gateway, browser):  # a Playwright page, signed in as a reviewer
    gateway.run_coroutine(gateway.app.services.accounts.create("rita", Role.REVIEWER, PASSWORD, actor="test"))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(5_000)
    page.goto(gateway.origin + "/admin/sign-in")
    page.fill("input[name=name]", "rita")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:text('Overview')")
    return page


def test_a_refused_search_is_the_search_boxs_description(settings: Settings, start_gateway, browser):
    page = _signed_in_page(start_gateway(settings), browser)
    page.goto(page.url + "/interactions")

    page.get_by_role("searchbox", name="Search").fill("!!!")
    page.get_by_role("button", name="Search").click()

    search = page.get_by_role("searchbox", name="Search")
    expect(search).to_have_attribute("aria-invalid", "true")
    # The refusal first, then the box's own help.
    expect(search).to_have_accessible_description(
        re.compile(r"^Search: a search needs at least one word of letters or digits\. Newest first\.")
    )
    page.close()


def test_the_canary_share_of_a_new_prompt_version_has_a_name(settings: Settings, start_gateway, browser):
    page = _signed_in_page(start_gateway(settings), browser)
    page.goto(page.url + "/prompts?app=bot")

    share = page.get_by_test_id("publish-form").locator("input[name=share_percent]")

    expect(share).to_have_accessible_name("Canary share (% of traffic)")
    page.close()
