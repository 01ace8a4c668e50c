"""Each chunk of an export reads its own labels, not every label after it (SQLite and PostgreSQL).

The statements a whole export runs are recorded, then each is explained on the same database, as
seeded by benchmarks/export_speed.py (planner statistics taken): a chunk that gathered every
reviewed interaction, or read and sorted all the labels after its cursor, made an export of 110,000
examples take 70 s on SQLite and 259 s on PostgreSQL (1-3 s a chunk).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fresh_databases import admin
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.export_speed import SEEDED_TABLES, seed
from gateway.export.formats import ExportFormat
from gateway.export.stream import ExportTally, TrainingExport
from gateway.store.engine import create_engine
from gateway.store.migrate import upgrade_database
from gateway.store.training_examples import ExampleFilter, TrainingExampleStore

EXAMPLES = 1_500
CHUNK_ROWS = 50
# The label tables as the example queries name them.
LABELS = {"f": "feedback", "d": "review_decisions"}
# A chunk may read past its rows the labels that make none (thumbs, rejections), not the remainder.
MOST_LABELS_READ = 6 * CHUNK_ROWS


async def chunk_statements(engine: AsyncEngine) -> list[tuple[str, Any]]:
    """The statements (and parameters) a whole chat export runs that read example rows, in order."""
    ran: list[tuple[str, Any]] = []

    def record(_connection: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        # The counts of labels left out (TrainingExampleStore.left_out) are two queries an export, each of
        # every decision or correction in its range: no chunk.
        if statement.startswith("SELECT count("):
            return
        if "AS label_id" in statement or "review_decisions AS d" in statement or "feedback AS f" in statement:
            ran.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        export = TrainingExport(TrainingExampleStore(engine, chunk_rows=CHUNK_ROWS))
        lines = [line async for line in export.lines(ExampleFilter(), ExportFormat.CHAT, ExportTally())]
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert len(lines) == EXAMPLES
    return ran


async def seeded(engine: AsyncEngine) -> None:
    await seed(engine, EXAMPLES)
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))


@pytest.fixture
async def unanalysed(postgres_server: str) -> AsyncIterator[AsyncEngine]:
    """A database of its own, seeded as a bulk load leaves one: no statistics (the session's database
    keeps those an earlier test took), autovacuum kept from taking them meanwhile."""
    server = postgres_server.replace("postgresql+asyncpg://", "postgresql://")
    name = f"feedgate_unanalysed_{uuid.uuid4().hex[:10]}"
    await admin(server, f'CREATE DATABASE "{name}"')
    url = postgres_server.rsplit("/", 1)[0] + f"/{name}"
    engine = create_engine(url)
    try:
        await asyncio.to_thread(upgrade_database, url)
        async with engine.begin() as connection:
            for table in SEEDED_TABLES:
                await connection.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
        await seed(engine, EXAMPLES)
        yield engine
    finally:
        await engine.dispose()
        await admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def executed_plans(engine: AsyncEngine, statements: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """PostgreSQL's plan of each statement as it ran (EXPLAIN ANALYZE), its top node."""
    plans = []
    async with engine.connect() as connection:
        for statement, parameters in statements:
            explained = await connection.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters)
            plan = explained.scalar_one()
            plans.append((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    return plans


def rows_read(scan: dict[str, Any]) -> int:
    """The rows a plan node read, over all its loops (those its filter removed included)."""
    return (scan["Actual Rows"] + scan.get("Rows Removed by Filter", 0)) * scan["Actual Loops"]


def relation_scans(plan: dict[str, Any], relation: str) -> list[dict[str, Any]]:
    """The nodes of a PostgreSQL JSON plan that read the table `relation`, under any alias."""
    found = [plan] if plan.get("Relation Name") == relation else []
    for child in plan.get("Plans", []):
        found.extend(relation_scans(child, relation))
    return found


def label_scans(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The nodes of a PostgreSQL JSON plan that read a label table of the outer query (alias f or d)."""
    alias = plan.get("Alias")
    found = [plan] if alias in LABELS and LABELS[alias] == plan.get("Relation Name") else []
    for child in plan.get("Plans", []):
        found.extend(label_scans(child))
    return found


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_no_chunk_reads_every_label_after_it_on_postgresql(engine):
    await seeded(engine)

    statements = await chunk_statements(engine)

    read = [rows_read(scan) for plan in await executed_plans(engine, statements) for scan in label_scans(plan)]
    assert max(read) <= MOST_LABELS_READ
    assert len(statements) >= EXAMPLES // CHUNK_ROWS  # every chunk was explained


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_no_chunk_lists_every_reviewed_interaction_or_sorts_on_sqlite(engine):
    await seeded(engine)

    statements = await chunk_statements(engine)

    async with engine.connect() as connection:
        for statement, parameters in statements:
            plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            steps = [row[3] for row in plan]
            assert not [step for step in steps if "LIST SUBQUERY" in step], steps
            assert not [step for step in steps if step.startswith(("SCAN f", "SCAN d"))], steps
            # A chunk of decisions may start from its tasks, looked up by the list of their ids: it
            # then sorts its own rows, never the labels after it.
            from_its_tasks = steps[0] == "SEARCH review_tasks USING INDEX sqlite_autoindex_review_tasks_1 (id=?)"
            assert from_its_tasks or not [step for step in steps if "TEMP B-TREE" in step], steps


async def test_no_chunk_of_decisions_walks_every_resolved_task_before_postgresql_has_statistics(unanalysed):
    """Right after a bulk load the planner guessed "one interaction a task" held by 0.5 % of the tasks, and
    went through every resolved task for each chunk of decisions (4-7 s a chunk at 110,000 examples)."""
    statements = await chunk_statements(unanalysed)

    # The tasks each plan goes on with (a scan of this small table may filter all of them cheaply).
    read = [
        sum(scan["Actual Rows"] * scan["Actual Loops"] for scan in relation_scans(plan, "review_tasks"))
        for plan in await executed_plans(unanalysed, statements)
    ]
    assert max(read) <= CHUNK_ROWS
