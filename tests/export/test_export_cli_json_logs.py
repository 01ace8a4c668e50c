"""`feedgate export` with JSON logs: every line on stderr is a JSON log line (SQLite and PostgreSQL).

stdout holds the examples; stderr is the log stream a collector parses, so the summary and the
warnings are log lines with their figures as fields, as `feedgate cluster` reports its pass.
"""

from __future__ import annotations

import json

from export_seed import give_feedback, review, review_service, store_chat
from run_cli import feedgate_export

from gateway.review.records import Outcome


def log_lines(stderr: str) -> list[dict]:
    """Every line of `stderr`, parsed (a line that is no JSON fails the test here)."""
    return [json.loads(line) for line in stderr.splitlines()]


async def test_the_summary_is_a_json_log_line_with_its_figures(database_url, engine):
    corrected = await store_chat(engine, "What is the fee?", "The fee is 2%.")
    await give_feedback(engine, corrected, correction="The fee is 1%.")

    result = feedgate_export(database_url, "--format", "chat", log_format="json")

    assert result.returncode == 0, result.stderr
    [summary] = [line for line in log_lines(result.stderr) if line["logger"] == "feedgate.export"]
    assert summary["message"] == "wrote 1 line from 1 labelled example (1 end_user_correction)"
    assert (summary["level"], summary["lines"], summary["examples"], summary["duplicates"]) == ("info", 1, 1, 0)
    assert summary["no_example"] == 0
    assert summary["sources"] == {"end_user_correction": 1}


async def test_the_warning_about_an_unknown_app_is_a_json_log_line(database_url, engine):
    await store_chat(engine, app="billing-bot")

    result = feedgate_export(database_url, "--format", "chat", "--app", "biling-bot", log_format="json")

    assert result.returncode == 0, result.stderr
    [warning] = [line for line in log_lines(result.stderr) if line["level"] == "warning"]
    assert warning["message"].startswith("no calls from app 'biling-bot' have been recorded")
    assert warning["logger"] == "feedgate.export"


async def test_the_summary_counts_the_approvals_of_answers_that_said_nothing(database_url, engine):
    from test_export_empty_choices import approve_choice

    await approve_choice(engine, await store_chat(engine, "What is the fee?", "\u00a0"), 0)

    result = feedgate_export(database_url, "--format", "chat", log_format="json")

    assert result.returncode == 0, result.stderr
    [summary] = [line for line in log_lines(result.stderr) if line["logger"] == "feedgate.export"]
    assert summary["message"].endswith("; 1 approval left out: its answer said nothing and called no tool")
    assert (summary["no_example"], summary["said_nothing"]) == (0, 1)


async def test_the_summary_counts_the_corrections_that_said_nothing(database_url, engine):
    await give_feedback(engine, await store_chat(engine), correction="\u200b")

    result = feedgate_export(database_url, "--format", "chat", log_format="json")

    assert result.returncode == 0, result.stderr
    [summary] = [line for line in log_lines(result.stderr) if line["logger"] == "feedgate.export"]
    assert summary["message"].endswith("; 1 correction left out: it said nothing")
    assert (summary["no_example"], summary["blank_corrections"]) == (0, 1)


async def test_the_summary_counts_the_corrections_redaction_took_all_of(database_url, engine):
    await give_feedback(engine, await store_chat(engine), correction="[redacted:email]")

    result = feedgate_export(database_url, "--format", "chat", log_format="json")

    assert result.returncode == 0, result.stderr
    [summary] = [line for line in log_lines(result.stderr) if line["logger"] == "feedgate.export"]
    assert summary["message"].endswith("; 1 correction left out: redaction took all it said")
    assert (summary["blank_corrections"], summary["redacted_corrections"]) == (0, 1)


async def test_the_summary_counts_the_approvals_of_answers_cut_short(database_url, engine):
    cut = await store_chat(engine, "What is the fee?", "The fee is", partial=True)
    await review(review_service(engine), [cut], Outcome.APPROVE)

    result = feedgate_export(database_url, "--format", "chat", log_format="json")

    assert result.returncode == 0, result.stderr
    [summary] = [line for line in log_lines(result.stderr) if line["logger"] == "feedgate.export"]
    assert summary["message"].endswith("; 1 approval left out: its answer was cut short")
    assert (summary["no_example"], summary["cut_short"]) == (0, 1)
