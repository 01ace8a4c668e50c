"""Goal progress: a negative rate brought down by a share, and tasks reviewed within hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.domain.goals import Goal, rate_progress, review_progress, review_share

SET = datetime(2026, 9, 1, tzinfo=UTC)
DUE = SET + timedelta(days=90)


def rate_goal(baseline: float | None = 0.4) -> Goal:
    return Goal("g", "bot", "negative_rate_reduction", 0.3, None, baseline, DUE, "rita", SET)


def test_rate_progress_is_the_share_of_the_way_from_baseline_to_target():
    halfway = SET + timedelta(days=45)

    ahead = rate_progress(rate_goal(), 0.32, 500, halfway)  # target 0.28: 0.08 of 0.12 covered
    assert round(ahead.target_value, 3) == 0.28 and round(ahead.progress, 3) == 0.667 and ahead.state == "on track"
    assert rate_progress(rate_goal(), 0.38, 500, halfway).state == "behind"
    assert rate_progress(rate_goal(), 0.27, 500, halfway).state == "met"
    assert rate_progress(rate_goal(), 0.45, 500, halfway).progress == 0.0
    assert rate_progress(rate_goal(), 0.35, 500, DUE + timedelta(days=1)).state == "missed"
    assert rate_progress(rate_goal(), None, 0, halfway).state == "no data"


def test_review_share_counts_resolved_in_time_among_resolved_and_late_waiting_tasks():
    now = SET + timedelta(days=10)
    tasks = [
        {"status": "resolved", "created_at": now - timedelta(days=5), "closed_at": now - timedelta(days=4)},  # in time
        {"status": "resolved", "created_at": now - timedelta(days=5), "closed_at": now - timedelta(days=1)},  # late
        {"status": "open", "created_at": now - timedelta(days=3), "closed_at": None},  # waiting too long
        {"status": "open", "created_at": now - timedelta(hours=2), "closed_at": None},  # not judged yet
        {"status": "dismissed", "created_at": now - timedelta(days=5), "closed_at": now},  # not judged
    ]

    within, judged = review_share(tasks, 48, now)
    assert (within, judged) == (1, 3)
    goal = Goal("g", "bot", "tasks_reviewed_within", 0.95, 48, None, None, "rita", SET)
    progress = review_progress(goal, within, judged)
    assert progress.state == "behind" and round(progress.current, 3) == 0.333 and progress.measured_on == 3
    assert review_progress(goal, 0, 0).state == "no data"
    assert goal.wording == "95 % of tasks reviewed within 48 hours"
