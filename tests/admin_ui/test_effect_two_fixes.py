"""Two fixes on one issue: each fix's windows stop at the other's `live_at`, and the API and the panel say so.

The latest fix's before window reached back across the earlier fix's going live, into time when the rate was still
the one without any fix: a fall the first fix made read as the second's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from html_page import parse
from test_issue_effect_panel import APP, H, KeywordEmbedder, rated, refund_issue

from gateway.accounts.records import Role
from gateway.effect.service import EffectService, effect_settings

DAY = timedelta(days=1)


@pytest.fixture
async def two_fixes(gateway, client, admin_headers) -> dict[str, str]:
    """A refund issue at 90 % negative until its first fix (three days ago), 40 % after it, and still 40 % after its
    second fix (two days ago): the issue's id and both links' ids."""
    services = gateway.services
    embedder = KeywordEmbedder()

    async def loaded():
        return embedder

    services.effects = EffectService(services.engine, loaded, effect_settings(services.settings))
    engine, now = services.engine, datetime.now(UTC)
    first_live, second_live = now - 3 * DAY, now - 2 * DAY
    long_ago = now - timedelta(days=10)
    issue_id = await refund_issue(engine, await rated(engine, "my refund is late", long_ago, long_ago + H, 4, 4, 0))
    await rated(engine, "where is my refund", first_live - 3 * DAY + H, first_live - H, 40, 36, 4)
    await rated(engine, "where is my refund", first_live + H, second_live - H, 40, 16, 24)
    await rated(engine, "where is my refund", second_live + H, now - H, 40, 16, 24)
    links = {}
    for name, live_at, content in (("first", first_live, "5 days."), ("second", second_live, "5 working days.")):
        entry = await services.knowledge.service.create(APP, f"Refunds {name}", content, author="ana")
        link = await services.fix_links.link_fix(issue_id, "knowledge", entry.id, live_at=live_at, actor="ana")
        links[name] = link.id
    return {"issue": issue_id, **links}


async def test_the_latest_fix_is_measured_against_the_time_since_the_previous_one(client, admin_headers, two_fixes):
    response = await client.get(f"/api/issues/{two_fixes['issue']}/effect", headers=admin_headers)

    assert response.status_code == 200, response.text
    effect = response.json()
    change = effect["before_after"]
    first = next(link for link in effect["fixes"] if link["id"] == two_fixes["first"])
    assert change["before"]["since"] == first["live_at"]
    # Only the 40 % after the first fix: without the cut, 90 % and 40 % together read as a fall.
    assert (change["before"]["interactions"], change["before"]["negative"]) == (40, 16)
    assert change["verdict"].startswith("no significant change")
    assert change["window_note"].startswith("the before window starts at ")
    assert "when the previous fix linked to this issue (a knowledge fix) went live" in change["window_note"]


async def test_an_earlier_fix_measured_by_id_ends_its_after_window_where_the_next_went_live(
    client, admin_headers, two_fixes
):
    response = await client.get(
        f"/api/issues/{two_fixes['issue']}/effect?link_id={two_fixes['first']}", headers=admin_headers
    )

    assert response.status_code == 200, response.text
    effect = response.json()
    change = effect["before_after"]
    second = next(link for link in effect["fixes"] if link["id"] == two_fixes["second"])
    assert change["after"]["until"] == second["live_at"]
    assert (change["after"]["interactions"], change["after"]["negative"]) == (40, 16)
    assert change["verdict"] == "negative rate fell from 90 % to 40 % (p < 0.001)"
    assert "the after window ends at " in change["window_note"]
    assert "previous fix" not in change["window_note"]


async def test_the_effect_panel_says_why_the_before_window_is_short(browser_as, two_fixes):
    viewer = await browser_as("vic", Role.VIEWER)

    page = await viewer.get(f"/admin/issues/{two_fixes['issue']}/effect")

    assert page.status_code == 200, page.text
    note = parse(page.text).find(data_testid="effect").find(data_testid="window-note").text
    assert note.startswith("The before window starts at ")
    assert "not with the time before the earlier fix" in note
