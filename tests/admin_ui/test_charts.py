"""The server-drawn SVG charts: valid SVG with axes, ticks, units and escaped labels."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from itertools import pairwise

from admin_ui.charts import (
    NARROW,
    Marker,
    Series,
    bar_chart,
    for_any_box,
    line_chart,
    nice_ticks,
    percent,
    position_among_days,
    sparkline,
)

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def texts(root: ET.Element, css_class: str) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text") if css_class in (t.get("class") or "").split()]


def test_nice_ticks_are_round_and_cover_the_top():
    assert nice_ticks(0.37) == [0.0, 0.1, 0.2, 0.3, 0.4]
    assert nice_ticks(950) == [0.0, 250.0, 500.0, 750.0, 1000.0]
    assert nice_ticks(0) == [0.0, 1.0]


def test_a_line_chart_has_axes_ticks_a_unit_and_one_line_per_series():
    days = [f"12-{d:02d}" for d in range(1, 11)]
    chart = line_chart(
        "Negative rate",
        days,
        [Series("negative", [0.1] * 10), Series("positive", [0.3, None] * 5)],
        unit="% of feedback",
        fmt=percent,
    )
    root = svg_of(chart)

    assert root.get("role") == "img" and root.get("aria-label") == "Negative rate (% of feedback)"
    assert {line.get("class") for line in root.iter(f"{SVG}line")} >= {"axis x-axis", "axis y-axis", "grid"}
    assert texts(root, "y-tick") == ["0 %", "10 %", "20 %", "30 %"]
    assert texts(root, "x-tick")[0] == "12-01" and len(texts(root, "x-tick")) <= 8
    assert texts(root, "unit") == ["% of feedback"]
    groups = [g for g in root.iter(f"{SVG}g") if g.get("data-series")]
    assert [g.get("data-series") for g in groups] == ["negative", "positive"]
    # The gaps (None) break the positive line: no polyline of one point, every value a circle.
    assert len(list(groups[0].iter(f"{SVG}polyline"))) == 1
    assert len(list(groups[1].iter(f"{SVG}circle"))) == 5


def test_two_lines_with_the_same_values_both_show_the_later_drawn_smaller_on_top():
    root = svg_of(line_chart("History", ["a", "b"], [Series("complaints", [3, 5]), Series("negative", [3, 5])]))

    first, second = [g for g in root.iter(f"{SVG}g") if g.get("data-series")]
    radius = [float(next(g.iter(f"{SVG}circle")).get("r")) for g in (first, second)]
    width = [float(next(g.iter(f"{SVG}polyline")).get("stroke-width")) for g in (first, second)]
    assert radius[0] > radius[1] and width[0] > width[1]


def test_a_bar_chart_draws_a_bar_per_value_with_its_value_in_a_title():
    root = svg_of(bar_chart("Interactions", ["a", "b"], [Series("calls", [1200, 300])], unit="per day"))

    bars = list(root.iter(f"{SVG}rect"))[1:]  # the first is the legend swatch
    assert [b.find(f"{SVG}title").text for b in bars] == ["calls · a: 1\u202f200", "calls · b: 300"]
    assert float(bars[0].get("height")) > float(bars[1].get("height"))


def test_labels_are_escaped():
    evil = "<script>alert(1)</script>"
    chart = str(line_chart(evil, [evil], [Series(evil, [1])]))

    assert "<script>" not in chart
    root = svg_of(chart)
    assert root.get("aria-label") == evil
    assert evil in texts(root, "x-tick")


def test_a_sparkline_is_a_polyline_with_its_last_point_marked():
    root = svg_of(sparkline([1, 3, None, 2], label="size <history>"))

    assert root.get("aria-label") == "size <history>"
    assert len(root.find(f"{SVG}polyline").get("points").split()) == 3
    assert root.find(f"{SVG}circle") is not None
    assert svg_of(sparkline([], label="empty")).find(f"{SVG}polyline") is None


def test_every_x_label_of_a_line_chart_stays_inside_the_chart():
    # The last point sits on the right edge: its label, centred there, was cut off ("12-0").
    days = [f"11-{d:02d}" for d in range(26, 31)] + ["12-01", "12-02", "12-03"]
    root = svg_of(line_chart("Rates", days, [Series("negative", [0.5] * 8)], fmt=percent, top=1.0))
    width = float(root.get("viewBox").split()[2])

    labels = [t for t in root.iter(f"{SVG}text") if "x-tick" in (t.get("class") or "").split()]

    assert labels[-1].text == "12-03"
    for label in labels:
        x, anchor, half = float(label.get("x")), label.get("text-anchor"), len(label.text) * 7 / 2
        right = x if anchor == "end" else x + 2 * half if anchor == "start" else x + half
        assert right <= width, (label.text, anchor, x)


def test_a_moment_between_two_days_of_the_axis_falls_between_their_points():
    days = [date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 4)]

    assert position_among_days(days, date(2026, 12, 2)) == 0.5
    assert position_among_days(days, date(2026, 12, 3)) == 1.0
    assert position_among_days(days, date(2026, 12, 9)) == 2.0
    assert position_among_days(days, date(2026, 11, 30)) is None


def test_a_marker_is_a_named_dashed_line_at_its_position():
    chart = svg_of(
        line_chart("Issue", ["a", "b", "c"], [Series("size", [1, 2, 3])], markers=[Marker(1.0, "knowledge fix v1")])
    )

    [marker] = [g for g in chart.iter(f"{SVG}g") if g.get("class") == "marker"]
    line = marker.find(f"{SVG}line")
    middle = [float(c.get("cx")) for c in chart.iter(f"{SVG}circle")][1]
    assert marker.get("data-marker") == "knowledge fix v1" and marker.find(f"{SVG}title").text == "knowledge fix v1"
    assert float(line.get("x1")) == float(line.get("x2")) == round(middle, 1)
    assert line.get("stroke-dasharray")


def test_a_narrow_charts_date_labels_do_not_overlap():
    # 30 days of ISO dates (70 units each at 11 px) on a phone's 360-unit drawing: 8 of them would overlap.
    days = [f"2026-11-{d:02d}" for d in range(1, 31)]
    chart = svg_of(line_chart("Size", days, [Series("size", [1.0] * 30)], geometry=NARROW))

    xs = [float(t.get("x") or 0) for t in chart.iter(f"{SVG}text") if "x-tick" in (t.get("class") or "").split()]

    assert chart.get("viewBox") == "0 0 360 230"
    assert len(xs) >= 2
    assert min(b - a for a, b in pairwise(xs)) >= len(days[0]) * 7.0


def test_a_chart_for_any_box_is_drawn_wide_and_narrow():
    drawn = str(
        for_any_box(lambda geometry: bar_chart("Calls", ["a", "b"], [Series("calls", [1, 2])], geometry=geometry))
    )

    classes = [svg_of(part + "</svg>").get("class") for part in drawn.split("</svg>")[:-1]]

    assert classes == ["chart chart-wide", "chart chart-narrow"]
