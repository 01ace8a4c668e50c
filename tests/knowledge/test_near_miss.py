"""A search's closest entry is near the threshold when within the search's own margin below it (else far)."""

from __future__ import annotations

from gateway.knowledge.near_miss import DEFAULT_NEAR, closest_is_near


def test_a_score_within_the_margin_below_the_threshold_is_near():
    assert closest_is_near(0.57, 0.6, 0.05)


def test_a_score_far_below_the_threshold_is_not_near():
    assert not closest_is_near(0.10, 0.6, 0.05)


def test_with_the_margin_off_the_default_margin_says_what_is_near():
    assert closest_is_near(0.6 - DEFAULT_NEAR, 0.6, None)
    assert not closest_is_near(0.6 - DEFAULT_NEAR - 0.01, 0.6, None)
