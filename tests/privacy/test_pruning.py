"""Retention: interactions past the age go with every row about them, in bounded batches; newer ones stay."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from asgi_lifespan import LifespanManager
from privacy_seed import (
    add_interaction,
    add_issue,
    add_task,
    count_where,
    issue_row,
    preview_items,
    rows_about,
    seed_complaint,
)

from gateway.app import create_app
from gateway.privacy.retention import prune_before, prune_periodically, retention_cutoff
from gateway.store.engine import create_engine
from gateway.store.tables import interactions

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=40)
RECENT = NOW - timedelta(days=1)
CUTOFF = NOW - timedelta(days=30)


async def seed_old_and_recent(engine):
    old = await seed_complaint(engine, "alice", "where is my card", OLD)
    recent = await seed_complaint(engine, "bob", "how do I reset my pin", RECENT)
    issue_id = await add_issue(engine, [old.interaction_id, recent.interaction_id], negative_count=2)
    await add_task(engine, [old.interaction_id])
    await add_task(engine, [recent.interaction_id])
    return old, recent, issue_id


async def test_prune_removes_old_interactions_and_every_row_about_them(engine):
    old, _, _ = await seed_old_and_recent(engine)

    await prune_before(engine, CUTOFF)

    assert await rows_about(engine, old) == {
        "interactions": 0,
        "feedback": 0,
        "issue_members": 0,
        "review_task_links": 0,
        "reduction_points": 0,
        "embeddings": 0,
        "feedback_map_points": 0,
        "feedback_token_uses": 0,
    }


async def test_prune_keeps_newer_interactions_and_their_rows(engine):
    _, recent, _ = await seed_old_and_recent(engine)

    await prune_before(engine, CUTOFF)

    assert await rows_about(engine, recent) == {
        "interactions": 1,
        "feedback": 1,
        "issue_members": 1,
        "review_task_links": 1,
        "reduction_points": 1,
        "feedback_map_points": 1,
        "feedback_token_uses": 1,
        "embeddings": len(recent.cache_keys),
    }


async def test_prune_recounts_the_issue_and_drops_copies_of_pruned_texts(engine):
    _old, recent, issue_id = await seed_old_and_recent(engine)

    report = await prune_before(engine, CUTOFF)

    issue = await issue_row(engine, issue_id)
    assert (issue["size"], issue["negative_count"]) == (1, 1)
    assert [e["interaction_id"] for e in issue["examples"]] == [recent.interaction_id]
    assert [i["interaction_id"] for i in await preview_items(engine, issue_id)] == [recent.interaction_id]
    assert (report.counts.issue_examples, report.counts.preview_items) == (1, 1)


async def test_prune_deletes_in_batches_of_the_given_size(engine):
    for n in range(5):
        await add_interaction(engine, "carol", f"question {n}", OLD)

    report = await prune_before(engine, CUTOFF, batch_size=2)

    assert (report.batches, report.counts.interactions) == (3, 5)


async def test_prune_reports_what_it_removed(engine):
    await seed_old_and_recent(engine)

    report = await prune_before(engine, CUTOFF)

    removed = report.counts.as_dict()
    assert {key: removed[key] for key in ("interactions", "feedback", "issue_members", "review_task_links")} == {
        "interactions": 1,
        "feedback": 1,
        "issue_members": 1,
        "review_task_links": 1,
    }


def run_cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        env={**os.environ, "FEEDGATE_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_cli_prune_removes_what_is_older_than_the_given_days(database_url, engine):
    old, recent, _ = await seed_old_and_recent(engine)

    result = run_cli(database_url, "prune", "--older-than", "30")

    assert result.returncode == 0, result.stderr
    assert "interactions 1" in result.stdout
    assert await count_where(engine, interactions.c.id, [old.interaction_id, recent.interaction_id]) == 1


async def test_cli_prune_without_an_age_says_what_to_set(database_url):
    result = run_cli(database_url, "prune")

    assert result.returncode == 2
    assert "--older-than DAYS, or set retention_days" in result.stderr


async def test_serve_prunes_on_a_schedule_when_retention_days_is_set(settings, engine):
    old, recent, _ = await seed_old_and_recent(engine)

    async with LifespanManager(create_app(settings.model_copy(update={"retention_days": 30}), environ={})):
        for _ in range(200):
            if await count_where(engine, interactions.c.id, [old.interaction_id]) == 0:
                break
            await asyncio.sleep(0.05)

    assert await count_where(engine, interactions.c.id, [old.interaction_id, recent.interaction_id]) == 1


@pytest.mark.parametrize("days", [float("nan"), float("inf"), 1e6])
def test_retention_cutoff_refuses_an_age_whose_cutoff_is_no_date(days: float):
    with pytest.raises(ValueError, match="at most 36500 days"):
        retention_cutoff(days)


async def test_a_scheduled_prune_during_an_outage_logs_one_warning_line_without_a_traceback(settings, caplog):
    # Nothing listens on port 9: every prune finds the database away.
    away = create_engine("postgresql+asyncpg://postgres@127.0.0.1:9/feedgate")
    scheduled = settings.model_copy(update={"retention_days": 30, "retention_interval_minutes": 0.0005})
    try:
        task = asyncio.create_task(prune_periodically(away, scheduled))
        for _ in range(100):
            if len([r for r in caplog.records if r.name == "feedgate.retention"]) >= 2:
                break
            await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        await away.dispose()

    failed = [record for record in caplog.records if "retention prune failed" in record.getMessage()]
    assert len(failed) >= 2
    assert all(record.levelname == "WARNING" and record.exc_info is None for record in failed)
    assert "database unavailable" in failed[0].getMessage()


async def test_a_scheduled_prune_logs_what_it_removed_in_words_and_as_fields(engine, settings, caplog):
    await seed_old_and_recent(engine)
    scheduled = settings.model_copy(update={"retention_days": 30, "retention_interval_minutes": 60})
    caplog.set_level(logging.INFO, logger="feedgate.retention")

    task = asyncio.create_task(prune_periodically(engine, scheduled))
    for _ in range(200):
        if any("pruned" in record.getMessage() for record in caplog.records):
            break
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    [record] = [record for record in caplog.records if "pruned" in record.getMessage()]
    assert " in 1 batch (" in record.getMessage()
    assert (record.pruned_interactions, record.batches) == (1, 1)
