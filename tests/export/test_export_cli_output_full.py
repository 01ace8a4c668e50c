"""`feedgate export` onto a full disk: one line saying so, exit 2, no traceback (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys

from export_seed import give_feedback, store_chat
from run_cli import feedgate_export


async def seed(engine) -> None:
    corrected = await store_chat(engine, "What is the fee?", "The fee is 2%.")
    await give_feedback(engine, corrected, correction="The fee is 1%.")


async def test_an_output_on_a_full_disk_is_one_line_saying_so(database_url, engine):
    await seed(engine)

    result = feedgate_export(database_url, "--format", "chat", "--output", "/dev/full")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == "feedgate: export stopped: cannot write /dev/full: No space left on device"


def export_onto_a_full_disk(database_url: str) -> subprocess.CompletedProcess[str]:
    """`feedgate export --format chat` whose stdout is /dev/full, as a full disk behind `> train.jsonl` is."""
    with open("/dev/full", "w") as full:
        return subprocess.run(
            [sys.executable, "-m", "gateway.cli", "export", "--format", "chat"],
            env={**os.environ, "FEEDGATE_DATABASE_URL": database_url, "FEEDGATE_LOG_FORMAT": "text"},
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )


async def test_stdout_on_a_full_disk_is_one_line_saying_so(database_url, engine):
    await seed(engine)

    result = export_onto_a_full_disk(database_url)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert result.stderr.splitlines()[-1] == "feedgate: export stopped: cannot write stdout: No space left on device"
