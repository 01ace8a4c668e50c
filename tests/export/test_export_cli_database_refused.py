"""`feedgate export` opens and checks the database before its progress bar and its output: a refusal is one line."""

from __future__ import annotations

from pathlib import Path

from cli_run import free_port, one_line_error, run

from gateway.store.migrate import upgrade_database

# One revision behind the newest: what a database left by the Feedgate before an upgrade is.
BEHIND = "0029"


def test_an_out_of_date_schema_is_one_line_and_leaves_the_output_file_untouched(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path}/feedgate.db"
    upgrade_database(url, BEHIND)
    output = tmp_path / "train.jsonl"
    output.write_text("last week's export\n")

    result = run(
        ["export", "--format", "chat", "--output", str(output)],
        {"FEEDGATE_DATABASE_URL": url, "FEEDGATE_LOG_FORMAT": "text", "COLUMNS": "100"},
    )

    assert result.returncode == 2
    assert one_line_error(result) == "feedgate: the database schema is out of date: run `feedgate db upgrade` first"
    assert output.read_text() == "last week's export\n"
    assert not (tmp_path / ".train.jsonl.partial").exists()


def test_an_unreachable_postgres_is_one_line_without_a_progress_bar():
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/test"

    result = run(
        ["export", "--format", "chat"],
        {"FEEDGATE_DATABASE_URL": url, "FEEDGATE_LOG_FORMAT": "text", "COLUMNS": "100"},
    )

    assert result.returncode == 2
    line = one_line_error(result)
    assert line.startswith("feedgate: ") and "exporting" not in line
    assert result.stdout == ""
