"""The regression check judges a fix linked as a canary only on the canary's calls while the canary ran: the effect
page's canary rule (gateway.effect.canary_end, gateway.effect.service.canary_arm_reader).

The check counted every call on the issue's topic from `live_at` to the clock: the rest of the traffic (the control
arm, which never had the fix) and, once the canary was rolled back or promoted, the calls after it. A rest arm getting
worse, or the state without the fix after a rollback, read as the fix's rate climbing back and reopened its issue.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from effect_seed import REFUND, make_issue, seed_traffic
from test_canary_effect_end import end_canary, publish
from test_effect_api import link_canary, note

from clustering.issue_status import IssueStatus
from gateway.config import Settings
from gateway.effect.regression import check_regression, reopen_regressed_issues
from gateway.effect.service import effect_settings
from gateway.store.issues import IssueStore

H = timedelta(hours=1)
DAY = timedelta(days=1)
ENDED_BY = {"rollback": "rolled back", "guard": "rolled back by the rollout guard", "promote": "promoted"}


async def canary_issue(client, admin_headers, engine, now: datetime) -> tuple[str, dict, dict, datetime]:
    """A resolved refund issue whose fix went live 16 days ago as a canary beside an active version: the issue's id,
    the active version, the canary and its `live_at`."""
    long_ago = now - timedelta(days=40)
    members = await seed_traffic(engine, REFUND[:4], long_ago, long_ago + H, 4, 4, 0)
    issue_id = await make_issue(engine, members, "refunds", status=IssueStatus.RESOLVED)
    active = await publish(client, admin_headers, text="Be helpful.", active=True)
    canary = await publish(client, admin_headers, canary_share=0.3)
    live_at = now - 16 * DAY
    await link_canary(client, admin_headers, issue_id, canary, live_at)
    return issue_id, active, canary, live_at


async def test_the_rest_getting_worse_does_not_reopen_a_canary_fix(
    client, admin_headers, engine, embedder, database_url
):
    now = datetime.now(UTC)
    issue_id, active, canary, live_at = await canary_issue(client, admin_headers, engine, now)
    baseline, latest = (live_at + H, live_at + 14 * DAY - H), (live_at + 14 * DAY + H, now - 2 * H)
    # The canary's calls hold at 3 of 40 negative; the rest, which never had the fix, climbs from 20 to 45 of 60.
    for window in (baseline, latest):
        await seed_traffic(engine, REFUND, *window, total=40, negative=3, positive=10, policies=note("canary", canary))
    await seed_traffic(engine, REFUND, *baseline, total=60, negative=20, positive=10, policies=note("active", active))
    await seed_traffic(engine, REFUND, *latest, total=60, negative=45, positive=0, policies=note("active", active))
    settings = Settings(database_url=database_url)

    reopened = await reopen_regressed_issues(engine, settings, embedder, "support-bot", lambda: now)

    assert reopened == []
    check = await check_regression(engine, embedder, "support-bot", issue_id, effect_settings(settings), now)
    assert check is not None
    assert check.verdict.comparison.first.counts.interactions == 40
    assert check.verdict.comparison.second.counts.interactions == 40


@pytest.mark.parametrize("how", ["rollback", "guard", "promote"])
async def test_calls_after_the_canary_ended_do_not_reopen_its_issue(
    gateway, client, admin_headers, engine, embedder, database_url, how
):
    now = datetime.now(UTC)
    issue_id, active, canary, live_at = await canary_issue(client, admin_headers, engine, now)
    served = (live_at + H, now - H)
    await seed_traffic(engine, REFUND, *served, total=80, negative=6, positive=20, policies=note("canary", canary))
    await end_canary(gateway, client, admin_headers, canary["id"], how)
    ended = datetime.now(UTC)
    # After the canary, for four days: every call on the version active beside it, 45 of 60 negative.
    after = (ended + H, ended + 4 * DAY - 2 * H)
    await seed_traffic(engine, REFUND, *after, total=60, negative=45, positive=0, policies=note("active", active))
    settings = Settings(database_url=database_url)

    reopened = await reopen_regressed_issues(engine, settings, embedder, "support-bot", lambda: ended + 4 * DAY)

    assert reopened == []
    check = await check_regression(
        engine, embedder, "support-bot", issue_id, effect_settings(settings), ended + 4 * DAY
    )
    assert check is not None and check.latest.until <= ended
    assert check.stopped is not None and check.stopped.how == ENDED_BY[how]


async def test_a_climb_in_the_canary_reopens_its_issue_and_says_so(
    gateway, client, admin_headers, engine, embedder, database_url
):
    now = datetime.now(UTC)
    issue_id, _active, canary, live_at = await canary_issue(client, admin_headers, engine, now)
    baseline, latest = (live_at + H, live_at + 14 * DAY - H), (live_at + 14 * DAY + H, now - H)
    await seed_traffic(engine, REFUND, *baseline, total=40, negative=3, positive=10, policies=note("canary", canary))
    # The climb came in the canary's own calls; it was rolled back for it.
    await seed_traffic(engine, REFUND, *latest, total=40, negative=20, positive=5, policies=note("canary", canary))
    await end_canary(gateway, client, admin_headers, canary["id"], "rollback")
    ended = datetime.now(UTC)
    settings = Settings(database_url=database_url)

    reopened = await reopen_regressed_issues(engine, settings, embedder, "support-bot", lambda: ended + 4 * DAY)

    assert reopened == [issue_id]
    detail = (await IssueStore(engine).get(issue_id))["events"][-1]["detail"]
    assert datetime.fromisoformat(detail["latest_window"]["until"]) <= ended
    assert detail["reason"].startswith("negative rate on the issue's topic among the canary's calls climbed back")
    assert "since day 14 after it, until the canary was rolled back on day 16 (always-valid" in detail["reason"]
