"""Reopening a resolved issue whose negative rate climbs back after its fix.

The clustering pass flags `regressed` when new complaints land in a resolved issue's cluster; this
check also catches a rate that rises across the issue's whole topic (rated or not). For a resolved
issue with a fix linked, it compares the first window after the fix went live with the latest
window (equal lengths: half the time since `live_at`, capped at `effect_window_days`, so the two
never overlap); when the latest negative rate is higher and the difference is significant at
`effect_alpha` (with enough data in both), the issue is reopened, flagged `regressed`, and the
change is recorded as a "reopened" event and in the audit log. Called after each clustering pass
(gateway.discovery.job); a failure is logged and never fails the pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.embed import Embedder
from gateway.audit.records import AuditEntry
from gateway.config import Settings
from gateway.effect.records import FixLink
from gateway.effect.service import EffectSettings, Window, effect_settings
from gateway.effect.statistics import Comparison, GroupCounts, compare
from gateway.effect.topic import Grouping, count_topic, topic_centroids
from gateway.effect.verdict import p_text, percent
from gateway.store.fix_links import FixLinkStore
from gateway.store.issues import IssueStore

logger = logging.getLogger("feedgate.effect")

ACTOR = "rule:effect-regression"


@dataclass(frozen=True, slots=True)
class RegressionCheck:
    """One resolved issue's first post-fix window against its latest, and whether its rate climbed back."""

    issue_id: str
    fix: FixLink
    first: Window
    latest: Window
    result: Comparison
    regressed: bool


async def check_regression(
    engine: AsyncEngine, embedder: Embedder, app: str, issue_id: str, config: EffectSettings, now: datetime
) -> RegressionCheck | None:
    """Compare the issue's first post-fix window with its latest; None when there is nothing to compare yet."""
    links = [FixLink.from_row(row) for row in await FixLinkStore(engine).for_issue(issue_id)]
    live = [link for link in links if link.live_at < now]
    if not live:
        return None
    fix = live[-1]
    # The newest answers are left out until they have had the follow-up to be rated (see service.py).
    measured_until = now - config.follow_up
    if measured_until <= fix.live_at:
        return None
    span = min(config.window, (measured_until - fix.live_at) / 2)
    first, latest = Window(fix.live_at, fix.live_at + span), Window(measured_until - span, measured_until)
    centroids = await topic_centroids(engine, embedder, app, issue_id, fix.live_at)
    if centroids is None:
        return None
    counts: dict[str, GroupCounts] = {}
    for name, window in (("first", first), ("latest", latest)):
        found = await count_topic(
            engine,
            embedder,
            app,
            centroids,
            window.since,
            window.until,
            config.topic_threshold,
            _all_in(name),
            config.follow_up,
        )
        counts[name] = found.groups.get(name, GroupCounts(0, 0, 0))
    result = compare(
        counts["first"], counts["latest"], config.minimum, ("the first window after the fix", "the latest window")
    )
    climbed = result.difference is not None and result.difference > 0 and result.significant(config.alpha)
    return RegressionCheck(issue_id, fix, first, latest, result, climbed)


async def reopen_regressed_issues(
    engine: AsyncEngine,
    settings: Settings,
    embedder: Embedder,
    app: str,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[str]:
    """Reopen and flag `app`'s resolved issues whose rate climbed back after their fix; their ids.

    A failure on one issue is logged and the others are still checked.
    """
    if not settings.effect_regression_check:
        return []
    config = effect_settings(settings)
    reopened = []
    for issue_id in await FixLinkStore(engine).resolved_issues_with_links(app):
        try:
            check = await check_regression(engine, embedder, app, issue_id, config, clock())
            if check is not None and check.regressed and await _reopen(engine, app, check):
                reopened.append(issue_id)
        except Exception:
            logger.exception("checking issue %s for a regression after its fix failed", issue_id)
    return reopened


async def _reopen(engine: AsyncEngine, app: str, check: RegressionCheck) -> bool:
    result = check.result
    first, latest = result.first.negative_rate, result.second.negative_rate
    assert first is not None and latest is not None and result.p_value is not None
    detail: dict[str, Any] = {
        "reason": (
            f"negative rate on the issue's topic climbed back from {percent(first)} right after the fix to "
            f"{percent(latest)} ({p_text(result.p_value)})"
        ),
        "fix_link_id": check.fix.id,
        "first_window": _window_json(check.first, result.first.counts),
        "latest_window": _window_json(check.latest, result.second.counts),
        "p_value": result.p_value,
    }
    audit = AuditEntry(
        actor=ACTOR,
        action="issue.regressed",
        subject_type="issue",
        subject_id=check.issue_id,
        app=app,
        before={"status": "resolved"},
        after={"status": "open", "regressed": True},
        detail=detail,
    )
    return await IssueStore(engine).reopen_regressed(check.issue_id, detail, audit)


def _window_json(window: Window, counts: GroupCounts) -> dict[str, Any]:
    return {
        "since": window.since.isoformat(),
        "until": window.until.isoformat(),
        "interactions": counts.interactions,
        "negative": counts.negative,
        "with_feedback": counts.with_feedback,
    }


async def check_regressions_after_run(
    engine: AsyncEngine, settings: Settings, embedder: Embedder, app: str
) -> list[str]:
    """reopen_regressed_issues for a clustering pass: any failure is logged and yields no reopened issue."""
    try:
        return await reopen_regressed_issues(engine, settings, embedder, app)
    except Exception:
        logger.exception("checking %s's resolved issues for regressions after their fixes failed", app)
        return []


def _all_in(group: str) -> Grouping:
    """A grouping that puts every interaction in `group`."""
    return lambda _row: group
