"""`feedgate demo` runs the whole loop and shows the fix working (SQLite in a temporary folder, or one it keeps)."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys

import pytest
from rich.console import Console

from clustering import SentenceTransformerEmbedder
from gateway.cli import build_parser
from gateway.demo.loop import run_demo
from gateway.embedder import LazyEmbedder


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    model = SentenceTransformerEmbedder()
    model.embed(["warm up"])
    return model


async def test_the_demo_fixes_the_wrong_answers_and_measures_the_fall_and_keeps_its_database_when_asked(
    monkeypatch, embedder, tmp_path
):
    monkeypatch.setattr("gateway.services.product_embedder", lambda settings, environ: LazyEmbedder.holding(embedder))
    output = io.StringIO()
    report = await run_demo(Console(file=output, width=80), embedder=embedder, keep=tmp_path / "kept")
    text = output.getvalue()
    with sqlite3.connect(tmp_path / "kept" / "demo.db") as kept:  # for the admin pages afterwards
        assert kept.execute("SELECT count(*) FROM interactions").fetchone()[0] >= 120
    assert f"FEEDGATE_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'kept' / 'demo.db'}" in text
    assert (report.wrong_before, report.wrong_after) == (24, 0)
    assert "Add a knowledge-base entry" in text and "Preview" in text and "linked to the issue" in text
    comparison = report.effect.before_after
    assert comparison is not None and comparison.result.enough_data
    assert comparison.verdict.startswith("negative rate fell")
    # Printed once, with its p-value once.
    assert text.count(comparison.verdict) == 1 and text.count("(p ") == 1
    assert [title.split(":")[0] for title, _ in report.steps][-1] == "Effect"


def test_the_demo_is_a_feedgate_command():
    assert build_parser().parse_args(["demo", "--seed", "3"]).seed == 3


def test_the_demo_keeps_its_database_only_in_a_folder_without_one(tmp_path):
    (tmp_path / "demo.db").touch()
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "demo", "--keep", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "holds a demo database already: give --keep a new folder" in result.stderr
