"""Resolving a review task by a new fix is all or nothing: a process dying part-way leaves no fix without its
resolved, linked task (nor the reverse), and the reviewer sending the form again makes one fix.

The process's death is stood for by the database refusing one of the writes after the fix's own
(the decision, the link to the issue), as a connection lost there would.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from preview_seed import seed_issue
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from test_task_fix_after_merge import no_second_opinions  # noqa: F401 - a fixture

from gateway.store.tables import fix_links, knowledge_entries, prompt_versions

FIXES = {
    "knowledge": {"kind": "knowledge", "reviewer": "alice", "title": "Transfer fees", "content": "The fee is 1%."},
    "prompt": {"kind": "prompt", "reviewer": "alice", "text": "Quote the fee schedule.", "message": "fees"},
}
# The writes after the fix's own, by the table they go to.
LATER_WRITES = ("review_decisions", "fix_links")


class ProcessDied(Exception):
    """Stands for the process ending where it was raised."""


@contextmanager
def dies_writing(engine: AsyncEngine, table: str) -> Iterator[None]:
    """The first insert into `table` fails while this lasts."""

    def refuse(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "):
            raise ProcessDied(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", refuse)


async def fixes_made(engine: AsyncEngine) -> tuple[int, int]:
    async with engine.connect() as connection:
        entries = (await connection.execute(select(func.count()).select_from(knowledge_entries))).scalar_one()
        versions = (await connection.execute(select(func.count()).select_from(prompt_versions))).scalar_one()
        links = (await connection.execute(select(func.count()).select_from(fix_links))).scalar_one()
    return entries + versions, links


async def resolve(gateway: Any, task_id: str, kind: str) -> None:
    """The verb behind the task's fix form (the API answers 500 where this raises)."""
    fixes = gateway.services.task_fixes
    if kind == "knowledge":
        await fixes.resolve_with_entry(task_id, "alice", title="Transfer fees", content="The fee is 1%.")
    else:
        await fixes.resolve_with_prompt(task_id, "alice", text="Quote the fee schedule.", message="fees")


@pytest.mark.usefixtures("no_second_opinions")
@pytest.mark.parametrize("table", LATER_WRITES)
@pytest.mark.parametrize("kind", sorted(FIXES))
async def test_a_fix_interrupted_part_way_is_made_once_when_sent_again(gateway, client, admin_headers, kind, table):
    engine = gateway.services.engine
    issue_id, ids = await seed_issue(gateway, client)
    app = (await gateway.services.interactions.get(ids[0]))["app"]
    body = {"app": app, "reason": "Fees are wrong", "issue_id": issue_id, "interaction_ids": ids[:2]}
    task = (await client.post("/api/reviews", json=body, headers=admin_headers)).json()

    with dies_writing(engine, table), pytest.raises(ProcessDied):
        await resolve(gateway, task["id"], kind)

    assert await fixes_made(engine) == (0, 0)
    assert (await client.get(f"/api/reviews/{task['id']}", headers=admin_headers)).json()["status"] != "resolved"
    again = await client.post(f"/api/reviews/{task['id']}/fix", json=FIXES[kind], headers=admin_headers)
    assert again.status_code == 201, again.text
    assert await fixes_made(engine) == (1, 1)
    assert again.json()["task"]["status"] == "resolved"
