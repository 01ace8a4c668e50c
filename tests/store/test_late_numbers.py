"""Rows stored without a number (an older gateway's, during a rolling upgrade) get one (gateway.store.late_numbers).

A gateway of a version before revision 0037 (0041 for decisions) inserts rows with no stored_seq: a
follower of the stored order never saw them. A round of the newer processes numbers them, through the
writer's own numbering, so they are listed after any token taken before.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from interaction_rows import interaction_row
from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.domain import late_numbering
from gateway.domain.late_numbering import number_late_rows_periodically
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionFilter, InteractionStore
from gateway.store.late_numbers import number_late_rows
from gateway.store.stored_order import stored_after
from gateway.store.tables import feedback, interactions, review_decisions

NOW = datetime.now(UTC).replace(microsecond=0)
EVERY = InteractionFilter()


def feedback_row(row_id: str, interaction_id: str) -> dict[str, Any]:
    return {
        "id": row_id,
        "interaction_id": interaction_id,
        "created_at": NOW,
        "app": "support-bot",
        "negative": True,
        "submitted_via": "app",
    }


def decision_row(row_id: str) -> dict[str, Any]:
    return {
        "id": row_id,
        "task_id": "task-1",
        "round": 1,
        "reviewer": "alice",
        "outcome": "approve",
        "created_at": NOW,
    }


async def insert_unnumbered(engine: AsyncEngine, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert as a gateway from before stored_seq does: the column left out, so NULL."""
    async with engine.begin() as connection:
        await connection.execute(insert(table), rows)


async def numbers(engine: AsyncEngine, table: Any) -> dict[str, int | None]:
    async with engine.connect() as connection:
        result = await connection.execute(select(table.c.id, table.c.stored_seq))
        return {row.id: row.stored_seq for row in result}


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Wait until `check` answers true, asking every 50 ms, for at most `timeout` seconds."""
    for _ in range(int(timeout / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not in time")


async def first_listed(store: InteractionStore, token: int) -> bool:
    return bool((await store.list_stored_after(token, 10, EVERY))[0])


async def numbered_now(engine: AsyncEngine, row_id: str) -> bool:
    return (await numbers(engine, interactions))[row_id] is not None


@contextmanager
def counted_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement sent to the database inside the block."""
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)


async def test_an_unnumbered_call_is_numbered_in_a_round_and_listed_after_a_token_taken_before(engine):
    store = InteractionStore(engine)
    await store.insert_many([interaction_row(id="numbered", created_at=NOW)])
    _, token = await store.list_stored_after(0, 10, EVERY)
    await insert_unnumbered(engine, interactions, [interaction_row(id="old-gateway", created_at=NOW)])
    unseen, _ = await store.list_stored_after(token, 10, EVERY)

    numbered = await number_late_rows(engine)
    rows, _ = await store.list_stored_after(token, 10, EVERY)

    assert unseen == []
    assert numbered == 1
    assert [(row["id"], row["stored_seq"]) for row in rows] == [("old-gateway", 2)]


async def test_unnumbered_feedback_events_and_decisions_are_numbered_and_listed_after_a_token_taken_before(engine):
    await InteractionStore(engine).insert_many([interaction_row(id="call", created_at=NOW)])
    events = FeedbackStore(engine)
    await events.append({**feedback_row("new-gateway", "call"), "idempotency_key": "k1"})
    _, event_token = await events.list_stored_after(0, 10, None)
    await insert_unnumbered(engine, feedback, [feedback_row("old-a", "call"), feedback_row("old-b", "call")])
    await insert_unnumbered(engine, review_decisions, [decision_row("decided-by-old")])

    numbered = await number_late_rows(engine)

    listed, _ = await events.list_stored_after(event_token, 10, None)
    decisions, _ = await stored_after(engine, review_decisions, 0, 10)
    assert numbered == 3
    assert sorted((row["id"], row["stored_seq"]) for row in listed) == [("old-a", 2), ("old-b", 3)]
    assert [(row["id"], row["stored_seq"]) for row in decisions] == [("decided-by-old", 1)]


async def test_an_unnumbered_call_gets_the_record_of_where_its_answer_lists_its_choices(engine):
    # An older gateway (before revision 0044) records no choice_positions: such a call's choices read as listed.
    listed_out_of_order = {
        "choices": [{"index": 1, "message": {"content": "B"}}, {"index": 0, "message": {"content": "A"}}]
    }
    in_order = {"choices": [{"index": 0, "message": {"content": "A"}}, {"index": 1, "message": {"content": "B"}}]}
    await insert_unnumbered(
        engine,
        interactions,
        [
            interaction_row(id="reversed", created_at=NOW, response=listed_out_of_order),
            interaction_row(id="in-order", created_at=NOW, response=in_order),
        ],
    )

    await number_late_rows(engine)

    async with engine.connect() as connection:
        result = await connection.execute(select(interactions.c.id, interactions.c.choice_positions))
        assert dict(result.all()) == {"reversed": [1, 0], "in-order": None}


async def test_late_numbers_are_never_reused_before_or_after(engine):
    store = InteractionStore(engine)
    await store.insert_many([interaction_row(id="a", created_at=NOW), interaction_row(id="b", created_at=NOW)])
    await insert_unnumbered(engine, interactions, [interaction_row(id=f"old-{n}", created_at=NOW) for n in range(7)])

    # Batches smaller than the backlog: several transactions, each its own numbers.
    numbered = await number_late_rows(engine, batch_size=3)
    await store.insert_many([interaction_row(id="c", created_at=NOW)])

    seqs = await numbers(engine, interactions)
    assert numbered == 7
    assert None not in seqs.values()
    assert len(set(seqs.values())) == len(seqs)
    assert max(seqs[f"old-{n}"] for n in range(7)) < seqs["c"]
    assert min(seqs[f"old-{n}"] for n in range(7)) > max(seqs["a"], seqs["b"])


async def test_a_round_with_nothing_to_number_costs_one_query(engine):
    await InteractionStore(engine).insert_many([interaction_row(id="numbered", created_at=NOW)])

    with counted_statements(engine) as sent:
        numbered = await number_late_rows(engine)

    assert numbered == 0
    assert len(sent) == 1, sent


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_rounds_at_once_beside_the_writer_number_every_row_once(engine):
    store = InteractionStore(engine)
    await insert_unnumbered(engine, interactions, [interaction_row(id=f"old-{n}", created_at=NOW) for n in range(200)])

    counts = await asyncio.gather(
        number_late_rows(engine, batch_size=20),
        number_late_rows(engine, batch_size=20),
        store.insert_many([interaction_row(id=f"new-{n}", created_at=NOW) for n in range(50)]),
    )

    seqs = await numbers(engine, interactions)
    assert None not in seqs.values()
    assert len(set(seqs.values())) == len(seqs) == 250
    # Each row numbered by one round only: a round skips the rows another holds.
    assert counts[0] + counts[1] == 200


async def test_the_periodic_round_numbers_what_an_older_gateway_stores_while_it_runs(engine):
    store = InteractionStore(engine)
    _, token = await store.list_stored_after(0, 10, EVERY)
    rounds = asyncio.create_task(number_late_rows_periodically(engine, interval=0.05))
    try:
        await insert_unnumbered(engine, interactions, [interaction_row(id="old-gateway", created_at=NOW)])
        await until(lambda: first_listed(store, token))
    finally:
        rounds.cancel()
        await asyncio.gather(rounds, return_exceptions=True)


async def test_a_failed_round_is_logged_and_the_next_one_runs(engine, monkeypatch, caplog):
    calls = 0
    real = late_numbering.number_late_rows

    async def failing_once(engine: AsyncEngine) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("boom")
        return await real(engine)

    monkeypatch.setattr(late_numbering, "number_late_rows", failing_once)
    await insert_unnumbered(engine, interactions, [interaction_row(id="old-gateway", created_at=NOW)])
    rounds = asyncio.create_task(number_late_rows_periodically(engine, interval=0.05))
    try:
        await until(lambda: numbered_now(engine, "old-gateway"))
    finally:
        rounds.cancel()
        await asyncio.gather(rounds, return_exceptions=True)
    assert "numbering rows stored without a number failed" in caplog.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_gateway_runs_the_round_while_it_serves(gateway):
    assert "feedgate-late-numbers" in {task.get_name() for task in asyncio.all_tasks()}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_worker_runs_the_round_while_it_clusters(database_url, engine, tmp_path: Path):
    await insert_unnumbered(engine, interactions, [interaction_row(id="old-gateway", created_at=NOW)])
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("FEEDGATE_")},
        "FEEDGATE_DATABASE_URL": database_url,
        # A round a second after the worker starts, not the minute it waits by default.
        "FEEDGATE_LATE_NUMBERING_INTERVAL": "1",
    }
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "gateway.cli", "worker", "--interval", "3600"),
            env=environment,
            cwd=tmp_path,
            stdout=output,
            stderr=output,
        )
        try:
            await until(lambda: numbered_now(engine, "old-gateway"), timeout=30)
        except AssertionError:
            raise AssertionError(f"the worker numbered nothing; it said:\n{log.read_text()}") from None
        finally:
            worker.terminate()  # SIGTERM stops it as Ctrl-C does (gateway.cli_signals)
            await asyncio.wait_for(worker.wait(), 30)
