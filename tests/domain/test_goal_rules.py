"""The negative-rate goal's rules: a rate above its baseline is no progress, and a 0 % baseline means "keep it at 0 %"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.domain.goals import Goal, rate_progress

SET = datetime(2026, 9, 1, tzinfo=UTC)
DUE = SET + timedelta(days=90)


def rate_goal(baseline: float) -> Goal:
    return Goal("g", "bot", "negative_rate_reduction", 0.3, None, baseline, DUE, "rita", SET)


def test_a_rate_above_its_baseline_is_behind_with_no_progress_even_just_after_setting():
    progress = rate_progress(rate_goal(0.2), 0.25, 500, SET + timedelta(days=1))

    assert (progress.progress, progress.state) == (0.0, "behind")


def test_a_rate_above_its_baseline_at_the_due_date_is_missed():
    assert rate_progress(rate_goal(0.2), 0.25, 500, DUE + timedelta(days=1)).state == "missed"


def test_on_a_0_percent_baseline_any_negative_rate_is_behind_not_progress():
    progress = rate_progress(rate_goal(0.0), 0.5, 4, SET + timedelta(days=1))

    assert (progress.target_value, progress.progress, progress.state) == (0.0, 0.0, "behind")


def test_on_a_0_percent_baseline_a_rate_kept_at_0_is_met():
    progress = rate_progress(rate_goal(0.0), 0.0, 4, SET + timedelta(days=1))

    assert (progress.progress, progress.state) == (1.0, "met")
