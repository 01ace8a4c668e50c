"""Audit test helpers: entries to append, and tampering with stored rows as someone with database access could."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.audit.records import AuditEntry
from gateway.store.tables import audit_log


def entry(n: int, **changes: Any) -> AuditEntry:
    """The n-th test entry: issue-n's status going from open to resolved, unless `changes` say otherwise."""
    fields: dict[str, Any] = {
        "actor": "admin-token",
        "action": "issue.status",
        "subject_type": "issue",
        "subject_id": f"issue-{n}",
        "app": "support-bot",
        "before": {"status": "open"},
        "after": {"status": "resolved", "n": n},
        "detail": {"note": f"change {n}"},
    }
    return AuditEntry(**{**fields, **changes})


async def edit_row(engine: AsyncEngine, seq: int, /, **values: Any) -> None:
    """Change a stored record behind the log's back, as someone with database access could."""
    async with engine.begin() as connection:
        await connection.execute(update(audit_log).where(audit_log.c.seq == seq).values(**values))


async def delete_row(engine: AsyncEngine, seq: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(delete(audit_log).where(audit_log.c.seq == seq))


async def swap_rows(engine: AsyncEngine, first: int, second: int) -> None:
    """Exchange two records' places in the chain (seq is the primary key: through a free value)."""
    await edit_row(engine, first, seq=-1)
    await edit_row(engine, second, seq=first)
    await edit_row(engine, -1, seq=second)
