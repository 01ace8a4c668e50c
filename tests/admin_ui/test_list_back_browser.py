"""In a real headless Chromium: filter the Issues list, open an issue, and its breadcrumb leads back to the list as
it was filtered, also after an action on the issue's page."""

from __future__ import annotations

import pytest
from admin_helpers import signed_in_page
from overview_seed import issue_runs

from gateway.config import Settings

pytestmark = pytest.mark.browser


def filters_shown(page) -> dict[str, str]:
    """The Issues list's filter form as the browser shows it, by field name."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#issue-filters [name]')]
            .map(box => [box.name, box.value]))"""
    )


def filtered_list_opened_at_an_issue(settings: Settings, start_gateway, browser):
    """A page on one issue, opened from the Issues list filtered by search, app, status and sort; its id."""
    gateway = start_gateway(settings)
    engine = gateway.app.services.engine
    gateway.run_coroutine(issue_runs(engine, "bank", "Refund delays at the bank", [2, 3]))
    gateway.run_coroutine(issue_runs(engine, "shop", "Password resets", [5, 6]))
    issue_id = gateway.run_coroutine(issue_runs(engine, "shop", "Refund delays", [2, 4]))
    page = signed_in_page(gateway, browser)
    page.goto(gateway.origin + "/admin/issues")
    page.fill("#issue-filters input[name=q]", "refund")
    page.select_option("#issue-filters select[name=app]", "shop")
    page.select_option("#issue-filters select[name=status]", "new")
    page.select_option("#issue-filters select[name=sort]", "growth")
    page.click("#issue-filters button[type=submit]")
    page.wait_for_url("**/admin/issues?*")
    page.click(f"tr[data-issue-id='{issue_id}'] td.title a")
    page.wait_for_selector("[data-testid=issue-title]")
    return page, issue_id


EXPECTED = {"q": "refund", "app": "shop", "status": "new", "sort": "growth"}


def test_the_breadcrumb_returns_to_the_issues_list_with_its_filters(settings: Settings, start_gateway, browser):
    page, issue_id = filtered_list_opened_at_an_issue(settings, start_gateway, browser)

    page.click("[data-testid=back-to-list]")
    page.wait_for_selector("h1:text('Issues')")

    assert filters_shown(page) == EXPECTED
    assert page.eval_on_selector_all("tr[data-issue-id]", "rows => rows.map(row => row.dataset.issueId)") == [issue_id]
    page.close()


def test_after_renaming_the_issue_the_breadcrumb_still_keeps_the_filters(settings: Settings, start_gateway, browser):
    page, issue_id = filtered_list_opened_at_an_issue(settings, start_gateway, browser)

    page.fill("#rename-form input[name=title]", "Refund delays, slow")
    page.click("#rename-form button[type=submit]")
    page.wait_for_selector("text=Renamed.")
    page.click("[data-testid=back-to-list]")
    page.wait_for_selector("h1:text('Issues')")

    assert filters_shown(page) == EXPECTED
    assert page.inner_text(f"tr[data-issue-id='{issue_id}'] td.title") == "Refund delays, slow"
    page.close()


def test_showing_a_fixs_effect_keeps_the_way_back_in_the_address(settings: Settings, start_gateway, browser):
    from test_issue_effect_choice import two_fixes

    gateway = start_gateway(settings)
    issue_id, first, _ = gateway.run_coroutine(two_fixes(gateway.app.services))
    page = signed_in_page(gateway, browser)
    page.goto(f"{gateway.origin}/admin/issues/{issue_id}?back=app%3Dbank%26sort%3Dgrowth")
    page.click(f"tr[data-link-id='{first}'] [data-testid=show-effect]")
    page.wait_for_url(f"**link_id={first}**")

    page.reload()
    page.click("[data-testid=back-to-list]")
    page.wait_for_selector("h1:text('Issues')")

    assert page.url.endswith("/admin/issues?app=bank&sort=growth")
    page.close()


def test_after_editing_a_knowledge_entry_the_breadcrumb_returns_to_the_filtered_list(
    settings: Settings, start_gateway, browser
):
    gateway = start_gateway(settings)
    knowledge = gateway.app.services.knowledge.service
    gateway.run_coroutine(knowledge.create("bank", "Refunds at the bank", "Refunds take 5 days.", author="test"))
    gateway.run_coroutine(knowledge.create("shop", "Password resets", "Use the link.", author="test"))
    entry = gateway.run_coroutine(knowledge.create("shop", "Refunds", "Refunds take 3 days.", author="test"))
    page = signed_in_page(gateway, browser)
    page.goto(gateway.origin + "/admin/knowledge")
    page.fill("form[data-testid=search] input[name=app]", "shop")
    page.fill("form[data-testid=search] input[name=q]", "refund")
    page.select_option("form[data-testid=search] select[name=active]", "yes")
    page.click("form[data-testid=search] button[type=submit]")
    page.wait_for_url("**/admin/knowledge?*")
    page.click(f"tr[data-entry-id='{entry.id}'] a")

    page.fill("form[data-testid=edit-form] textarea[name=content]", "Refunds take 2 days.")
    page.click("form[data-testid=edit-form] button[type=submit]")
    page.wait_for_selector("text=Saved: edited.")
    page.click("[data-testid=back-to-list]")
    page.wait_for_selector("h1:text('Knowledge')")

    shown = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('form[data-testid=search] [name]')]
            .map(box => [box.name, box.value]))"""
    )
    assert shown == {"app": "shop", "q": "refund", "tag": "", "active": "yes"}
    rows = page.eval_on_selector_all("tr[data-entry-id]", "rows => rows.map(row => row.dataset.entryId)")
    assert rows == [entry.id]
    assert page.inner_text(f"tr[data-entry-id='{entry.id}'] td[data-label=Version]") == "2"
    page.close()
