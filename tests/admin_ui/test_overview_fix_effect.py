"""The overview and the issue list say what an issue's latest fix did, as last measured, and rank by it.

An issue whose live fix cut its negative rate from 93 % to 2.6 % ranked at the top of "Issues that matter most",
its Fix column saying only "prompt fix, live …".
"""

from __future__ import annotations

from datetime import UTC, datetime

from html_page import parse
from overview_seed import issue_runs

from gateway.accounts.records import Role
from gateway.store.fix_effects import FixEffectStore

VERDICT = "negative rate fell from 93 % to 2.6 % (p < 0.001)"


async def a_fixed_issue_beside_an_unfixed_one(gateway) -> tuple[str, str, str]:
    """A 40-complaint issue whose prompt fix measurably cut its rate, and a 10-complaint one with no fix:
    (fixed issue id, unfixed issue id, the fix's link id)."""
    services = gateway.services
    fixed = await issue_runs(services.engine, "bot", "Card declined abroad", [40, 40])
    unfixed = await issue_runs(services.engine, "bot", "Refund delays", [10, 10])
    version = await services.prompts.service.publish("bot", "Say travel mode.", "fix", "kim", activate=True)
    link = await services.fix_links.link_fix(fixed, "prompt", version.version.id, actor="kim")
    return fixed, unfixed, link.id


async def keep(gateway, issue_id: str, link_id: str, outcome: str = "fell", verdict: str = VERDICT) -> None:
    row = {
        "issue_id": issue_id,
        "link_id": link_id,
        "outcome": outcome,
        "before_rate": 0.93,
        "after_rate": 0.026,
        "p_value": 0.0001,
        "verdict": verdict,
        "measured_at": datetime.now(UTC),
    }
    await FixEffectStore(gateway.services.engine).keep(row)


def top_rows(page) -> dict[str, object]:
    return {row.attrs["data-issue-id"]: row for row in page.find(data_testid="top-issues").find_all("tr")[1:]}


async def test_a_fix_measured_to_work_says_so_and_ranks_its_issue_below_an_unfixed_one(browser_as, gateway):
    fixed, unfixed, link_id = await a_fixed_issue_beside_an_unfixed_one(gateway)
    viewer = await browser_as("vic", Role.VIEWER)
    before = parse((await viewer.get("/admin")).text)

    await keep(gateway, fixed, link_id)
    after = parse((await viewer.get("/admin")).text)

    assert list(top_rows(before)) == [fixed, unfixed]
    assert top_rows(before)[fixed].find(data_testid="fix-effect").text == "effect not measured yet"
    assert list(top_rows(after)) == [unfixed, fixed]
    row = top_rows(after)[fixed]
    assert row.find(data_testid="fix-effect").text == VERDICT
    assert row.find(data_testid="importance").text.startswith("1")  # 40 x 0.026 / 0.93 = 1.1
    assert row.find(data_testid="fix-factor").text == "× 0.028 for its fix"
    assert "measurably lowered it" in after.text


async def test_a_verdict_too_thin_to_judge_is_shown_short_and_weighs_nothing(browser_as, gateway):
    fixed, unfixed, link_id = await a_fixed_issue_beside_an_unfixed_one(gateway)
    await keep(gateway, fixed, link_id, "not_enough_data", "not enough data yet: the after window has 3 interactions")
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin")).text)

    assert list(top_rows(page)) == [fixed, unfixed]
    assert top_rows(page)[fixed].find(data_testid="fix-effect").text == "effect: not enough data yet"
    assert top_rows(page)[fixed].find_all(data_testid="fix-factor") == []


async def test_a_verdict_on_an_earlier_fix_is_not_shown_for_the_newer_one(browser_as, gateway):
    fixed, _, link_id = await a_fixed_issue_beside_an_unfixed_one(gateway)
    await keep(gateway, fixed, link_id)
    services = gateway.services
    newer = await services.prompts.service.publish("bot", "Say travel mode, kindly.", "fix 2", "kim", activate=True)
    await services.fix_links.link_fix(fixed, "prompt", newer.version.id, actor="kim")
    viewer = await browser_as("vic", Role.VIEWER)

    listed = parse((await viewer.get("/admin/issues")).text)

    assert listed.find("tr", data_issue_id=fixed).find(data_testid="fix-effect").text == "effect not measured yet"


async def test_the_issue_list_says_the_effect_as_the_overview_does(browser_as, gateway):
    fixed, _, link_id = await a_fixed_issue_beside_an_unfixed_one(gateway)
    await keep(gateway, fixed, link_id)
    viewer = await browser_as("vic", Role.VIEWER)

    listed = parse((await viewer.get("/admin/issues")).text)

    assert listed.find("tr", data_issue_id=fixed).find(data_testid="fix-effect").text == VERDICT
