"""Measuring an issue's latest fix keeps its verdict, and the overview weighs and shows it without measuring again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from effect_seed import APP, PASSWORD, REFUND, UNRELATED, make_issue, seed_traffic

from admin_ui.overview_panels import issue_panels
from clustering.issue_status import IssueStatus
from gateway.effect.service import EffectService, effect_settings

H = timedelta(hours=1)


@pytest.fixture
def measured(gateway, embedder):
    """The gateway's services, measuring with the session's loaded embedder."""
    services = gateway.services

    async def loaded():
        return embedder

    services.effects = EffectService(services.engine, loaded, effect_settings(services.settings))
    return services


async def a_fixed_issue(engine, services, now: datetime, status: IssueStatus = IssueStatus.OPEN) -> tuple[str, str]:
    """A refund issue of 8 complaints whose knowledge fix cut its rate from 50 % to 5 %, beside an unfixed
    issue of 5 (fewer): (the refund issue's id, the unfixed one's)."""
    long_ago = now - timedelta(days=10)
    refund_members = await seed_traffic(engine, REFUND, long_ago, long_ago + H, 8, 8, 0)
    other_members = await seed_traffic(engine, UNRELATED, long_ago, long_ago + H, 5, 5, 0)
    unfixed = await make_issue(engine, other_members, "weather")
    refunds = await make_issue(engine, refund_members, "refunds", status=status)
    live_at = now - timedelta(days=2)
    await seed_traffic(engine, REFUND, live_at - timedelta(days=2) + H, live_at - H, 40, 20, 4)
    await seed_traffic(engine, REFUND, live_at + H, now - H, 40, 2, 8)
    await seed_traffic(engine, PASSWORD, live_at + H, now - H, 10, 5, 0)
    entry = await services.knowledge.service.create(APP, "Refunds", "5 days.", author="ana")
    await services.fix_links.link_fix(refunds, "knowledge", entry.id, live_at=live_at, actor="ana")
    return refunds, unfixed


async def test_the_effect_api_keeps_the_verdict_and_the_overview_ranks_the_fixed_issue_down(
    client, admin_headers, engine, measured
):
    now = datetime.now(UTC)
    refunds, unfixed = await a_fixed_issue(engine, measured, now)
    ranked_before = [top.ranked.issue.id for top in (await issue_panels(measured, APP))["top_issues"]]

    response = await client.get(f"/api/issues/{refunds}/effect", headers=admin_headers)

    assert response.status_code == 200, response.text
    assert response.json()["before_after"]["verdict"] == "negative rate fell from 50 % to 5.0 % (p < 0.001)"
    [kept] = (await measured.effect_keeper.kept([refunds])).values()
    assert (kept.outcome, kept.before_rate, kept.after_rate) == ("fell", 0.5, 0.05)
    panels = await issue_panels(measured, APP)
    top = {item.ranked.issue.id: item for item in panels["top_issues"]}
    assert ranked_before == [refunds, unfixed]  # 8 complaints against 5
    assert [item.ranked.issue.id for item in panels["top_issues"]] == [unfixed, refunds]
    assert top[refunds].ranked.fix_factor == pytest.approx(0.05 / 0.5)
    assert top[refunds].follow_up.latest_fix.effect.summary == kept.verdict


async def test_an_older_fix_measured_by_id_keeps_nothing(client, admin_headers, engine, measured):
    now = datetime.now(UTC)
    refunds, _ = await a_fixed_issue(engine, measured, now)
    [first] = await measured.fix_links.fixes_for(refunds)
    entry = await measured.knowledge.service.create(APP, "Refund times", "Within 5 days.", author="ana")
    await measured.fix_links.link_fix(refunds, "knowledge", entry.id, live_at=now - H / 2, actor="ana")

    response = await client.get(f"/api/issues/{refunds}/effect?link_id={first.id}", headers=admin_headers)

    assert response.status_code == 200, response.text
    assert await measured.effect_keeper.kept([refunds]) == {}


async def test_the_clustering_pass_measures_the_open_issues_fixes_not_the_resolved_ones(engine, measured):
    now = datetime.now(UTC)
    refunds, _ = await a_fixed_issue(engine, measured, now)
    resolved, _ = await a_fixed_issue(engine, measured, now, status=IssueStatus.RESOLVED)

    count = await measured.effect_keeper.refresh(APP)

    assert count == 1
    assert set(await measured.effect_keeper.kept([refunds, resolved])) == {refunds}
