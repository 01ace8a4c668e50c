"""The Issues list's app filter shows the app the list is filtered by, also one with no issue to list."""

from __future__ import annotations

from html_page import parse
from overview_seed import issue_runs

from gateway.accounts.records import Role


def chosen_apps(html: str) -> list[str]:
    select = parse(html).find("form", id="issue-filters").find("select", name="app")
    return [option.attrs["value"] for option in select.find_all("option") if "selected" in option.attrs]


async def test_an_app_with_no_issue_stays_chosen_in_the_filter(browser_as, gateway):
    # Filtered by an app with no issue (a link from the overview's app, a bookmark), the select said "all apps"
    # above "No issues match these filters", and pressing Show then listed every app's issues.
    await issue_runs(gateway.services.engine, "shop", "Big and steady", [10, 11])
    viewer = await browser_as("vic", Role.VIEWER)

    answer = await viewer.get("/admin/issues?app=bank")

    assert answer.status_code == 200
    assert chosen_apps(answer.text) == ["bank"]
