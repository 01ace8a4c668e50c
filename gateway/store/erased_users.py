"""Erased end users, so that calls an erasure could not reach are never stored after it.

An erasure deletes what the database holds, but a call of that user may still be on its way: in
another gateway process's writer queue, still running (its row is built when its answer ends), in a
spool file while the database was away, or in a file being imported. So an erasure first records
the user, by the keyed hash the audit log names them by, with its time; and every insert of
interactions (gateway.store.interaction_inserts), and of imported feedback, drops the rows of a
recorded user made before that time. A row made after it is kept: the user came back.

No row slips between the two, because the record and the inserts exclude each other:
- SQLite: an insert holds the database's one write lock before it reads the records (a write that
  changes nothing takes it, if the transaction has not written yet); the erasure's record is itself
  a write. Whichever comes first, the other sees it.
- PostgreSQL: an insert takes a shared advisory lock before it reads, and the erasure takes it
  exclusively to write its record, so the record waits for inserts under way to commit (their rows
  are then there for the erasure to delete) and every later insert sees it.

The cost is paid only by batches whose rows name an end user: one read of the secrets table until
an erasure has created its key, then one read of this small table by primary key, and an HMAC for
each end user not seen lately.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.recording.identifiers import end_user_forms
from gateway.store.inserts import conflict_insert
from gateway.store.locks import advisory_key
from gateway.store.tables import erased_end_users, gateway_secrets

Row = TypeVar("Row", bound=Mapping[str, Any])

# The secret the subjects are keyed with (gateway.store.secrets); also the audit log's.
ERASURE_KEY = "erasure_key"
_LOCK = advisory_key("feedgate.erased_end_users")
_SHARED_LOCK = text("SELECT pg_advisory_xact_lock_shared(:key)")
# An UPDATE that matches nothing still takes SQLite's write lock (and costs nothing once it is held).
_WRITE_LOCK = text("UPDATE erased_end_users SET erased_at = erased_at WHERE 0")
_READ_KEY = select(gateway_secrets.c.value).where(gateway_secrets.c.name == ERASURE_KEY)
_READ_ERASED = select(erased_end_users.c.subject, erased_end_users.c.erased_at).where(
    erased_end_users.c.subject.in_(bindparam("subjects", expanding=True))
)
# End users whose subject is kept, so a busy app's regulars are hashed once, not once per batch.
_SUBJECTS_KEPT = 4096


def subject_of(key: str, user: str) -> str:
    """How an erased end user is named: a keyed hash of their id (HMAC-SHA256), never the id itself."""
    return "hmac-sha256:" + hmac.new(key.encode(), user.encode(), hashlib.sha256).hexdigest()


async def record_erasure(engine: AsyncEngine, key: str, forms: tuple[str, ...], at: datetime) -> str:
    """Record that the end user stored under `forms` (gateway.recording.identifiers.end_user_forms) was erased at
    `at`, every form (later inserts drop their older rows); the first form's subject.

    Each form is recorded, not the first alone: a process of the release before ids were trimmed (a rolling
    upgrade) checks the id as it came, " user-8 ", not "user-8".
    """
    subjects = [subject_of(key, user) for user in forms]
    insert = conflict_insert(engine.dialect, erased_end_users).values(
        [{"subject": subject, "erased_at": at} for subject in subjects]
    )
    upsert = insert.on_conflict_do_update(index_elements=["subject"], set_={"erased_at": insert.excluded.erased_at})
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Waits for inserts under way (they hold it shared) to commit; later ones wait for this record.
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        await connection.execute(upsert)
    return subjects[0]


class ErasedUsers:
    """Drops, inside an insert's transaction, the rows of end users erased after those rows were made."""

    def __init__(self, dialect_name: str) -> None:
        self._postgres = dialect_name == "postgresql"
        self._key: str | None = None
        self._subjects: dict[str, str] = {}

    def kept(
        self,
        connection: Connection,
        rows: Sequence[Row],
        user_field: str,
        given: Mapping[str, str] | None = None,
    ) -> list[Row] | None:
        """The rows to store, or None when every row stays (the usual case: one read).

        `given`: by row id, the end user's id as it was given when the row holds it trimmed (an imported line's
        " user-8 ", stored as "user-8"), checked in each of its forms too: an erasure by the release before ids were
        trimmed recorded the hash of " user-8 " alone, which cannot be redone, and an imported line may be older.
        Called in the transaction that then inserts the rows: it holds the lock that an erasure's record
        waits for (or waits for the record) until that transaction ends. Sync, as the insert's other rules are
        (gateway.store.driver_trip): `run_sync` it from async code.
        """
        given = given or {}
        users = {user for row in rows for user in _names(row, user_field, given)}
        if not users:
            return None
        if self._postgres:
            connection.execute(_SHARED_LOCK, {"key": _LOCK})
        else:
            connection.execute(_WRITE_LOCK)
        if self._key is None:
            # Created by the first erasure, in its own transaction before its record: none, no record.
            self._key = connection.scalar(_READ_KEY)
            if self._key is None:
                return None
        # A row of " user-8 " (a spool file from before ids were trimmed) is the erased "user-8"'s too.
        by_subject: dict[str, set[str]] = {}
        for user in users:
            for form in {user, *end_user_forms(user)}:
                by_subject.setdefault(self._subject(self._key, form), set()).add(user)
        found = connection.execute(_READ_ERASED, {"subjects": list(by_subject)})
        erased: dict[str, datetime] = {}
        for subject, at in found:
            for user in by_subject[subject]:
                erased[user] = max(erased.get(user, _utc(at)), _utc(at))
        if not erased:
            return None
        return [row for row in rows if not _made_before_erasure(row, _names(row, user_field, given), erased)]

    async def erased_at(self, connection: AsyncConnection, user: str) -> datetime | None:
        """When `user` was last erased; None when never (a read by key, no lock: the record commits before the deletes)."""
        if self._key is None:
            self._key = await connection.scalar(_READ_KEY)
            if self._key is None:
                return None
        found = (await connection.execute(_READ_ERASED, {"subjects": [self._subject(self._key, user)]})).first()
        return _utc(found[1]) if found is not None else None

    def _subject(self, key: str, user: str) -> str:
        subject = self._subjects.get(user)
        if subject is None:
            if len(self._subjects) >= _SUBJECTS_KEPT:
                self._subjects.clear()
            subject = self._subjects[user] = subject_of(key, user)
        return subject


def _names(row: Mapping[str, Any], user_field: str, given: Mapping[str, str]) -> set[str]:
    """The ids `row`'s end user is checked by: as stored and, when it was given otherwise, as given."""
    names = {user} if isinstance(user := row.get(user_field), str) else set()
    row_id = row.get("id")
    if isinstance(row_id, str) and row_id in given:
        names.add(given[row_id])
    return names


def _made_before_erasure(row: Mapping[str, Any], names: set[str], erased: dict[str, datetime]) -> bool:
    erased_at = max((erased[name] for name in names if name in erased), default=None)
    if erased_at is None:
        return False
    made = row.get("created_at")
    # A row without a usable time cannot show it came after the erasure: it goes.
    return not isinstance(made, datetime) or _utc(made) <= erased_at


def _utc(moment: datetime) -> datetime:
    """`moment` as an aware UTC time; naive means UTC, as the database's UtcDateTime stores it."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
