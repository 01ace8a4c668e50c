"""`feedgate import`, run as a user would run it: counts, repeats and the files it refuses."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest
from test_cli import one_line_error, run


def import_line(interaction_id: str) -> str:
    request = {"model": "gpt-test", "messages": [{"role": "user", "content": "Where is my refund?"}]}
    return orjson.dumps({"id": interaction_id, "request": request, "feedback": [{"thumbs": "down"}]}).decode()


def test_import_counts_a_repeated_id_apart_from_what_it_stored(tmp_path: Path):
    data = tmp_path / "in.jsonl"
    data.write_text("\n".join([import_line("imp-1"), import_line("imp-2"), import_line("imp-1")]) + "\n")

    result = run(["import", str(data)], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/i.db"})

    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "imported 2 interactions and 2 feedback events; skipped 0 bad lines, 1 line repeating an earlier "
        "line's id, and 0 interactions and 0 feedback events already stored\n"
    )
    assert "line 3: repeats the id 'imp-1' of line 1" in result.stderr


def test_importing_a_file_again_counts_its_rows_as_already_stored(tmp_path: Path):
    data = tmp_path / "in.jsonl"
    data.write_text("\n".join([import_line("imp-1"), import_line("imp-2")]) + "\n")
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/i.db"}
    run(["import", str(data)], env)

    result = run(["import", str(data)], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported 0 interactions and 0 feedback events;")
    assert result.stdout.endswith("and 2 interactions and 2 feedback events already stored\n")


@pytest.mark.parametrize("batch_size", ["0", "-1"])
def test_import_refuses_a_batch_size_below_1(tmp_path: Path, batch_size: str):
    data = tmp_path / "in.jsonl"
    data.write_text(import_line("imp-1") + "\n")

    result = run(
        ["import", str(data), "--batch-size", batch_size], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/i.db"}
    )

    assert result.returncode == 2
    assert one_line_error(result) == f"feedgate: --batch-size must be at least 1, got {batch_size}"


def test_import_of_a_directory_says_it_is_a_directory(tmp_path: Path):
    result = run(["import", str(tmp_path)], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/i.db"})

    assert result.returncode == 2
    assert one_line_error(result) == f"feedgate: {tmp_path} is a directory; name a JSON Lines file"


def test_import_of_a_device_says_it_is_not_a_regular_file(tmp_path: Path):
    result = run(["import", os.devnull], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/i.db"})

    assert result.returncode == 2
    assert one_line_error(result) == f"feedgate: {os.devnull} is not a regular file; name a JSON Lines file"


def test_a_file_with_no_line_to_import_exits_1(tmp_path: Path):
    data = tmp_path / "wrong.jsonl"
    data.write_text("not json\n[1, 2]\n")

    result = run(["import", str(data)], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/i.db"})

    assert result.returncode == 1
    assert "skipped 2 bad lines" in result.stdout


def test_each_refused_line_is_said_on_one_line_of_output_however_long(tmp_path: Path):
    # Not on a terminal, rich wrapped at 80 columns: a reason ran on to the next line, where grep lost it.
    data = tmp_path / "in.jsonl"
    data.write_text(import_line("imp-1") + "\n" + '{"id": "imp-2", "request": "' + "x" * 120 + "\n")

    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/i.db", "FEEDGATE_LOG_FORMAT": "text"}
    result = run(["import", str(data)], env)

    assert result.returncode == 0, result.stderr
    [said] = [line for line in result.stderr.splitlines() if "line 2:" in line]
    assert said.startswith("line 2: not valid JSON:")
    assert said.endswith("(char 148)")


def test_with_json_logs_every_line_on_stderr_is_json(tmp_path: Path):
    data = tmp_path / "in.jsonl"
    data.write_text("\n".join([import_line("imp-1"), "not json"]) + "\n")

    result = run(
        ["import", str(data)], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/i.db", "FEEDGATE_LOG_FORMAT": "json"}
    )

    assert result.returncode == 0, result.stderr
    logged = [orjson.loads(line) for line in result.stderr.splitlines()]
    [bad] = [entry for entry in logged if entry.get("line") == 2]
    assert bad["message"].startswith("line 2: not valid JSON") and bad["level"] == "warning"
