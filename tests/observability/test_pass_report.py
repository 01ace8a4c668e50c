"""What a clustering pass found, as `feedgate worker` and `feedgate cluster` report it.

With JSON logs: one JSON log line per pass, its figures as fields (a log collector cannot parse a
table). Otherwise: the summary table on stdout. A pass with nothing to cluster is one line either way.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import orjson
import pytest

from gateway.cli_discovery import report_pass
from gateway.discovery.summary import NOTHING_TO_CLUSTER, AppRunSummary, RunSummary
from gateway.observability.logs import log_handler

SUPPORT = AppRunSummary(
    app="support-bot",
    run_id="run-1",
    items=40,
    clusters=3,
    noise=5,
    new_issues=1,
    continued_issues=2,
    reduction="fitted",
    seconds=4.25,
)
BILLING = AppRunSummary(
    app="billing",
    run_id="run-2",
    items=12,
    clusters=2,
    noise=1,
    continued_issues=1,
    reopened_issues=1,
    retired_issues=1,
    reduction="reused",
    seconds=0.5,
    kind="incremental",
    new_items=4,
    assigned_items=3,
)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Everything logged during the test, as the JSON handler writes it."""
    stream = io.StringIO()
    handler = log_handler("json", "info", stream)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def parsed(stream: io.StringIO) -> list[dict]:
    """Every line written, parsed as JSON (fails on any line that is not)."""
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


def test_with_json_logs_a_pass_is_one_log_line_with_its_totals_as_fields(
    json_lines: io.StringIO, capsys: pytest.CaptureFixture[str]
):
    report_pass(RunSummary(apps=[SUPPORT, BILLING]), as_json=True)

    (entry,) = parsed(json_lines)
    assert entry["level"] == "info" and entry["logger"] == "feedgate.discovery"
    assert entry["message"] == (
        "clustering pass: 2 apps, 52 items, 5 issues (1 new, 3 ongoing, 1 reopened, 1 gone), 6 noise, 4.8 s"
    )
    totals = {name: entry[name] for name in ("items", "issues", "new", "ongoing", "reopened", "gone", "noise")}
    assert totals == {"items": 52, "issues": 5, "new": 1, "ongoing": 3, "reopened": 1, "gone": 1, "noise": 6}
    assert entry["seconds"] == 4.75
    assert capsys.readouterr().out == ""


def test_with_json_logs_each_apps_figures_are_in_the_lines_apps_field(json_lines: io.StringIO):
    report_pass(RunSummary(apps=[SUPPORT, BILLING]), as_json=True)

    (entry,) = parsed(json_lines)
    assert entry["apps"] == [
        {
            "app": "support-bot",
            "kind": "full",
            "items": 40,
            "issues": 3,
            "new": 1,
            "ongoing": 2,
            "reopened": 0,
            "gone": 0,
            "noise": 5,
            "seconds": 4.25,
            "reduction": "fitted",
        },
        {
            "app": "billing",
            "kind": "incremental",
            "items": 12,
            "issues": 2,
            "new": 0,
            "ongoing": 1,
            "reopened": 1,
            "gone": 1,
            "noise": 1,
            "seconds": 0.5,
            "reduction": "reused",
            "new_items": 4,
            "assigned_items": 3,
        },
    ]


def test_with_json_logs_a_pass_with_nothing_to_cluster_is_one_log_line_saying_so(
    json_lines: io.StringIO, capsys: pytest.CaptureFixture[str]
):
    report_pass(RunSummary(), as_json=True)

    (entry,) = parsed(json_lines)
    assert entry["message"] == NOTHING_TO_CLUSTER
    assert entry["items"] == 0 and entry["issues"] == 0 and entry["apps"] == []
    assert capsys.readouterr().out == ""


def test_with_text_logs_a_pass_is_the_summary_table_on_stdout(
    json_lines: io.StringIO, capsys: pytest.CaptureFixture[str]
):
    report_pass(RunSummary(apps=[SUPPORT, BILLING]), as_json=False)

    out = capsys.readouterr().out
    assert "Clustering pass" in out
    assert "support-bot" in out and "billing" in out
    assert json_lines.getvalue() == ""


def test_with_text_logs_a_pass_with_nothing_to_cluster_is_one_line_not_an_empty_table(
    json_lines: io.StringIO, capsys: pytest.CaptureFixture[str]
):
    report_pass(RunSummary(), as_json=False)

    assert capsys.readouterr().out == NOTHING_TO_CLUSTER + "\n"
    assert json_lines.getvalue() == ""


def test_an_app_whose_complaints_made_no_issue_is_told_how_many_alike_make_one(
    json_lines: io.StringIO, capsys: pytest.CaptureFixture[str]
):
    # A first try (one thumbs down, then `feedgate cluster`) read "1 item, 0 issues, 1 noise" and no why.
    lone = AppRunSummary(app="support-bot", run_id="run-1", items=1, clusters=0, noise=1)

    report_pass(RunSummary(apps=[lone, SUPPORT]), as_json=False)

    out = " ".join(capsys.readouterr().out.split())
    assert "support-bot: 0.0 s, too few items for UMAP; no issue yet: an issue needs at least 3 alike complaints" in out
    assert out.count("no issue yet") == 1
