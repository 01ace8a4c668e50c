"""An issue with several fixes linked over time: the issue page lets a person see each link's measured effect,
the one GET /api/issues/{id}/effect?link_id= gives, the latest by default."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from admin_helpers import PASSWORD
from html_page import parse
from overview_seed import issue_runs

from gateway.accounts.records import Role

APP = "bank"


async def two_fixes(services) -> tuple[str, str, str]:
    """An issue with two knowledge fixes, "Cards abroad" then "Travel mode", both live minutes ago (too early to
    measure, so no traffic is embedded); the issue's id and the two links' ids, the earlier first."""
    issue_id = await issue_runs(services.engine, APP, "Card declined abroad", [3])
    now = datetime.now(UTC)
    links = []
    for minutes, title in ((20, "Cards abroad"), (10, "Travel mode")):
        entry = await services.knowledge.service.create(APP, title, "Turn on travel mode.", author="kim")
        live_at = now - timedelta(minutes=minutes)
        links.append(await services.fix_links.link_fix(issue_id, "knowledge", entry.id, live_at=live_at, actor="kim"))
    return issue_id, links[0].id, links[1].id


def measured_fix(html: str) -> str:
    """The name of the fix an effect panel says it measured."""
    return parse(html).find(data_testid="effect-fix").find("a", data_testid="fix-name").text


async def test_each_fix_row_links_its_own_effect(browser_as, gateway):
    issue_id, first, second = await two_fixes(gateway.services)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{issue_id}")).text)

    shown = {
        row.attrs["data-link-id"]: row.find("a", data_testid="show-effect")
        for row in page.find("table", id="fixes").find_all("tr")
        if "data-link-id" in row.attrs
    }
    assert shown[first].attrs["href"] == f"/admin/issues/{issue_id}?link_id={first}#effect"
    assert shown[first].attrs["data-effect-url"] == f"/admin/issues/{issue_id}/effect?link_id={first}"
    assert shown[second].attrs["data-effect-url"] == f"/admin/issues/{issue_id}/effect?link_id={second}"


async def test_the_effect_panel_of_an_earlier_fix_measures_that_fix_as_the_api_does(
    browser_as, gateway, client, admin_headers
):
    issue_id, first, _ = await two_fixes(gateway.services)
    viewer = await browser_as("vic", Role.VIEWER)

    panel = await viewer.get(f"/admin/issues/{issue_id}/effect?link_id={first}")
    api = await client.get(f"/api/issues/{issue_id}/effect?link_id={first}", headers=admin_headers)

    assert panel.status_code == 200
    assert parse(panel.text).find(data_testid="effect").attrs["data-link-id"] == api.json()["fix"]["id"] == first
    assert measured_fix(panel.text) == "Cards abroad"
    assert api.json()["reason"] in parse(panel.text).find(data_testid="effect-reason").text


async def test_without_a_choice_the_effect_panel_measures_the_latest_fix(browser_as, gateway):
    issue_id, _, second = await two_fixes(gateway.services)
    viewer = await browser_as("vic", Role.VIEWER)

    panel = await viewer.get(f"/admin/issues/{issue_id}/effect")

    assert parse(panel.text).find(data_testid="effect").attrs["data-link-id"] == second
    assert measured_fix(panel.text) == "Travel mode"


async def test_the_page_opened_for_one_fix_loads_that_fixs_effect(browser_as, gateway):
    issue_id, first, _ = await two_fixes(gateway.services)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{issue_id}?link_id={first}")).text)

    assert page.find(id="effect").attrs["data-fragment-url"] == f"/admin/issues/{issue_id}/effect?link_id={first}"


async def test_a_fix_link_the_issue_does_not_have_is_404_on_the_page_and_the_panel(browser_as, gateway):
    issue_id, _, _ = await two_fixes(gateway.services)
    viewer = await browser_as("vic", Role.VIEWER)

    page = await viewer.get(f"/admin/issues/{issue_id}?link_id=no-such-link")
    panel = await viewer.get(f"/admin/issues/{issue_id}/effect?link_id=no-such-link")

    assert (page.status_code, panel.status_code) == (404, 404)
    assert "no fix link no-such-link" in parse(page.text).find(role="alert").text


@pytest.mark.browser
def test_show_its_effect_loads_that_fixs_effect_in_place_and_marks_its_row(settings, start_gateway, browser):
    gateway = start_gateway(settings)
    services = gateway.app.services
    gateway.run_coroutine(services.accounts.create("pia", Role.VIEWER, PASSWORD, actor="test"))
    issue_id, first, second = gateway.run_coroutine(two_fixes(services))
    page = browser.new_page()
    page.goto(gateway.origin + "/admin/sign-in")
    page.fill("input[name=name]", "pia")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:text('Overview')")
    page.goto(f"{gateway.origin}/admin/issues/{issue_id}")
    page.wait_for_selector(f"#fixes tr[data-link-id='{second}'][aria-current=true]")

    page.click(f"#fixes tr[data-link-id='{first}'] [data-testid=show-effect]")

    page.wait_for_selector(f"#effect [data-testid=effect][data-link-id='{first}']")
    assert page.text_content("#effect [data-testid=effect-fix] [data-testid=fix-name]") == "Cards abroad"
    assert page.eval_on_selector_all("#fixes tr[aria-current=true]", "rows => rows.map(r => r.dataset.linkId)") == [
        first
    ]
    assert page.url.endswith(f"?link_id={first}#effect")
    page.close()
