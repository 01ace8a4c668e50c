"""Reopening a resolved issue whose negative rate climbs back after its fix.

The clustering pass flags `regressed` when new complaints land in a resolved issue's cluster; this
check also catches a rate that rises across the issue's whole topic (rated or not). It runs after
every clustering pass, so it is a sequential test (gateway.effect.sequential): a fixed-sample test
at `effect_alpha` on every pass would reopen one working fix in three or so within a month by
chance alone (benchmarks/sequential_looks.py). For a resolved issue with a fix linked, the fix's
first `effect_window_days` after `live_at` are its baseline; the time after is cut into periods of
the same length, and the current period's interactions so far are compared with the baseline by
the mixture SPRT, period k holding effect_alpha / (k (k + 1)) of the false-alarm budget. When the
latest negative rate is higher beyond that bound (with enough data in both, and Fisher's exact
test agreeing where a cell is small), the issue is reopened, flagged `regressed`, and the change
is recorded as a "reopened" event and in the audit log. A fix that keeps working is reopened by
chance with probability at most `effect_alpha` over its whole life, however many passes look.
Nothing is remembered between passes: every figure follows from `live_at`, the clock and the data. A fix is judged
only on the calls it served, by the effect's own rule (gateway.effect.live_end.fix_end): a fix linked live until it was
rolled back, replaced or switched off, a canary on its canary arm's calls until the canary was rolled back, promoted or
replaced (the audit log says when); its windows end there, and a fix stopped within its baseline is not judged at all:
the rest's calls and those after it never had the fix, so their rate says nothing about whether it kept working.
Called after each clustering pass (gateway.discovery.job); a failure is logged and never fails the pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.embed import Embedder
from gateway.audit.records import AuditEntry
from gateway.config import Settings
from gateway.counted import counted
from gateway.effect.canary_end import FixEnd
from gateway.effect.live_end import fix_end
from gateway.effect.records import FixLink
from gateway.effect.sequential import RegressionVerdict, regression_verdict
from gateway.effect.service import EffectSettings, Window, canary_arms, effect_settings
from gateway.effect.statistics import GroupCounts
from gateway.effect.topic import Grouping, count_topic, topic_centroids
from gateway.effect.verdict import p_text, percent
from gateway.store.fix_links import FixLinkStore
from gateway.store.issues import IssueStore

logger = logging.getLogger("feedgate.effect")

ACTOR = "rule:effect-regression"


@dataclass(frozen=True, slots=True)
class RegressionCheck:
    """One resolved issue's baseline (its fix's first window) against its current period, and whether its rate climbed back."""

    issue_id: str
    fix: FixLink
    first: Window
    latest: Window
    verdict: RegressionVerdict
    # Set when the fix stopped serving before the clock: the latest window ends there.
    stopped: FixEnd | None = None

    @property
    def regressed(self) -> bool:
        """Whether the latest rate is higher beyond the sequential test's bound."""
        return self.verdict.regressed


async def check_regression(
    engine: AsyncEngine, embedder: Embedder, app: str, issue_id: str, config: EffectSettings, now: datetime
) -> RegressionCheck | None:
    """Compare the issue's baseline with its current period; None when there is nothing to compare yet
    (no live fix, its baseline not yet over, or the fix stopped serving within it)."""
    store = FixLinkStore(engine)
    links = [FixLink.from_row(row) for row in await store.for_issue(issue_id)]
    live = [link for link in links if link.live_at < now]
    if not live:
        return None
    fix = live[-1]
    # The newest answers are left out until they have had the follow-up to be rated (see service.py).
    measured_until = now - config.follow_up
    # The effect's rule (gateway.effect.live_end.fix_end): a live fix until it stopped serving, a canary until it ended.
    stopped = await fix_end(store, fix, app, measured_until)
    if stopped is not None:
        measured_until = stopped.at
    baseline_end = fix.live_at + config.window
    if measured_until <= baseline_end:
        return None
    # Whole periods since the baseline ended: the current one is numbered from 1.
    period = int((measured_until - baseline_end) / config.window) + 1
    first = Window(fix.live_at, baseline_end)
    latest = Window(baseline_end + (period - 1) * config.window, measured_until)
    centroids = await topic_centroids(engine, embedder, app, issue_id, fix.live_at)
    if centroids is None:
        return None
    counts: dict[str, GroupCounts] = {}
    served = await _served(store, fix)
    for name, window in (("first", first), ("latest", latest)):
        found = await count_topic(
            engine,
            embedder,
            app,
            centroids,
            window.since,
            window.until,
            config.topic_threshold,
            served(name),
            config.follow_up,
        )
        counts[name] = found.groups.get(name, GroupCounts(0, 0, 0))
    verdict = regression_verdict(counts["first"], counts["latest"], period, config.alpha, config.minimum)
    return RegressionCheck(issue_id, fix, first, latest, verdict, stopped)


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
    verdict = check.verdict
    result = verdict.comparison
    first, latest = result.first.negative_rate, result.second.negative_rate
    assert first is not None and latest is not None and verdict.p_value is not None
    detail: dict[str, Any] = {
        "reason": (
            f"negative rate on the issue's topic{_among(check)} climbed back from {percent(first)} in the fix's first "
            f"{_days(check.first.until - check.first.since)} to {percent(latest)} since day "
            f"{_days(check.latest.since - check.fix.live_at, unit=False)} after it{_until_stopped(check)} "
            f"(always-valid {p_text(verdict.p_value)}, {verdict.test})"
        ),
        "fix_link_id": check.fix.id,
        "first_window": _window_json(check.first, result.first.counts),
        "latest_window": _window_json(check.latest, result.second.counts),
        "test": verdict.test,
        "alpha": verdict.alpha,
        "period": verdict.period,
        "period_alpha": verdict.period_alpha,
        "log_likelihood_ratio": verdict.log_likelihood_ratio,
        # Always valid: the chance of one this small ever, for a fix that keeps working, is at most itself.
        "p_value": verdict.p_value,
        # The fixed-sample test of these two windows alone (not valid across looks; for reference).
        "fixed_sample_p_value": result.p_value,
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


def _among(check: RegressionCheck) -> str:
    """The reason's words for the calls judged: " among the canary's calls" for a canary link, "" for a live one."""
    return " among the canary's calls" if check.fix.arm == "canary" else ""


def _until_stopped(check: RegressionCheck) -> str:
    """The reason's words for a fix that stopped serving (the latest window ends there), e.g. ", until it was rolled
    back on day 16" (", until the canary was promoted on day 16"); "" for one still serving."""
    if check.stopped is None:
        return ""
    what = "the canary" if check.fix.arm == "canary" else "it"
    return f", until {what} was {check.stopped.how} on day {_days(check.stopped.at - check.fix.live_at, unit=False)}"


def _days(span: timedelta, unit: bool = True) -> str:
    days = round(span.total_seconds() / 86400, 1)
    if not unit:
        return f"{days:g}"
    return counted(days, "day")


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


async def _served(store: FixLinkStore, fix: FixLink) -> Callable[[str], Grouping]:
    """For a group's name, a grouping that puts the calls `fix` served in it: every call for a live link, the canary
    arm's for a canary link (the effect's canary_arm_reader); the rest never had the fix and are left out."""
    if fix.arm != "canary":
        return lambda group: lambda _row: group
    arm_of = await canary_arms(store, fix)
    return lambda group: lambda row: group if arm_of(row["policies"]) == "canary" else None
