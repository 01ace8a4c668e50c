"""The delay histogram behind roll-up medians: exact to the second under an hour, within 0.5 % above."""

from __future__ import annotations

import statistics

import pytest

from gateway.feedback.delay_histogram import DelayHistogram


def test_an_empty_histogram_has_no_median():
    assert DelayHistogram().median() is None


def test_the_median_of_an_odd_count_is_the_middle_delay():
    assert DelayHistogram.of([30, 5, 100]).median() == 30.0


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert DelayHistogram.of([30, 40]).median() == 35.0


def test_delays_under_an_hour_count_to_the_nearest_second():
    assert DelayHistogram.of([12.4]).median() == 12.0


def test_long_delays_keep_their_median_within_half_a_percent():
    delays = [3 * 3600.0, 26 * 3600.0, 9 * 86400.0, 40 * 86400.0, 7 * 3600.0]

    assert DelayHistogram.of(delays).median() == pytest.approx(statistics.median(delays), rel=0.005)


def test_a_negative_delay_counts_as_zero():
    assert DelayHistogram.of([-3.0]).median() == 0.0


def test_merged_histograms_give_the_median_of_all_their_delays():
    monday, tuesday = DelayHistogram.of([10, 20, 30]), DelayHistogram.of([40, 50])

    monday.merge(tuesday)

    assert (len(monday), monday.median()) == (5, 30.0)


def test_a_histogram_survives_its_json_form():
    histogram = DelayHistogram.of([1, 1, 2, 5000, 900000])

    restored = DelayHistogram.from_json(histogram.to_json())

    assert (len(restored), restored.median(), restored.to_json()) == (5, 2.0, histogram.to_json())
