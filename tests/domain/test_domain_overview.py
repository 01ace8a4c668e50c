"""The overview's rules: issue importance and ranking, and the drift check's sequential test."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from clustering.issue_status import IssueStatus
from gateway.domain.issues import Issue
from gateway.domain.overview import (
    DriftRule,
    drift_check,
    drift_windows,
    fastest_growing,
    follow_ups,
    growth_factor,
    importance,
    rank_issues,
)
from gateway.feedback.insights import FeedbackSummary

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def issue(
    name: str, size: int, growth: int = 0, status: IssueStatus = IssueStatus.OPEN, regressed: bool = False
) -> Issue:
    return Issue(
        id=name,
        app="bot",
        title=name,
        summary=None,
        keywords=(),
        size=size,
        negative_count=size,
        status=status,
        regressed=regressed,
        merged_into=None,
        first_seen=NOW,
        last_seen=NOW,
        growth=growth,
        trend=(),
    )


def feedback(total: int, negative: int) -> FeedbackSummary:
    return FeedbackSummary(total, total, 1.0, None, negative / total if total else None, None, 0, None)


def test_importance_is_negative_volume_times_growth_capped_and_doubled_for_a_regression():
    assert importance(issue("a", 20)) == 20
    assert growth_factor(issue("b", 12, growth=6)) == 2.0
    assert importance(issue("b", 12, growth=6)) == 24
    assert growth_factor(issue("new", 10, growth=10)) == 3.0  # from nothing: capped
    assert importance(issue("r", 8, regressed=True)) == 16


def test_ranking_leaves_out_closed_and_empty_issues_and_counts_each_once():
    issues = [
        issue("a", 20),
        issue("b", 12, growth=6),
        issue("resolved", 50, status=IssueStatus.RESOLVED),
        issue("dismissed", 40, status=IssueStatus.DISMISSED),
        issue("empty", 0),
        issue("b", 12, growth=6),
    ]

    assert [r.issue.id for r in rank_issues(issues, 10)] == ["b", "a"]
    assert [r.issue.id for r in rank_issues(issues, 1)] == ["b"]
    assert [i.id for i in fastest_growing(issues, 5)] == ["b"]


def test_drift_alerts_on_a_significant_rise_with_enough_feedback():
    rule = DriftRule(min_feedback=30, alpha=0.01)

    jump = drift_check("bot", feedback(60, 30), feedback(200, 20), rule)
    assert jump.alert and jump.recent_rate == 0.5 and jump.baseline_rate == 0.1 and jump.p_value < 1e-3

    assert not drift_check("bot", feedback(60, 8), feedback(200, 20), rule).alert  # 13 % vs 10 %: noise
    assert not drift_check("bot", feedback(20, 15), feedback(200, 20), rule).alert  # too little feedback
    assert not drift_check("bot", feedback(60, 0), feedback(200, 100), rule).alert  # a fall is no alert
    quiet = drift_check("bot", feedback(0, 0), feedback(0, 0), rule)
    assert not quiet.alert and quiet.p_value is None and quiet.recent_rate is None


def test_the_rule_explains_itself():
    text = DriftRule().explained()

    assert "yesterday" in text and "14 days" in text and "mixture sequential probability ratio test" in text
    assert "0.01" in text and "however often" in text


def test_the_windows_change_once_a_period_and_the_recent_one_only_grows_in_between():
    rule = DriftRule()
    morning, evening = datetime(2026, 3, 10, 0, 5, tzinfo=UTC), datetime(2026, 3, 10, 23, 55, tzinfo=UTC)

    recent, baseline = drift_windows(morning, rule)
    assert recent == (datetime(2026, 3, 9, tzinfo=UTC), morning)
    assert baseline == (datetime(2026, 2, 23, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC))
    later_recent, later_baseline = drift_windows(evening, rule)
    assert later_recent == (recent[0], evening) and later_baseline == baseline
    assert drift_windows(evening + timedelta(minutes=10), rule)[0][0] == datetime(2026, 3, 10, tzinfo=UTC)


def _false_alarm_share(alert_at_any_look, days: int = 400, looks: int = 40, per_look: int = 25) -> float:
    """Of `days` periods with no change at all, the share where some look (the page viewed) alerted."""
    chance = random.Random(7)
    alarms = 0
    for _ in range(days):
        baseline_negative = sum(chance.random() < 0.1 for _ in range(2000))
        negative = total = 0
        for _ in range(looks):
            negative += sum(chance.random() < 0.1 for _ in range(per_look))
            total += per_look
            if alert_at_any_look(feedback(total, negative), feedback(2000, baseline_negative)):
                alarms += 1
                break
    return alarms / days


def test_viewing_the_page_again_and_again_keeps_false_alarms_within_alpha():
    # The rule the panel used: a fixed-sample z-test at every view, false alarms well past alpha.
    from gateway.effect.statistics import two_proportion_p_value

    def z_test(recent: FeedbackSummary, baseline: FeedbackSummary) -> bool:
        k2, n2 = round((recent.negative_rate or 0) * recent.feedback), recent.feedback
        k1, n1 = round((baseline.negative_rate or 0) * baseline.feedback), baseline.feedback
        return n2 >= 30 and k2 / n2 > k1 / n1 and two_proportion_p_value(k1, n1, k2, n2) < 0.05

    rule = DriftRule(alpha=0.05)

    assert _false_alarm_share(z_test) > 0.1
    assert _false_alarm_share(lambda recent, base: drift_check("bot", recent, base, rule).alert) <= 0.05


def test_follow_ups_order_tasks_by_urgency_and_keep_the_latest_fix():
    later = NOW.replace(day=3)
    tasks = [
        {"issue_id": "a", "id": "t1", "priority": "low", "deadline": NOW},
        {"issue_id": "a", "id": "t2", "priority": "high", "deadline": later},
    ]
    links = [
        {"issue_id": "a", "kind": "knowledge", "arm": "live", "live_at": NOW},
        {"issue_id": "a", "kind": "prompt", "arm": "canary", "live_at": later},
    ]

    done = follow_ups(["a", "b"], tasks, links, NOW.replace(day=2))

    assert [(t.id, t.overdue) for t in done["a"].tasks] == [("t2", False), ("t1", True)]
    assert done["a"].latest_fix.kind == "prompt"
    assert done["b"].tasks == () and done["b"].latest_fix is None
