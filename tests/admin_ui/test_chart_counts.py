"""Counts beside their nouns and in the charts: a sparkline's name says its runs by the pages' count rule ("1 run"), a bar's or a point's
title gives the exact count as the figures tables do ("1 234"), while the ticks stay short ("1.2k");
a task's evidence says its threshold by the same count rule ("1 complaint")."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from admin_ui.charts import Series, bar_chart, line_chart
from admin_ui.issue_list import trend_sparkline
from admin_ui.review_evidence import evidence_view
from clustering.issue_status import IssueStatus
from gateway.domain.issues import Issue, IssuePoint
from gateway.review.issue_rule import IssueRule, issue_evidence

SVG = "{http://www.w3.org/2000/svg}"
THIN = "\u202f"  # the pages' digit group separator (the `count` filter)


def issue_with_trend(*sizes: int) -> Issue:
    points = tuple(IssuePoint(date(2026, 3, day + 1), size, 0) for day, size in enumerate(sizes))
    return Issue(
        "i1", "bot", "fees", None, (), sizes[-1], 0, IssueStatus.OPEN, False, None, None, None, 0, trend=points
    )


@pytest.mark.parametrize(("sizes", "said"), [((4,), "the last 1 run: 4"), ((4, 6), "the last 2 runs: 4, 6")])
def test_a_trend_sparkline_says_one_run_or_several(sizes, said):
    root = ET.fromstring(str(trend_sparkline(issue_with_trend(*sizes))))

    assert root.get("aria-label") == f"Size over {said}"


def test_a_bars_title_gives_the_exact_count_and_its_tick_stays_short():
    root = ET.fromstring(str(bar_chart("Calls", ["a", "b"], [Series("calls", [1234, 300])])))

    bars = list(root.iter(f"{SVG}rect"))[1:]  # the first is the legend swatch
    assert [bar.find(f"{SVG}title").text for bar in bars] == [f"calls · a: 1{THIN}234", "calls · b: 300"]
    ticks = [t.text for t in root.iter(f"{SVG}text") if "y-tick" in (t.get("class") or "")]
    assert ticks == ["0", "500", "1k", "1.5k"]


def test_a_count_lines_point_title_gives_the_exact_count():
    root = ET.fromstring(str(line_chart("Size", ["a", "b"], [Series("complaints", [1234, 5])])))

    titles = [circle.find(f"{SVG}title").text for circle in root.iter(f"{SVG}circle")]
    assert titles == [f"complaints · a: 1{THIN}234", "complaints · b: 5"]


def test_an_issue_tasks_threshold_of_one_complaint_is_said_in_the_singular():
    issue = issue_with_trend(1)
    evidence = issue_evidence(issue, [], "reached", "run-1", IssueRule(1, 5, None))

    view = evidence_view(evidence, "The issue reached its size")

    assert {fact.label: fact.value for fact in view.facts}["Thresholds"] == "a task at 1 complaint, or growth by 5"
