"""Text given on the command line that is not UTF-8 is refused in one line naming it, exit 2, never a traceback.

A shell passes bytes; Python keeps the ones that are no UTF-8 as lone surrogates, which no database
takes (the query failed with UnicodeEncodeError's traceback). File names are bytes to the system
and stay as they are.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cli_run import one_line_error, run

# What Python makes of the byte 0xff in an argument (os.fsdecode): a lone surrogate.
NOT_UTF8 = "bo\udcff"


@pytest.fixture
def database(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "t.db"
    sqlite3.connect(path).close()
    return {"FEEDGATE_DATABASE_URL": f"sqlite:///{path}", "FEEDGATE_LOG_FORMAT": "text"}


def test_an_option_that_is_not_utf8_is_refused_naming_it(database: dict[str, str]):
    result = run(["export", "--format", "chat", "--app", NOT_UTF8], database)

    assert result.returncode == 2
    assert one_line_error(result) == "feedgate: --app is not UTF-8 text (byte 0xff at 3): give it in UTF-8"


def test_an_argument_that_is_not_utf8_is_refused_naming_it(database: dict[str, str]):
    result = run(["keys", "create", NOT_UTF8], database)

    assert result.returncode == 2
    assert one_line_error(result) == "feedgate: app is not UTF-8 text (byte 0xff at 3): give it in UTF-8"


def test_a_file_name_that_is_not_utf8_is_taken_as_the_system_gives_it(tmp_path: Path, database: dict[str, str]):
    name = tmp_path / f"{NOT_UTF8}.jsonl"
    name.write_text('{"request": {"messages": [{"role": "user", "content": "Hi"}]}}\n')

    result = run(["import", str(name)], database)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported 1 interaction")
