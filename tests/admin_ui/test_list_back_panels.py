"""The issue page's fix links (?link_id=) and its panels opened on their own keep the way back to the filtered Issues
list (admin_ui.list_back), as its forms do."""

from __future__ import annotations

from html_page import parse
from test_issue_effect_choice import two_fixes
from test_issue_merge_candidates import twin_issues

from gateway.accounts.records import Role

BACK = "back=app%3Dbank%26sort%3Dgrowth"
# What a browser opening a panel's address itself sends (admin_ui.rendering.render_panel): the panel in the pages' frame.
OPENED = {"sec-fetch-mode": "navigate"}


def crumb(html: str) -> str:
    """Where the issue page's breadcrumb back to its list leads."""
    return parse(html).find("a", data_testid="back-to-list").attrs["href"]


async def test_a_fix_rows_effect_links_keep_the_way_back(browser_as, gateway):
    issue_id, first, _ = await two_fixes(gateway.services)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{issue_id}?{BACK}")).text)

    row = next(row for row in page.find("table", id="fixes").find_all("tr") if row.attrs.get("data-link-id") == first)
    shown = row.find("a", data_testid="show-effect")
    assert shown.attrs["href"] == f"/admin/issues/{issue_id}?link_id={first}&{BACK}#effect"
    assert shown.attrs["data-effect-url"] == f"/admin/issues/{issue_id}/effect?link_id={first}&{BACK}"


async def test_the_issue_page_opened_at_a_fix_keeps_the_way_back(browser_as, gateway):
    issue_id, first, _ = await two_fixes(gateway.services)
    viewer = await browser_as("vic", Role.VIEWER)

    answer = await viewer.get(f"/admin/issues/{issue_id}?link_id={first}&{BACK}")

    assert crumb(answer.text) == "/admin/issues?app=bank&sort=growth"
    assert parse(answer.text).find("div", id="effect").attrs["data-fragment-url"] == (
        f"/admin/issues/{issue_id}/effect?link_id={first}&{BACK}"
    )


async def test_each_panel_opened_on_its_own_leads_back_to_the_issue_with_the_way_back(browser_as, gateway):
    issue_id, _first, _ = await two_fixes(gateway.services)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{issue_id}?{BACK}")).text)
    own = [box.find("a").attrs["href"] for box in page.find_all("div") if "data-fragment-url" in box.attrs]
    panels = [parse((await viewer.get(address, headers=OPENED)).text) for address in own]

    assert len(own) == 3 and all(BACK in address for address in own)
    assert {panel.find("a", data_testid="panel-back").attrs["href"] for panel in panels} == {
        f"/admin/issues/{issue_id}?{BACK}"
    }


async def test_the_merge_candidates_panel_on_its_own_leads_back_with_the_way_back(browser_as, gateway):
    refund, _twin, _password = await twin_issues(gateway.services.engine)
    reviewer = await browser_as("rita", Role.REVIEWER)

    panel = parse((await reviewer.get(f"/admin/issues/{refund}/merge-candidates?back=q%3Drefund", headers=OPENED)).text)

    assert panel.find("a", data_testid="panel-back").attrs["href"] == f"/admin/issues/{refund}?back=q%3Drefund"


async def test_a_panel_given_a_back_its_list_would_refuse_leads_back_to_the_bare_issue(browser_as, gateway):
    refund, _twin, _password = await twin_issues(gateway.services.engine)
    reviewer = await browser_as("rita", Role.REVIEWER)

    panel = parse(
        (await reviewer.get(f"/admin/issues/{refund}/merge-candidates?back=status%3Dbogus", headers=OPENED)).text
    )

    assert panel.find("a", data_testid="panel-back").attrs["href"] == f"/admin/issues/{refund}"
