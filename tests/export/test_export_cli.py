"""`feedgate export`, run as a user would run it, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from export_seed import conversation, give_feedback, review, review_service, store_chat
from run_cli import feedgate_export

from gateway.cli import main
from gateway.review.records import Outcome


async def seed(engine) -> tuple[str, str]:
    corrected = await store_chat(engine, "What is the fee?", "The fee is 2%.")
    await give_feedback(engine, corrected, correction="The fee is 1%.")
    approved = await store_chat(engine, "Is there a charge?", "No.", app="billing-bot")
    await review(review_service(engine), [approved], Outcome.APPROVE, evidence={"confidence": 0.5}, app="billing-bot")
    return corrected, approved


async def test_writes_chat_jsonl_to_the_output_file(database_url, engine, tmp_path: Path):
    await seed(engine)
    output = tmp_path / "out" / "train.jsonl"
    output.parent.mkdir()

    result = feedgate_export(database_url, "--format", "chat", "--output", str(output))

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "wrote 2 lines from 2 labelled examples" in result.stderr
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert lines == [
        {"messages": [*conversation("What is the fee?"), {"role": "assistant", "content": "The fee is 1%."}]},
        {"messages": [*conversation("Is there a charge?"), {"role": "assistant", "content": "No."}]},
    ]
    assert list(output.parent.iterdir()) == [output]  # the partial file was renamed over it


async def test_writes_to_stdout_by_default_with_filters(database_url, engine):
    _corrected, approved = await seed(engine)

    result = feedgate_export(database_url, "--format", "jsonl", "--app", "billing-bot", "--since", "2000-01-01")

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["interaction_id"], line["source"], line["weight"]) for line in lines] == [
        (approved, "human_review", 1 / 0.51)
    ]
    later = feedgate_export(database_url, "--format", "preference", "--since", "2999-01-01T00:00:00Z")
    assert (later.returncode, later.stdout) == (0, "")


async def test_preference_from_the_cli(database_url, engine):
    await seed(engine)

    result = feedgate_export(database_url, "--format", "preference")

    assert result.returncode == 0, result.stderr
    (line,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert line["non_preferred_output"] == [{"role": "assistant", "content": "The fee is 2%."}]
    assert "1 not in this format" in result.stderr


def export_into_a_closed_pipe(database_url: str) -> tuple[int, str]:
    """Run `feedgate export` whose reader is gone before the first line, as `| head -0` leaves it: (exit code, stderr)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "export", "--format", "chat"],
        env={**os.environ, "FEEDGATE_DATABASE_URL": database_url, "COLUMNS": "100"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.close()
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr


async def test_a_reader_closing_the_output_stops_it_in_one_line(database_url, engine):
    await seed(engine)

    returncode, stderr = export_into_a_closed_pipe(database_url)

    assert returncode == 1
    assert "export stopped: the reader closed the output" in stderr
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr


async def test_the_summary_counts_one_example_in_the_singular(database_url, engine):
    corrected = await store_chat(engine, "What is the fee?", "The fee is 2%.")
    await give_feedback(engine, corrected, correction="The fee is 1%.")

    result = feedgate_export(database_url, "--format", "chat")

    assert result.returncode == 0, result.stderr
    assert "wrote 1 line from 1 labelled example (1 end_user_correction)" in result.stderr


def test_a_bad_since_is_refused_precisely(database_url):
    result = feedgate_export(database_url, "--format", "chat", "--since", "last tuesday")

    assert result.returncode == 2
    assert "--since must be an ISO 8601 date or time" in result.stderr
    assert "'last tuesday'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_format_is_refused_precisely(database_url):
    result = feedgate_export(database_url, "--format", "alpaca")

    assert result.returncode == 2
    assert "--format must be one of chat, preference, jsonl; got 'alpaca'" in result.stderr


def test_an_output_in_a_missing_directory_is_refused(database_url, tmp_path: Path):
    result = feedgate_export(database_url, "--format", "chat", "--output", str(tmp_path / "nope" / "x.jsonl"))

    assert result.returncode == 2
    assert "--output: no such directory" in result.stderr
    assert "Traceback" not in result.stderr


async def test_until_leaves_out_labels_given_at_or_after_it(database_url, engine):
    earlier = datetime.now(UTC) - timedelta(days=3)
    old = await store_chat(engine, "Old question?")
    await give_feedback(engine, old, correction="Old answer.", at=earlier)
    new = await store_chat(engine, "New question?")
    await give_feedback(engine, new, correction="New answer.")

    result = feedgate_export(database_url, "--format", "jsonl", "--until", (earlier + timedelta(days=1)).isoformat())

    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["interaction_id"] for line in result.stdout.splitlines()] == [old]


async def test_source_keeps_one_source(database_url, engine):
    _corrected, approved = await seed(engine)

    result = feedgate_export(database_url, "--format", "jsonl", "--source", "human_review")

    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["interaction_id"] for line in result.stdout.splitlines()] == [approved]
    assert "wrote 1 line from 1 labelled example (1 human_review)" in result.stderr


def refused(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> str:
    """What `feedgate export ARGS` says on stderr, having exited 2 before opening its database."""
    database = tmp_path / "never-opened.db"
    with pytest.raises(SystemExit) as exited:
        main(["export", "--database-url", f"sqlite+aiosqlite:///{database}", *args])
    assert exited.value.code == 2
    assert not database.exists()
    return capsys.readouterr().err


@pytest.mark.parametrize("option", ["--app", "--since", "--until", "--source"])
@pytest.mark.parametrize("blank", ["", "\u200b", "\u2060\u3000"])
def test_a_blank_value_is_refused_naming_its_option(capsys, tmp_path: Path, option, blank):
    stderr = refused(capsys, tmp_path, "--format", "chat", option, blank)

    assert f"feedgate: {option} must not be blank" in stderr


def test_until_before_since_is_refused(capsys, tmp_path: Path):
    stderr = refused(capsys, tmp_path, "--format", "chat", "--since", "2026-06-02", "--until", "2026-06-01")

    assert "feedgate: --until must be later than --since; got '2026-06-02' and '2026-06-01'" in stderr


def test_an_unknown_source_is_refused_with_the_sources_there_are(capsys, tmp_path: Path):
    stderr = refused(capsys, tmp_path, "--format", "chat", "--source", "robot")

    assert "feedgate: --source must be one of end_user_correction, human_review; got 'robot'" in stderr


def test_a_bad_until_is_refused_precisely(capsys, tmp_path: Path):
    stderr = refused(capsys, tmp_path, "--format", "chat", "--until", "soon")

    assert "feedgate: --until must be an ISO 8601 date or time" in stderr
    assert "'soon'" in stderr


async def test_an_output_through_a_symlink_fills_the_file_it_names_and_keeps_the_link(database_url, engine, tmp_path):
    await seed(engine)
    (tmp_path / "train.jsonl").write_text("old\n")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(tmp_path / "train.jsonl")

    result = feedgate_export(database_url, "--format", "chat", "--output", str(link))

    assert result.returncode == 0, result.stderr
    assert link.is_symlink()
    assert len((tmp_path / "train.jsonl").read_text().splitlines()) == 2
    assert not [path.name for path in tmp_path.iterdir() if path.name.endswith(".partial")]


async def test_an_output_that_is_a_fifo_is_written_into_not_replaced(database_url, engine, tmp_path):
    await seed(engine)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    read: list[str] = []
    reader = threading.Thread(target=lambda: read.append(fifo.read_text()))
    reader.start()

    result = feedgate_export(database_url, "--format", "chat", "--output", str(fifo))
    reader.join(timeout=30)

    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert len(read[0].splitlines()) == 2


async def test_an_app_with_no_recorded_calls_is_warned_about_after_its_empty_export(database_url, engine):
    await seed(engine)

    mistyped = feedgate_export(database_url, "--format", "chat", "--app", "biling-bot")
    known = feedgate_export(database_url, "--format", "chat", "--app", "billing-bot")

    assert (mistyped.returncode, mistyped.stdout) == (0, "")
    assert "warning: no calls from app 'biling-bot' have been recorded" in mistyped.stderr
    assert "billing-bot" in mistyped.stderr.split("warning:", 1)[1]
    assert "warning" not in known.stderr


async def test_the_warning_about_an_unknown_app_is_one_line_naming_the_apps_seen(database_url, engine):
    # Not on a terminal, rich wrapped it at 80 columns, so the apps seen were on a line of their own.
    await seed(engine)

    result = feedgate_export(database_url, "--format", "chat", "--app", "biling-bot")

    [warning] = [line for line in result.stderr.splitlines() if "biling-bot" in line]
    assert warning.startswith("warning: no calls from app 'biling-bot' have been recorded")
    assert warning.endswith("(apps seen: billing-bot, support-bot)")


async def test_a_new_output_file_is_readable_by_its_owner_only(database_url, engine, tmp_path: Path):
    await seed(engine)
    output = tmp_path / "train.jsonl"

    result = feedgate_export(database_url, "--format", "chat", "--output", str(output))

    assert result.returncode == 0, result.stderr
    # It holds end users' conversations and corrections, as the database does (0600 too).
    assert stat.S_IMODE(output.stat().st_mode) == 0o600


async def test_an_output_file_written_over_keeps_its_mode(database_url, engine, tmp_path: Path):
    await seed(engine)
    output = tmp_path / "train.jsonl"
    output.write_text("")
    output.chmod(0o640)

    result = feedgate_export(database_url, "--format", "chat", "--output", str(output))

    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(output.stat().st_mode) == 0o640
