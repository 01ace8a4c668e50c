"""The overview's rules: which issues matter most, and when an app's negative rate drifts above its baseline.

Both are computed here, not in a page, so the admin pages and any API say the same thing.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from clustering.issue_status import CLOSED_STATUSES
from gateway.counted import counted
from gateway.domain.fix_weight import FIX_RULE, KeptEffect, fix_factor, kept_effects
from gateway.domain.issues import Issue
from gateway.domain.stats import StatsService
from gateway.effect.sequential import MSPRT, log_mixture_likelihood_ratio
from gateway.feedback.insights import FeedbackSummary
from gateway.store.issue_follow_up import IssueFollowUpStore

# An issue that grew by as much as it held before counts at most this many times its size.
MAX_GROWTH_FACTOR = 3.0

IMPORTANCE_RULE = (
    "Importance = negative feedback in the issue (its negative rate × its volume) × (1 + growth since the previous "
    f"clustering pass ÷ its size before), the growth factor capped at {MAX_GROWTH_FACTOR:g}, "
    f"{FIX_RULE}. Resolved and dismissed issues are left out."
)


@dataclass(frozen=True, slots=True)
class RankedIssue:
    """An issue with the importance it is ranked by."""

    issue: Issue
    importance: float
    growth_factor: float
    # What its latest fix multiplied it by (gateway.domain.fix_weight): 1 when nothing.
    fix_factor: float = 1.0


def growth_factor(issue: Issue) -> float:
    """1 + the share the issue grew by since the previous pass (1 when it did not grow), at most MAX_GROWTH_FACTOR."""
    growth = max(issue.growth, 0)
    before = max(issue.size - growth, 1)
    return min(1.0 + growth / before, MAX_GROWTH_FACTOR)


def importance(issue: Issue, follow_up: FollowUp | None = None) -> float:
    """How much the issue matters now (see IMPORTANCE_RULE), its latest fix weighed from `follow_up`."""
    return issue.negative_count * growth_factor(issue) * issue_fix_factor(issue, follow_up)


def issue_fix_factor(issue: Issue, follow_up: FollowUp | None) -> float:
    """What the issue's latest fix (in `follow_up`) multiplies its importance by (gateway.domain.fix_weight)."""
    fix = follow_up.latest_fix if follow_up is not None else None
    return fix_factor(issue.regressed, fix.standing if fix else None, fix.effect if fix else None)


def is_live(issue: Issue) -> bool:
    """Whether the issue still holds complaints and waits for a decision (not resolved, dismissed or emptied)."""
    return issue.size > 0 and issue.status not in CLOSED_STATUSES


def rank_issues(
    issues: Iterable[Issue], limit: int, follow_ups: dict[str, FollowUp] | None = None
) -> list[RankedIssue]:
    """The `limit` live issues that matter most, most important first (ties: bigger, then id); each issue's latest
    fix weighed from its entry in `follow_ups` (none: not weighed)."""
    seen: dict[str, Issue] = {}
    for issue in issues:
        if is_live(issue):
            seen[issue.id] = issue
    done = follow_ups or {}
    ranked = [
        RankedIssue(
            issue,
            importance(issue, done.get(issue.id)),
            growth_factor(issue),
            issue_fix_factor(issue, done.get(issue.id)),
        )
        for issue in seen.values()
    ]
    ranked.sort(key=lambda r: (-r.importance, -r.issue.size, r.issue.id))
    return ranked[:limit]


def fastest_growing(issues: Iterable[Issue], limit: int) -> list[Issue]:
    """The `limit` live issues that grew most since the previous pass (growth > 0), fastest first."""
    growing = {issue.id: issue for issue in issues if is_live(issue) and issue.growth > 0}
    return sorted(growing.values(), key=lambda i: (-i.growth, -i.size, i.id))[:limit]


# -- follow-up -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WaitingTask:
    """A review task about an issue that still waits for a person."""

    id: str
    priority: str
    deadline: datetime
    overdue: bool


@dataclass(frozen=True, slots=True)
class LinkedFix:
    """The fix most recently gone live for an issue."""

    kind: str
    arm: str
    live_at: datetime
    # The fix now: active, canary, inactive or gone (gateway.store.fix_links.standing).
    standing: str | None = None
    # Its before/after verdict as last measured (gateway.effect.verdict_cache); None: not measured since it went live.
    effect: KeptEffect | None = None
    link_id: str | None = None


@dataclass(frozen=True, slots=True)
class FollowUp:
    """What is being done about an issue: its waiting tasks (most urgent first) and its latest fix."""

    tasks: tuple[WaitingTask, ...]
    latest_fix: LinkedFix | None


PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}


def follow_ups(
    issue_ids: Iterable[str],
    task_rows: Iterable[dict[str, Any]],
    link_rows: Iterable[dict[str, Any]],
    now: datetime,
    kept: dict[str, KeptEffect] | None = None,
) -> dict[str, FollowUp]:
    """Each issue's follow-up from waiting-task rows (issue_id, id, priority, deadline), fix-link rows and the kept
    effect verdicts by issue (one counts only for the link it measured: the issue's latest)."""
    tasks: dict[str, list[WaitingTask]] = {}
    for row in task_rows:
        task = WaitingTask(row["id"], row["priority"], row["deadline"], row["deadline"] <= now)
        tasks.setdefault(row["issue_id"], []).append(task)
    latest: dict[str, LinkedFix] = {}
    for row in link_rows:
        effect = (kept or {}).get(row["issue_id"])
        measured = effect if effect is not None and effect.link_id == row.get("id") else None
        fix = LinkedFix(row["kind"], row["arm"], row["live_at"], row.get("standing"), measured, row.get("id"))
        if row["issue_id"] not in latest or fix.live_at >= latest[row["issue_id"]].live_at:
            latest[row["issue_id"]] = fix
    return {
        issue_id: FollowUp(
            tuple(sorted(tasks.get(issue_id, ()), key=lambda t: (PRIORITY_RANK.get(t.priority, 3), t.deadline))),
            latest.get(issue_id),
        )
        for issue_id in issue_ids
    }


async def follow_ups_of(store: IssueFollowUpStore, issue_ids: Sequence[str], now: datetime) -> dict[str, FollowUp]:
    """Each issue's follow-up (its waiting review tasks, its latest fix and its kept effect), read for many issues
    at once."""
    tasks, links, kept = await asyncio.gather(
        store.waiting_tasks(issue_ids), store.fix_links(issue_ids), store.fix_effects(issue_ids)
    )
    return follow_ups(issue_ids, tasks, links, now, kept_effects(kept))


# -- drift ------------------------------------------------------------------------------------


# The size of rise the drift test finds fastest: app-wide negative rates move by a few points when
# something breaks (any size keeps the false-alarm guarantee; see gateway.effect.sequential).
DRIFT_MIXTURE_SD = 0.05


@dataclass(frozen=True, slots=True)
class DriftRule:
    """When an app's recent negative rate counts as a jump above its baseline.

    The panel is computed again at every page view. A fixed-sample test (p < alpha) repeated at every
    view over a window that keeps growing raises false alarms far more often than alpha (each view is
    another chance for noise to cross the line), so the alert uses the mixture sequential probability
    ratio test (gateway.effect.sequential), valid however often anyone looks. Its guarantee needs a
    recent sample that only grows between looks, so the windows are aligned: they change once a
    `recent` period (a UTC day), the recent one starting one period before the current one (so it always
    holds at least a full period) and growing until the period ends, the baseline fixed before it.
    Each period then raises a false alarm for an app with probability at most alpha.
    """

    # The period: how often the windows move on, and the least the recent window covers.
    recent: timedelta = timedelta(days=1)
    baseline: timedelta = timedelta(days=14)
    # Both windows need at least this much feedback before anything is said.
    min_feedback: int = 30
    # The always-valid p-value (1 / the mixture likelihood ratio) at or below which a rise is an alert.
    alpha: float = 0.01
    mixture_sd: float = DRIFT_MIXTURE_SD

    def explained(self) -> str:
        """How the alert is computed, in words for the page."""
        since = "yesterday" if self.recent == timedelta(days=1) else f"the previous {_span(self.recent)} period"
        return (
            f"For each app: the negative rate (negative ÷ current feedback) of interactions since the start of "
            f"{since} (UTC) against the {_span(self.baseline)} before. An alert fires when the recent rate is "
            f"higher, both windows have at least {self.min_feedback} feedback, and the {MSPRT}'s always-valid "
            f"p-value is at most {self.alpha:g}: the windows move on once a {_span(self.recent)} and the recent one "
            f"only grows in between, so however often this page is viewed, a false alarm comes at most "
            f"{self.alpha:g} of the time per app and {_span(self.recent)}."
        )


def drift_windows(now: datetime, rule: DriftRule) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
    """The recent and baseline windows (start, end) in force at `now`: aligned on `rule.recent` periods (UTC)."""
    epoch = datetime(1970, 1, 1, tzinfo=now.tzinfo)
    period_start = epoch + ((now - epoch) // rule.recent) * rule.recent
    recent_start = period_start - rule.recent
    return (recent_start, now), (recent_start - rule.baseline, recent_start)


def drift_since(now: datetime, rule: DriftRule) -> datetime:
    """The earliest feedback the checks in force at `now` count: the start of the baseline window."""
    _, (baseline_start, _) = drift_windows(now, rule)
    return baseline_start


def _span(length: timedelta) -> str:
    hours = length.total_seconds() / 3600
    return counted(hours, "hour") if hours < 48 else counted(hours / 24, "day")


@dataclass(frozen=True, slots=True)
class DriftCheck:
    """One app's recent negative rate against its baseline, and whether that is an alert."""

    app: str
    recent_feedback: int
    recent_negative: int
    baseline_feedback: int
    baseline_negative: int
    # The always-valid p-value, min(1, 1 / the mixture likelihood ratio); None without feedback in a window.
    p_value: float | None
    alert: bool

    @property
    def recent_rate(self) -> float | None:
        """Negative share of the recent window's feedback."""
        return self.recent_negative / self.recent_feedback if self.recent_feedback else None

    @property
    def baseline_rate(self) -> float | None:
        """Negative share of the baseline window's feedback."""
        return self.baseline_negative / self.baseline_feedback if self.baseline_feedback else None


def _negatives(summary: FeedbackSummary) -> int:
    return round((summary.negative_rate or 0.0) * summary.feedback)


def drift_check(app: str, recent: FeedbackSummary, baseline: FeedbackSummary, rule: DriftRule) -> DriftCheck:
    """Compare one app's recent window with its baseline under `rule`."""
    k2, n2 = _negatives(recent), recent.feedback
    k1, n1 = _negatives(baseline), baseline.feedback
    enough = n1 >= rule.min_feedback and n2 >= rule.min_feedback
    p_value = None
    if n1 and n2:
        p_value = min(1.0, math.exp(-log_mixture_likelihood_ratio(k1, n1, k2, n2, rule.mixture_sd)))
    rose = enough and k2 / n2 > k1 / n1
    alert = bool(rose and p_value is not None and p_value <= rule.alpha)
    return DriftCheck(app, n2, k2, n1, k1, p_value, alert)


async def drift_checks(
    stats: StatsService, now: datetime, rule: DriftRule, apps: Sequence[str] | None = None
) -> list[DriftCheck]:
    """Every app's check (or those of `apps`), alerts first; two grouped reports, whatever the number of apps."""
    (recent_start, recent_end), (baseline_start, baseline_end) = drift_windows(now, rule)
    recent = await stats.report(since=recent_start, until=recent_end, group_by="app")
    baseline = await stats.report(since=baseline_start, until=baseline_end, group_by="app")
    recent_by_app = {g.key: g.summary for g in recent.groups or () if g.key is not None}
    baseline_by_app = {g.key: g.summary for g in baseline.groups or () if g.key is not None}
    empty = FeedbackSummary(0, 0, None, None, None, None, 0, None)
    names = sorted(set(recent_by_app) | set(baseline_by_app)) if apps is None else list(apps)
    checks = [drift_check(app, recent_by_app.get(app, empty), baseline_by_app.get(app, empty), rule) for app in names]
    return sorted(checks, key=lambda c: (not c.alert, c.p_value if c.p_value is not None else 2.0, c.app))
