"""In a real headless Chromium: filter the Issues list, open an issue, preview a fix, make it live, and the issue's
breadcrumb still leads back to the list as it was filtered."""

from __future__ import annotations

import types

import httpx
import pytest
from admin_helpers import signed_in_page
from preview_seed import seed_issue

from gateway.config import Settings

pytestmark = pytest.mark.browser


def test_a_fix_previewed_and_made_live_keeps_the_way_back_to_the_filtered_list(
    settings: Settings, start_gateway, browser, fake_upstream, gateway_embedder
):
    gateway = start_gateway(settings)
    services = gateway.app.services

    async def seed() -> str:
        async with httpx.AsyncClient(base_url=gateway.origin) as http:
            issue_id, _ = await seed_issue(types.SimpleNamespace(services=services), http)
            return issue_id

    issue_id = gateway.run_coroutine(seed())
    page = signed_in_page(gateway, browser)
    page.goto(gateway.origin + "/admin/issues")
    page.fill("#issue-filters input[name=q]", "fee")
    page.select_option("#issue-filters select[name=sort]", "growth")
    page.click("#issue-filters button[type=submit]")
    page.wait_for_url("**/admin/issues?*")
    page.click(f"tr[data-issue-id='{issue_id}'] td.title a")

    page.click("[data-testid=preview-a-fix]")
    page.fill("#preview-prompt-form textarea[name=text]", "Tell users: The transfer fee is 1%.")
    page.fill("#preview-prompt-form input[name=limit]", "1")
    page.click("#preview-prompt-form button[type=submit]")
    page.wait_for_url("**/admin/previews/**", timeout=60_000)
    page.fill("#make-live-form input[name=message]", "state the fee")
    page.click("#make-live-form button[type=submit]")
    page.wait_for_selector("text=The fix is live")
    page.click("[data-testid=back-to-list]")
    page.wait_for_selector("h1:text('Issues')")

    assert page.url.endswith("/admin/issues?q=fee&sort=growth")
    assert page.input_value("#issue-filters input[name=q]") == "fee"
    assert page.eval_on_selector_all("tr[data-issue-id]", "rows => rows.map(row => row.dataset.issueId)") == [issue_id]
    page.close()
