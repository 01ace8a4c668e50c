"""In a real headless Chromium: a panel a page loads after itself, answered after its session ended, says so."""

from __future__ import annotations

import pytest
from admin_helpers import PASSWORD
from reverse_proxy import ReverseProxy
from test_issue_effect_choice import two_fixes

from gateway.accounts.records import Role

pytestmark = pytest.mark.browser


def test_show_its_effect_after_signing_out_elsewhere_says_the_session_ended(settings, start_gateway, browser):
    gateway = start_gateway(settings)
    services = gateway.app.services
    gateway.run_coroutine(services.accounts.create("pia", Role.VIEWER, PASSWORD, actor="test"))
    issue_id, first, _ = gateway.run_coroutine(two_fixes(services))
    context = browser.new_context()
    page = context.new_page()
    page.goto(gateway.origin + "/admin/sign-in")
    page.fill("input[name=name]", "pia")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:text('Overview')")
    page.goto(f"{gateway.origin}/admin/issues/{issue_id}")
    page.wait_for_selector("#effect [data-testid=effect]")
    other_tab = context.new_page()  # signed out there: the session of both tabs ends
    other_tab.goto(gateway.origin + "/admin")
    other_tab.click("button:text('Sign out')")
    other_tab.wait_for_selector("input[name=password]")

    page.click(f"#fixes tr[data-link-id='{first}'] [data-testid=show-effect]")

    page.wait_for_function("() => !document.querySelector('#effect').textContent.includes('Measuring')")
    # Not the sign-in page's form placed inside the panel, as if it were the fix's effect.
    assert page.locator("#effect form, #effect input").count() == 0
    assert "session has ended" in page.text_content("#effect")
    context.close()


# The overview's panels aggregate every call in their range: on a big database they come seconds after the page.
SLOW_PANELS = """
const realFetch = window.fetch;
window.fetch = (url, init) => String(url).startsWith("/admin/overview/")
  ? new Promise(resolve => setTimeout(resolve, 2000)).then(() => realFetch(url, init))
  : realFetch(url, init);
"""


def test_an_overview_panel_answered_after_signing_out_elsewhere_says_the_session_ended(
    settings, start_gateway, browser
):
    gateway = start_gateway(settings)
    gateway.run_coroutine(gateway.app.services.accounts.create("pia", Role.VIEWER, PASSWORD, actor="test"))
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(SLOW_PANELS)
    page.goto(gateway.origin + "/admin/sign-in")
    page.fill("input[name=name]", "pia")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:text('Overview')")
    other_tab = context.new_page()  # signed out there while this tab's panels are on their way
    other_tab.goto(gateway.origin + "/admin/users")
    other_tab.click("button:text('Sign out')")
    other_tab.wait_for_selector("input[name=password]")

    page.wait_for_function("() => !document.querySelector('[data-panel-src][aria-busy]')", timeout=10_000)

    # Not the sign-in page's form placed inside each panel, as if it were the panel.
    assert page.locator("[data-panel-src] form, [data-panel-src] input").count() == 0
    assert "session has ended" in page.text_content("[data-testid=traffic-panel]")
    context.close()


def test_under_a_proxys_path_prefix_a_panel_after_signing_out_says_the_session_ended(settings, start_gateway, browser):
    gateway = start_gateway(settings.model_copy(update={"root_path": "/feedgate"}))
    proxy = ReverseProxy(gateway.origin, prefix="/feedgate", keep_prefix=True).serve()
    services = gateway.app.services
    gateway.run_coroutine(services.accounts.create("pia", Role.VIEWER, PASSWORD, actor="test"))
    issue_id, first, _ = gateway.run_coroutine(two_fixes(services))
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(proxy.public_base + "/admin/sign-in")
        page.fill("input[name=name]", "pia")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("h1:text('Overview')")
        page.goto(f"{proxy.public_base}/admin/issues/{issue_id}")
        page.wait_for_selector("#effect [data-testid=effect]")
        other_tab = context.new_page()
        other_tab.goto(proxy.public_base + "/admin")
        other_tab.click("button:text('Sign out')")
        other_tab.wait_for_selector("input[name=password]")

        page.click(f"#fixes tr[data-link-id='{first}'] [data-testid=show-effect]")

        page.wait_for_function("() => !document.querySelector('#effect').textContent.includes('Measuring')")
        assert page.locator("#effect form, #effect input").count() == 0
        assert "session has ended" in page.text_content("#effect")
    finally:
        context.close()
        proxy.stop()
