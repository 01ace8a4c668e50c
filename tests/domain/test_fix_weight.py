"""The importance rule weighs an issue's latest fix by its kept effect: what it left of the negative rate.

An issue whose live fix cut its negative rate from 93 % to 2.6 % ranked at the top of "Issues that matter most"
as if nothing had happened.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clustering.issue_status import IssueStatus
from gateway.domain.fix_weight import REGRESSION_FACTOR, fix_factor
from gateway.domain.issues import Issue
from gateway.domain.overview import follow_ups, importance, rank_issues
from gateway.effect.verdict_cache import KeptEffect

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def issue(name: str, negative: int) -> Issue:
    return Issue(
        id=name,
        app="bot",
        title=name,
        summary=None,
        keywords=(),
        size=negative,
        negative_count=negative,
        status=IssueStatus.OPEN,
        regressed=False,
        merged_into=None,
        first_seen=NOW,
        last_seen=NOW,
        growth=0,
        trend=(),
    )


def kept(
    outcome: str = "fell", before: float | None = 0.93, after: float | None = 0.026, link: str = "L2"
) -> KeptEffect:
    return KeptEffect("a", link, outcome, before, after, 0.0001, f"negative rate {outcome}", NOW)  # type: ignore[arg-type]


def links(issue_id: str = "a") -> list[dict]:
    """Two fixes for the issue, L1 then L2 (the latest), both still active."""
    return [
        {"id": "L1", "issue_id": issue_id, "kind": "prompt", "arm": "live", "live_at": NOW - timedelta(days=9), "standing": "active"},
        {"id": "L2", "issue_id": issue_id, "kind": "prompt", "arm": "live", "live_at": NOW - timedelta(days=3), "standing": "active"},
    ]  # fmt: skip


def test_a_fix_that_measurably_cut_the_rate_scales_importance_by_what_it_left():
    assert fix_factor(False, "active", kept()) == pytest.approx(0.026 / 0.93)
    assert fix_factor(False, "canary", kept()) == pytest.approx(0.026 / 0.93)


@pytest.mark.parametrize(
    ("regressed", "standing", "effect", "factor"),
    [
        (False, "active", None, 1.0),  # not measured
        (False, "active", kept("no_change"), 1.0),
        (False, "active", kept("not_enough_data", None, None), 1.0),
        (False, "inactive", kept(), 1.0),  # switched off or replaced since: it no longer helps
        (False, "gone", kept(), 1.0),
        (False, "active", kept("rose", 0.2, 0.5), REGRESSION_FACTOR),
        (True, "active", kept(), REGRESSION_FACTOR),  # it stopped working: the regression weighs
        (False, "active", kept("fell", 0.0, 0.0), 1.0),  # nothing to scale by
    ],
)
def test_nothing_else_changes_the_weight(regressed, standing, effect, factor):
    assert fix_factor(regressed, standing, effect) == factor


def test_the_kept_effect_counts_only_for_the_link_it_measured():
    measured_latest = follow_ups(["a"], [], links(), NOW, {"a": kept(link="L2")})
    measured_older = follow_ups(["a"], [], links(), NOW, {"a": kept(link="L1")})

    assert measured_latest["a"].latest_fix.effect == kept(link="L2")
    # A newer fix went live since: that verdict says nothing of it.
    assert measured_older["a"].latest_fix.effect is None
    assert importance(issue("a", 100), measured_older["a"]) == 100


def test_a_fixed_issue_ranks_below_a_smaller_one_nobody_fixed():
    fixed, unfixed = issue("a", 100), issue("b", 20)
    done = follow_ups(["a", "b"], [], links(), NOW, {"a": kept()})

    ranked = rank_issues([fixed, unfixed], 10, done)

    assert [r.issue.id for r in ranked] == ["b", "a"]
    assert ranked[1].importance == pytest.approx(100 * 0.026 / 0.93)
    assert ranked[1].fix_factor == pytest.approx(0.026 / 0.93)
    assert ranked[0].fix_factor == 1.0
    # Without the follow-ups, the old order: the count alone.
    assert [r.issue.id for r in rank_issues([fixed, unfixed], 10)] == ["a", "b"]
