"""`feedgate demo` runs the whole loop and shows the fix working (SQLite in a temporary folder, or one it keeps)."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console
from sqlalchemy import text

from clustering import SentenceTransformerEmbedder
from gateway.cli import build_parser
from gateway.config import Settings, load_settings
from gateway.demo.loop import run_demo
from gateway.effect.service import EffectService, effect_settings
from gateway.embedder import LazyEmbedder
from gateway.store.engine import create_engine


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    model = SentenceTransformerEmbedder()
    model.embed(["warm up"])
    return model


async def test_the_demo_fixes_the_wrong_answers_and_measures_the_fall_and_keeps_its_database_when_asked(
    monkeypatch, embedder, tmp_path
):
    monkeypatch.setattr(
        "gateway.services_setup.product_embedder", lambda settings, environ: LazyEmbedder.holding(embedder)
    )
    output = io.StringIO()
    report = await run_demo(Console(file=output, width=80), embedder=embedder, keep=tmp_path / "kept")
    text = output.getvalue()
    with sqlite3.connect(tmp_path / "kept" / "demo.db") as kept:  # for the admin pages afterwards
        assert kept.execute("SELECT count(*) FROM interactions").fetchone()[0] >= 120
    config = tmp_path / "kept" / "feedgate.toml"
    assert f"feedgate serve --config {config}" in text
    browsing = load_settings(config)
    assert browsing.database_url == f"sqlite+aiosqlite:///{tmp_path / 'kept' / 'demo.db'}"
    assert (browsing.effect_min_interactions, browsing.review_issue_min_size) == (15, 5)
    assert await effect_served_later(browsing, embedder) == report.effect.before_after.verdict
    assert (report.wrong_before, report.wrong_after) == (24, 0)
    assert "Add a knowledge-base entry" in text and "Preview" in text and "linked to the issue" in text
    comparison = report.effect.before_after
    assert comparison is not None and comparison.result.enough_data
    assert comparison.verdict.startswith("negative rate fell")
    # Printed once, with its p-value once.
    assert text.count(comparison.verdict) == 1 and text.count("(p ") == 1
    assert [title.split(":")[0] for title, _ in report.steps][-1] == "Effect"


async def effect_served_later(settings: Settings, embedder: SentenceTransformerEmbedder) -> str:
    """The verdict on the kept database's fixed issue as a gateway serving it with `settings` computes it, once the
    follow-up of the demo's last answers has passed (a person starts `serve` after the demo ends)."""
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            issue_id = (await connection.execute(text("SELECT issue_id FROM fix_links"))).scalar_one()

        async def source() -> SentenceTransformerEmbedder:
            return embedder

        # Minutes later, as a person gets to it: the before window then reaches back past the demo's first
        # question however long its first traffic took (on a loaded machine, longer than the rest of the demo).
        later = datetime.now(UTC) + timedelta(hours=settings.effect_follow_up_hours, minutes=10)
        effect = await EffectService(engine, source, effect_settings(settings), clock=lambda: later).effect(issue_id)
    finally:
        await engine.dispose()
    assert effect.before_after is not None, effect.reason
    return effect.before_after.verdict


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


@pytest.mark.parametrize(
    ("prepare", "says"),
    [
        (lambda folder: (folder / "feedgate.toml").write_text("x"), "holds a feedgate.toml already"),
        (lambda folder: (folder / "plain").write_text("x"), "is a file: give --keep a new folder"),
    ],
    ids=["config-there", "a-file"],
)
def test_the_demo_keeps_nothing_over_what_is_there(tmp_path, prepare, says):
    prepare(tmp_path)
    target = tmp_path / "plain" if says.startswith("is a file") else tmp_path

    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "demo", "--keep", str(target)], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 2
    assert says in result.stderr and "Traceback" not in result.stderr
