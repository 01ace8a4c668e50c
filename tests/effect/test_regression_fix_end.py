"""The regression check judges a fix linked live only on the calls it served: its windows end where the fix stopped
(rolled back, replaced by another version made active, switched off), the effect's rule (gateway.effect.live_end).

The check's baseline and latest period ran on to the clock whatever became of the fix, so a resolved issue whose fix
was rolled back was "regressed" by the calls that never had it: its reason said the rate climbed back after the fix.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from effect_seed import REFUND, make_issue, seed_traffic
from test_live_fix_effect_end import knowledge_fix, prompt_fix, stop

from clustering.issue_status import IssueStatus
from gateway.config import Settings
from gateway.effect.regression import check_regression, reopen_regressed_issues
from gateway.effect.service import effect_settings
from gateway.store.issues import IssueStore

H = timedelta(hours=1)
DAY = timedelta(days=1)


async def resolved_issue(engine, now: datetime) -> str:
    long_ago = now - timedelta(days=40)
    members = await seed_traffic(engine, REFUND[:4], long_ago, long_ago + H, 4, 4, 0)
    return await make_issue(engine, members, "refunds", status=IssueStatus.RESOLVED)


async def stopped_fix(client, admin_headers, issue_id: str, live_at: datetime, how: str) -> tuple[datetime, datetime]:
    """Link a fix gone live at `live_at` and stop it now (as `how` says); the moments around its stopping."""
    if how == "knowledge":
        path = await knowledge_fix(client, admin_headers, issue_id, live_at)
    else:
        path = await prompt_fix(client, admin_headers, issue_id, live_at, how)
    before = datetime.now(UTC)
    return before, await stop(client, admin_headers, path)


@pytest.mark.parametrize("how", ["rollback", "replaced", "knowledge"])
async def test_calls_after_the_fix_stopped_do_not_reopen_its_issue(
    client, admin_headers, engine, embedder, database_url, how
):
    now = datetime.now(UTC)
    live_at = now - 16 * DAY
    issue_id = await resolved_issue(engine, now)
    _, stopped = await stopped_fix(client, admin_headers, issue_id, live_at, how)
    # The baseline and the two days after it, while the fix served: 3 of 40 negative each.
    await seed_traffic(engine, REFUND, live_at + H, live_at + 14 * DAY - H, total=40, negative=3, positive=10)
    await seed_traffic(engine, REFUND, live_at + 14 * DAY + H, now - H, total=40, negative=3, positive=10)
    # After it stopped, for four days: 45 of 60, as bad as without it.
    await seed_traffic(engine, REFUND, stopped + H, stopped + 4 * DAY - 2 * H, total=60, negative=45, positive=0)
    settings = Settings(database_url=database_url)

    reopened = await reopen_regressed_issues(engine, settings, embedder, "support-bot", lambda: stopped + 4 * DAY)

    assert reopened == []
    assert (await IssueStore(engine).get(issue_id))["status"] == "resolved"


async def test_the_latest_period_ends_when_the_fix_stopped(client, admin_headers, engine, embedder, database_url):
    now = datetime.now(UTC)
    live_at = now - 16 * DAY
    issue_id = await resolved_issue(engine, now)
    before, stopped = await stopped_fix(client, admin_headers, issue_id, live_at, "knowledge")
    await seed_traffic(engine, REFUND, live_at + H, live_at + 14 * DAY - H, total=40, negative=3, positive=10)
    await seed_traffic(engine, REFUND, live_at + 14 * DAY + H, now - H, total=40, negative=3, positive=10)
    await seed_traffic(engine, REFUND, stopped + H, stopped + 4 * DAY - 2 * H, total=40, negative=30, positive=0)
    config = effect_settings(Settings(database_url=database_url))

    check = await check_regression(engine, embedder, "support-bot", issue_id, config, stopped + 4 * DAY)

    assert check is not None and check.latest.since == live_at + 14 * DAY
    assert before <= check.latest.until <= stopped
    assert check.verdict.comparison.second.counts.interactions == 40
    assert check.stopped is not None and check.stopped.how == "switched off"


async def test_a_fix_stopped_within_its_baseline_is_not_judged(client, admin_headers, engine, embedder, database_url):
    now = datetime.now(UTC)
    live_at = now - 5 * DAY
    issue_id = await resolved_issue(engine, now)
    _, stopped = await stopped_fix(client, admin_headers, issue_id, live_at, "rollback")
    await seed_traffic(engine, REFUND, live_at + H, now - H, total=40, negative=3, positive=10)
    await seed_traffic(engine, REFUND, stopped + H, stopped + 15 * DAY, total=40, negative=30, positive=0)
    config = effect_settings(Settings(database_url=database_url))

    assert await check_regression(engine, embedder, "support-bot", issue_id, config, stopped + 16 * DAY) is None


async def test_a_climb_while_the_fix_served_says_when_it_stopped(client, admin_headers, engine, embedder, database_url):
    now = datetime.now(UTC)
    live_at = now - 16 * DAY
    issue_id = await resolved_issue(engine, now)
    _, stopped = await stopped_fix(client, admin_headers, issue_id, live_at, "rollback")
    await seed_traffic(engine, REFUND, live_at + H, live_at + 14 * DAY - H, total=40, negative=3, positive=10)
    # The climb came while the fix still served; it was rolled back for it.
    await seed_traffic(engine, REFUND, live_at + 14 * DAY + H, now - H, total=40, negative=20, positive=5)
    settings = Settings(database_url=database_url)

    reopened = await reopen_regressed_issues(engine, settings, embedder, "support-bot", lambda: stopped + 4 * DAY)

    assert reopened == [issue_id]
    detail = (await IssueStore(engine).get(issue_id))["events"][-1]["detail"]
    assert datetime.fromisoformat(detail["latest_window"]["until"]) <= stopped
    assert "since day 14 after it, until it was rolled back on day 16 (always-valid" in detail["reason"]
