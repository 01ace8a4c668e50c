"""The JSON of the fixes linked to an issue and of their effect: a fix link, and each comparison with its verdict."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypedDict

from gateway.effect.records import FixArm, FixKind, NamedFix
from gateway.effect.service import EffectComparison, IssueEffect, TopicSummary
from gateway.effect.statistics import Z_TEST, GroupSummary, Interval


class EntryNowJSON(TypedDict):
    """A knowledge fix's entry as it stands now, as the issue page says it beside the version that went live
    (`fix_version`): its version now (later once edited since) and its last edit (the knowledge API's `updated_at`);
    both null for a prompt version, or an entry no longer stored."""

    entry_version: int | None
    entry_updated_at: datetime | None


class LinkedFixJSON(EntryNowJSON):
    """A fix link's fields (as `GET /api/issues/{id}/fixes` lists them) and its entry now: the effect's `fix`."""

    id: str
    issue_id: str
    task_id: str | None
    kind: FixKind
    fix_id: str
    fix_version: int | None
    arm: FixArm
    live_at: datetime
    created_by: str
    created_at: datetime
    standing: str | None
    canary_share: float | None


class FixLinksJSON(TypedDict):
    """The fixes linked to an issue, the earliest to go live first."""

    data: list[LinkedFixJSON]


class GroupJSON(TypedDict):
    """One group of topic interactions: its window, counts and rates, each rate with its 95 % interval [low, high]."""

    since: datetime
    until: datetime
    interactions: int
    negative: int
    with_feedback: int
    negative_rate: float | None
    negative_rate_ci: list[float] | None
    feedback_share: float | None
    feedback_share_ci: list[float] | None


class MethodJSON(TypedDict):
    """How the comparison's figures were computed, in words."""

    rates: str
    rate_interval: str
    difference: str
    test: str


class _ComparisonHead(TypedDict):
    kind: Literal["before_after", "canary_vs_rest"]
    verdict: str
    caveat: str
    enough_data: bool
    reason: str | None


class _ComparisonTail(TypedDict):
    difference: float | None
    difference_ci: list[float] | None
    p_value: float | None
    feedback_share_difference: float | None
    feedback_share_p_value: float | None
    feedback_note: str
    feedback_warning: str | None
    # Set when another fix of the issue, or the fix stopping, cut a window short (the windows' since/until show where).
    window_note: str | None
    method: MethodJSON


class _BeforeAfterGroups(_ComparisonHead):
    before: GroupJSON
    after: GroupJSON


class BeforeAfterJSON(_BeforeAfterGroups, _ComparisonTail):
    """The topic's interactions before the fix went live against those after: `after` minus `before`, and the verdict."""


class _CanaryGroups(_ComparisonHead):
    rest: GroupJSON
    canary: GroupJSON


class CanaryJSON(_CanaryGroups, _ComparisonTail):
    """A canary's interactions against the rest's over the same window: `canary` minus `rest`, and the verdict."""


class EffectJSON(TypedDict):
    """An issue's effect: the fix measured, the topic, and each comparison (null, with `reason`, when there is none)."""

    issue_id: str
    app: str
    measured_at: datetime
    fix: LinkedFixJSON | None
    fixes: list[LinkedFixJSON]
    reason: str | None
    follow_up_hours: float | None
    topic: TopicSummary | None
    before_after: BeforeAfterJSON | None
    canary: CanaryJSON | None


def fix_links_json(links: list[NamedFix]) -> FixLinksJSON:
    """An issue's fix links, each as `linked_fix_json` has it."""
    return {"data": [linked_fix_json(named) for named in links]}


def entry_now_json(named: NamedFix) -> EntryNowJSON:
    """The fix's entry now (NamedFix.entry_version and entry_edited_at: null for a prompt version or one gone)."""
    return {"entry_version": named.entry_version, "entry_updated_at": named.entry_edited_at}


def linked_fix_json(named: NamedFix) -> LinkedFixJSON:
    """The fix's link with every field, and its entry now: the one mapping of a link in every answer about an issue's
    fixes (POST and GET /api/issues/{id}/fixes, the effect's `fix` and `fixes`, the `link` of a preview made live and
    of a task resolved by a fix), and a task's `live_fixes` with more."""
    link = named.link
    return {
        "id": link.id,
        "issue_id": link.issue_id,
        "task_id": link.task_id,
        "kind": link.kind,
        "fix_id": link.fix_id,
        "fix_version": link.fix_version,
        "arm": link.arm,
        "live_at": link.live_at,
        "created_by": link.created_by,
        "created_at": link.created_at,
        "standing": link.standing,
        "canary_share": link.canary_share,
        **entry_now_json(named),
    }


def effect_json(effect: IssueEffect, fixes: list[NamedFix]) -> EffectJSON:
    """An issue's effect: the fix measured (`fix`, effect.fix as named among `fixes`, the issue's links named), the
    topic, and each comparison with its verdict (or the reason for none)."""
    fix = next((named for named in fixes if effect.fix is not None and named.link.id == effect.fix.id), None)
    before_after, canary = effect.before_after, effect.canary
    return {
        "issue_id": effect.issue_id,
        "app": effect.app,
        "measured_at": effect.measured_at,
        "fix": linked_fix_json(fix) if fix is not None else None,
        "fixes": [linked_fix_json(named) for named in fixes],
        "reason": effect.reason,
        "follow_up_hours": effect.follow_up_hours,
        "topic": effect.topic,
        "before_after": _before_after_json(before_after) if before_after is not None else None,
        "canary": _canary_json(canary) if canary is not None else None,
    }


def _before_after_json(comparison: EffectComparison) -> BeforeAfterJSON:
    first, second = _groups_json(comparison)
    return {**_head_json(comparison), "before": first, "after": second, **_tail_json(comparison)}


def _canary_json(comparison: EffectComparison) -> CanaryJSON:
    first, second = _groups_json(comparison)
    return {**_head_json(comparison), "rest": first, "canary": second, **_tail_json(comparison)}


def _head_json(comparison: EffectComparison) -> _ComparisonHead:
    result = comparison.result
    return {
        "kind": comparison.kind,
        "verdict": comparison.verdict,
        "caveat": comparison.caveat,
        "enough_data": result.enough_data,
        "reason": result.reason,
    }


def _groups_json(comparison: EffectComparison) -> tuple[GroupJSON, GroupJSON]:
    """The first group and the second (before and after, or the rest and the canary), each with its window."""
    first, second = comparison.first_window, comparison.second_window
    result = comparison.result
    return _group_json(result.first, first.since, first.until), _group_json(result.second, second.since, second.until)


def _tail_json(comparison: EffectComparison) -> _ComparisonTail:
    result = comparison.result
    return {
        "difference": result.difference,
        "difference_ci": _interval(result.difference_ci),
        "p_value": result.p_value,
        "feedback_share_difference": result.feedback_share_difference,
        "feedback_share_p_value": result.feedback_share_p_value,
        "feedback_note": result.note,
        "feedback_warning": comparison.feedback_warning,
        "window_note": comparison.window_note,
        "method": {
            "rates": "negative rate = interactions whose current feedback (each user's newest) is negative / all interactions",
            "rate_interval": "Wilson score, 95 %",
            "difference": f"{comparison.second} minus {comparison.first}; Newcombe hybrid score interval (method 10), 95 %",
            # The test that gave the p-value (the z-test, or Fisher's exact test for small expected counts).
            "test": result.test or f"{Z_TEST}, or Fisher's exact test when a cell expects fewer than 5 counts",
        },
    }


def _interval(interval: Interval | None) -> list[float] | None:
    return [interval.low, interval.high] if interval is not None else None


def _group_json(group: GroupSummary, since: datetime, until: datetime) -> GroupJSON:
    return {
        "since": since,
        "until": until,
        "interactions": group.counts.interactions,
        "negative": group.counts.negative,
        "with_feedback": group.counts.with_feedback,
        "negative_rate": group.negative_rate,
        "negative_rate_ci": _interval(group.negative_rate_ci),
        "feedback_share": group.feedback_share,
        "feedback_share_ci": _interval(group.feedback_share_ci),
    }
