"""Each gateway key's last use, kept by the inserts of the interactions made with it.

The proxy writes nothing for it: the writer, which stores calls in batches off the request path, moves
each key's `last_used_at` to the newest call of the batch made with it, in the batch's transaction (a
spool's replay too). Never back: a replayed spool or another process's slower batch brings older calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, or_, update

from gateway.store.tables import gateway_keys

_k = gateway_keys.c
_MOVE_FORWARD = (
    update(gateway_keys)
    .where(_k.id == bindparam("key_id"), or_(_k.last_used_at.is_(None), _k.last_used_at < bindparam("used_at")))
    .values(last_used_at=bindparam("used_at"))
)


def newest_use_per_key(rows: Sequence[Mapping[str, Any]]) -> dict[str, datetime]:
    """The newest `created_at` of `rows` per gateway key they name (rows without one are skipped)."""
    newest: dict[str, datetime] = {}
    for row in rows:
        key_id = row.get("gateway_key_id")
        if key_id is None:
            continue
        created_at = row["created_at"]
        if key_id not in newest or created_at > newest[key_id]:
            newest[key_id] = created_at
    return newest


def note_key_use(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Move each key named by `rows` to its newest call among them, in `connection`'s transaction."""
    newest = newest_use_per_key(rows)
    if not newest:
        return
    # Sorted, like the day markers (gateway.store.daily_stats.mark_days_stale): two processes' batches
    # lock the same keys' rows in one order on PostgreSQL, so they never deadlock.
    connection.execute(
        _MOVE_FORWARD, [{"key_id": key_id, "used_at": used_at} for key_id, used_at in sorted(newest.items())]
    )
