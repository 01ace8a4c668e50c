"""A panel a page loads after itself, opened on its own by the browser (the page's link without its script, a new
tab), is a whole page with the way back; fetched by the page's script, it stays the bare fragment."""

from __future__ import annotations

import pytest
from html_page import parse
from overview_seed import issue_runs

from gateway.accounts.records import Role

OPENED = {"sec-fetch-mode": "navigate", "sec-fetch-dest": "document"}
# What a browser sends over plain http to a host other than localhost: no Sec-Fetch headers, a navigation's Accept.
OPENED_OVER_PLAIN_HTTP = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
FETCHED = {"sec-fetch-mode": "cors", "sec-fetch-dest": "empty", "accept": "text/html"}
OVERVIEW_PANELS = [
    ("/admin/overview/traffic", "Traffic and feedback"),
    ("/admin/overview/drift", "Drift"),
    ("/admin/overview/goals", "Goals"),
]
ISSUE_PANELS = [
    ("effect", "Effect of a fix"),
    ("map", "Negative feedback of bank"),
    ("merge-candidates", "Issues about"),
]


@pytest.mark.parametrize(("path", "title"), OVERVIEW_PANELS)
async def test_an_overview_panel_opened_on_its_own_is_a_page_that_leads_back_to_the_overview(browser_as, path, title):
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"{path}?days=7", headers=OPENED)).text)

    assert page.find("title").text.startswith(title)
    assert page.find("h1").text == title
    assert page.find("nav", aria_label="Main")
    assert page.find("a", data_testid="panel-back").attrs["href"] == "/admin?days=7"


@pytest.mark.parametrize(("panel", "title"), ISSUE_PANELS)
async def test_an_issue_panel_opened_on_its_own_is_a_page_that_leads_back_to_the_issue(
    browser_as, gateway, panel, title
):
    issue_id = await issue_runs(gateway.services.engine, "bank", "Card declined abroad", [3])
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{issue_id}/{panel}", headers=OPENED)).text)

    assert page.find("h1").text.startswith(title)
    assert page.find("a", data_testid="panel-back").attrs["href"] == f"/admin/issues/{issue_id}"


@pytest.mark.parametrize(("path", "title"), OVERVIEW_PANELS)
async def test_a_panel_the_page_script_fetches_is_the_bare_fragment(browser_as, path, title):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get(path, headers=FETCHED)

    assert "<html" not in response.text
    assert response.headers["vary"] == "sec-fetch-mode, accept"


async def test_a_panel_opened_over_plain_http_without_sec_fetch_headers_is_a_whole_page(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/overview/traffic", headers=OPENED_OVER_PLAIN_HTTP)).text)

    assert page.find("h1").text == "Traffic and feedback"
