"""The admin pages in a real headless Chromium: sign in, read the overview, add a user; screenshots kept.

Screenshots go to $FEEDGATE_SCREENSHOTS (CI keeps that directory as an artifact), else a temporary directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from admin_helpers import PASSWORD

from gateway.accounts.records import Role

pytestmark = pytest.mark.browser

# A page with the layout drawn is a PNG of tens of kilobytes; a blank one compresses to almost nothing.
MIN_SCREENSHOT_BYTES = 8_000


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where this run keeps its screenshots."""
    directory = Path(os.environ.get("FEEDGATE_SCREENSHOTS") or tmp_path / "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def capture(page, directory: Path, name: str) -> Path:  # `page`: a Playwright page
    """Save a full-page screenshot and check that something was drawn."""
    path = directory / f"admin-{name}.png"
    image = page.screenshot(path=str(path), full_page=True)
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(image) > MIN_SCREENSHOT_BYTES, f"{path} looks blank ({len(image)} bytes)"
    return path


def test_sign_in_see_the_overview_and_add_a_user(settings, start_gateway, browser, screenshots):
    gateway = start_gateway(settings)
    gateway.run_coroutine(gateway.app.services.accounts.create("root", Role.ADMIN, PASSWORD, actor="test"))
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )

    page.goto(gateway.origin + "/")
    assert page.url.startswith(gateway.origin + "/admin/sign-in")
    capture(page, screenshots, "sign-in")
    page.fill("input[name=name]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")

    page.wait_for_selector("h1:text('Overview')")
    assert page.text_content("[data-testid=user-name]") == "root"
    # The traffic, drift and goal panels arrive after the page, fetched by static/panels.js.
    page.wait_for_selector("[data-testid=traffic-panel][data-panel-loaded=true] svg.chart")
    page.wait_for_selector("[data-testid=drift-panel][data-panel-loaded=true]")
    page.wait_for_selector("[data-testid=goals-panel][data-panel-loaded=true]")
    assert page.text_content("[data-testid=interactions]") == "0"
    # The stylesheet loaded under the policy: the top bar has its dark background.
    assert page.eval_on_selector(".topbar", "e => getComputedStyle(e).backgroundColor") == "rgb(29, 36, 48)"
    capture(page, screenshots, "overview")

    page.click("nav >> text=Users")
    page.wait_for_selector("h1:text('Users')")
    page.fill("#add-user input[name=name]", "<b>ana</b>")
    page.select_option("#add-user select[name=role]", "reviewer")
    page.fill("#add-user input[name=password]", PASSWORD)
    page.click("#add-user button[type=submit]")

    row = page.wait_for_selector("tr[data-user='<b>ana</b>']")
    assert row.query_selector("td.name").text_content().strip() == "<b>ana</b>"
    assert row.query_selector("td.role-cell").text_content() == "reviewer"
    assert page.text_content("[role=status]") == "Added <b>ana</b> as a reviewer."
    capture(page, screenshots, "users")
    assert violations == []
    page.close()


def test_open_an_issue_and_its_examples_then_resolve_it(settings, start_gateway, browser, screenshots):
    from issue_seed import SCRIPT, issue_with_examples

    gateway = start_gateway(settings)
    services = gateway.app.services
    gateway.run_coroutine(services.accounts.create("rita", Role.REVIEWER, PASSWORD, actor="test"))
    issue_id = gateway.run_coroutine(issue_with_examples(services.engine))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(gateway.origin + "/admin/sign-in")
    page.fill("input[name=name]", "rita")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:text('Overview')")

    page.click("nav >> text=Issues")
    page.wait_for_selector(f"tr[data-issue-id='{issue_id}']")
    capture(page, screenshots, "issues")
    page.click(f"tr[data-issue-id='{issue_id}'] td.title a")
    page.wait_for_selector("[data-testid=example]")
    assert page.text_content("[data-testid=example] [data-part=comment]") == f"Wrong! {SCRIPT}"
    assert page.text_content("[data-testid=issue-title]") == f"Refund delays {SCRIPT}"
    # The map panel is loaded after the page by a script file, under the Content-Security-Policy.
    page.wait_for_selector("#feedback-map [data-testid=map-missing]")
    capture(page, screenshots, "issue")

    page.click("#status-resolved button[type=submit]")
    page.wait_for_selector("[role=status]")
    assert page.text_content("[role=status]") == "Resolved."
    assert page.text_content("[data-testid=issue-status]") == "resolved"
    assert dialogs == []
    page.close()


def test_a_page_loads_without_an_error_in_the_browsers_console(settings, start_gateway, browser):
    # The browser asked for /favicon.ico on every page and logged its 404 as an error.
    gateway = start_gateway(settings)
    gateway.run_coroutine(gateway.app.services.accounts.create("root", Role.ADMIN, PASSWORD, actor="test"))
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(gateway.origin + "/admin/sign-in?next=/admin/issues")
    page.fill("input[name=name]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:text('Issues')")
    page.wait_for_load_state("networkidle")

    assert errors == []
    assert page.evaluate("() => document.querySelector('link[rel=icon]').href").endswith("/admin/static/favicon.svg")
    page.close()


def test_an_admin_page_names_no_feature_the_browser_does_not_recognise(settings, start_gateway, browser):
    # Chromium logged "Error with Permissions-Policy header: Unrecognized feature: 'bluetooth'." on every page.
    gateway = start_gateway(settings)
    page = browser.new_page()
    said: list[str] = []
    page.on("console", lambda message: said.append(message.text) if "Permissions-Policy" in message.text else None)

    answer = page.goto(gateway.origin + "/admin/sign-in")
    page.wait_for_load_state("networkidle")

    named = {directive.split("=")[0].strip() for directive in answer.headers["permissions-policy"].split(",")}
    assert named <= set(page.evaluate("() => document.featurePolicy.features()"))
    assert said == []
    page.close()
