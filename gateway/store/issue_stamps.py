"""What people (and erasures) may change about an app's issues while a clustering pass runs, checked as it writes.

A pass reads the app's issues, then embeds and clusters for seconds to minutes, then writes every
issue it tracked: status, title, members, size. A status set, a rename or a merge made in between
would be written over with what the pass read (a resolved issue back to `new`, a merge undone).
So the pass reads each issue's stamp before anything else and, in the transaction that writes,
locks the app's issues and compares: when any stamp moved, nothing is written and the pass starts
over from the issues as they now are (`gateway.discovery.job`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.store.tables import issues


@dataclass(frozen=True, slots=True)
class IssueStamp:
    """The fields of an issue that change outside a pass: by triage, rename, merge, or a recount after an erasure."""

    status: str
    regressed: bool
    title: str
    merged_into: str | None
    size: int


class IssuesChangedMeanwhile(Exception):
    """An app's issues changed after a pass read them: the pass wrote nothing and should start again."""

    def __init__(self, app: str, issue_ids: list[str]) -> None:
        super().__init__(f"{len(issue_ids)} issue(s) of {app!r} changed while the pass ran: {', '.join(issue_ids[:5])}")
        self.app = app
        self.issue_ids = issue_ids


async def read_stamps(connection: AsyncConnection, app: str) -> dict[str, IssueStamp]:
    """Every issue of `app` by id, with its stamp."""
    i = issues.c
    query = select(i.id, i.status, i.regressed, i.title, i.merged_into, i.size).where(i.app == app)
    return {
        row.id: IssueStamp(str(row.status), bool(row.regressed), row.title, row.merged_into, row.size)
        for row in await connection.execute(query)
    }


async def hold_unchanged(connection: AsyncConnection, app: str, stamps: Mapping[str, IssueStamp]) -> None:
    """Lock `app`'s issues until the transaction ends, then raise IssuesChangedMeanwhile if any differs from `stamps`.

    Call it first in the writing transaction: an edit that committed before is seen, one that comes
    after waits for the pass's write and then checks its own stale view (gateway.store.issue_edits).
    """
    if connection.dialect.name == "postgresql":
        # In id order, as an edit locks the two issues of a merge: the pair never deadlocks with a pass.
        await connection.execute(select(issues.c.id).where(issues.c.app == app).order_by(issues.c.id).with_for_update())
    else:
        # SQLite has one writer: a no-op write takes the database's write lock (as issue_edits does).
        await connection.execute(update(issues).where(issues.c.app == app).values(status=issues.c.status))
    now = await read_stamps(connection, app)
    changed = sorted(key for key in now.keys() | stamps.keys() if now.get(key) != stamps.get(key))
    if changed:
        raise IssuesChangedMeanwhile(app, changed)
