"""The admin users repository: users, their sessions, and recent sign-in attempts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.accounts.records import Role, SignedInUser, User
from gateway.audit.records import AuditEntry
from gateway.review.people import person_key
from gateway.store import audit
from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.tables import admin_sessions, admin_sign_in_attempts, admin_users

u = admin_users.c
s = admin_sessions.c
a = admin_sign_in_attempts.c
USER_COLUMNS = (u.id, u.name, u.role, u.created_at, u.updated_at, u.disabled_at, u.last_sign_in_at)


@dataclass(frozen=True, slots=True)
class StoredUser:
    """A user with the password hash, for the one place that checks passwords."""

    user: User
    password_hash: str


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A live session's user and when the session was last used."""

    user: SignedInUser
    last_seen_at: datetime


def _user(row: Row[*tuple[Any, ...]]) -> User:
    return User(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        created_at=row.created_at,
        updated_at=row.updated_at,
        disabled_at=row.disabled_at,
        last_sign_in_at=row.last_sign_in_at,
    )


class UserStore:
    """Reads and writes admin users, sessions and sign-in attempts; changes carry their audit record."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    # -- users ---------------------------------------------------------------------------

    async def insert(self, user: User, password_hash: str, entry: AuditEntry) -> bool:
        """Store a new user and its audit record; False (nothing stored) when the name is taken, in any case.

        The unique case-folded name decides, so of two creations at once of one name in two cases one is
        stored (the other waits for its commit, then skips): the caller's look beforehand cannot see the other.
        """
        values = {
            "id": user.id,
            "name": user.name,
            "name_key": person_key(user.name),
            "role": user.role.value,
            "password_hash": password_hash,
            "created_at": user.created_at,
            "updated_at": user.updated_at,
            "disabled_at": user.disabled_at,
            "last_sign_in_at": user.last_sign_in_at,
        }
        # No conflict target: a duplicate of the name or of its folded key (either unique index) is skipped.
        statement = insert_skipping_duplicates(self._engine.dialect, admin_users).values(**values)
        async with self._engine.begin() as connection:
            if (await connection.execute(statement)).rowcount != 1:
                return False
            await audit.append(connection, entry)
        return True

    async def by_name(self, name: str) -> StoredUser | None:
        """The user called `name`, with the password hash."""
        query = select(*USER_COLUMNS, u.password_hash).where(u.name == name)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return None if row is None else StoredUser(_user(row), row.password_hash)

    async def any_user(self) -> bool:
        """Whether any user exists, disabled ones too."""
        async with self._engine.connect() as connection:
            return (await connection.execute(select(u.id).limit(1))).first() is not None

    async def all(self) -> list[User]:
        """Every user, by name."""
        async with self._engine.connect() as connection:
            rows = (await connection.execute(select(*USER_COLUMNS).order_by(u.name))).all()
        return [_user(row) for row in rows]

    async def update(
        self, user_id: str, changes: Mapping[str, Any], entry: AuditEntry | None, *, end_sessions: bool = False
    ) -> None:
        """Change the user's columns, end their sessions if asked, and append `entry`, in one transaction."""
        async with self._engine.begin() as connection:
            await _apply(connection, user_id, changes, entry, end_sessions)

    async def update_keeping_an_admin(
        self, user_id: str, changes: Mapping[str, Any], entry: AuditEntry, *, end_sessions: bool = False
    ) -> bool:
        """As `update`, unless the user is the only enabled admin when the change is made: then False, nothing changed.

        The enabled admins are locked before they are counted (their rows on PostgreSQL, in id order so two
        such changes never deadlock; the database's write lock on SQLite), so two admins demoting or
        disabling each other at once are judged one after the other: the second sees the first's change.
        """
        async with self._engine.begin() as connection:
            admins = await _locked_enabled_admins(connection)
            if admins == [user_id]:
                return False
            await _apply(connection, user_id, changes, entry, end_sessions)
        return True

    # -- sessions ------------------------------------------------------------------------

    async def open_session(
        self,
        *,
        id_hash: str,
        user_id: str,
        now: datetime,
        expires_at: datetime,
        address: str,
        new_password_hash: str | None,
    ) -> None:
        """Store a session, note the sign-in on the user (and a rehashed password, if any)."""
        changes: dict[str, Any] = {"last_sign_in_at": now}
        if new_password_hash is not None:
            changes["password_hash"] = new_password_hash
        async with self._engine.begin() as connection:
            await connection.execute(
                insert(admin_sessions).values(
                    id_hash=id_hash,
                    user_id=user_id,
                    created_at=now,
                    expires_at=expires_at,
                    last_seen_at=now,
                    address=address[:100],
                )
            )
            await connection.execute(update(admin_users).where(u.id == user_id).values(**changes))

    async def live_session(self, id_hash: str, now: datetime, seen_since: datetime) -> SessionRow | None:
        """The session's user, if the session has not expired, was used since `seen_since` and its user is enabled."""
        query = (
            select(u.id, u.name, u.role, s.last_seen_at)
            .select_from(admin_sessions.join(admin_users, u.id == s.user_id))
            .where(
                s.id_hash == id_hash,
                s.expires_at > now,
                s.last_seen_at >= seen_since,
                u.disabled_at.is_(None),
            )
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None
        return SessionRow(SignedInUser(id=row.id, name=row.name, role=Role(row.role)), row.last_seen_at)

    async def touch_session(self, id_hash: str, now: datetime) -> None:
        """Mark the session as used now."""
        async with self._engine.begin() as connection:
            await connection.execute(update(admin_sessions).where(s.id_hash == id_hash).values(last_seen_at=now))

    async def delete_session(self, id_hash: str) -> None:
        """End one session."""
        async with self._engine.begin() as connection:
            await connection.execute(delete(admin_sessions).where(s.id_hash == id_hash))

    async def delete_sessions_ended_before(self, cutoff: datetime, idle_cutoff: datetime) -> None:
        """Forget sessions that expired before `cutoff` or were last used before `idle_cutoff`."""
        async with self._engine.begin() as connection:
            await connection.execute(
                delete(admin_sessions).where((s.expires_at < cutoff) | (s.last_seen_at < idle_cutoff))
            )

    # -- sign-in attempts -------------------------------------------------------------------

    async def record_attempt(self, user_name: str, address: str, succeeded: bool, at: datetime) -> int:
        """Note one sign-in attempt; its id."""
        async with self._engine.begin() as connection:
            values = {"user_name": user_name[:100], "address": address[:100], "succeeded": succeeded, "created_at": at}
            attempt: int = (
                await connection.execute(insert(admin_sign_in_attempts).values(values).returning(a.id))
            ).scalar_one()
        return attempt

    async def mark_attempt_succeeded(self, attempt: int) -> None:
        """The attempt noted as a failure turned out to be a success."""
        async with self._engine.begin() as connection:
            await connection.execute(update(admin_sign_in_attempts).where(a.id == attempt).values(succeeded=True))

    async def forget_attempt(self, attempt: int) -> None:
        """Drop a noted attempt (one refused before its password was checked counts for nothing)."""
        async with self._engine.begin() as connection:
            await connection.execute(delete(admin_sign_in_attempts).where(a.id == attempt))

    async def recent_user_failures(
        self, user_name: str, since: datetime, limit: int, excluding: int | None = None
    ) -> list[datetime]:
        """When the newest `limit` failed attempts on `user_name` after `since` (and after its last success) were.

        `excluding` names an attempt not to count (the one being decided).
        """
        last_success = (
            select(func.max(a.created_at))
            .where(a.user_name == user_name, a.succeeded.is_(True), a.created_at >= since)
            .scalar_subquery()
        )
        query = (
            select(a.created_at)
            .where(a.user_name == user_name, a.succeeded.is_(False), a.created_at > since, a.id != excluding)
            .where((last_success.is_(None)) | (a.created_at > last_success))
            .order_by(a.created_at.desc())
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            return list((await connection.scalars(query)).all())

    async def recent_address_failures(
        self, address: str, since: datetime, limit: int, excluding: int | None = None
    ) -> list[datetime]:
        """When the newest `limit` failed attempts from `address` after `since` were (but `excluding`)."""
        query = (
            select(a.created_at)
            .where(a.address == address[:100], a.succeeded.is_(False), a.created_at > since, a.id != excluding)
            .order_by(a.created_at.desc())
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            return list((await connection.scalars(query)).all())

    async def forget_failures(self, user_name: str, entry: AuditEntry) -> int:
        """Drop the failed sign-ins on `user_name` (their count) and append `entry`, in one transaction."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(admin_sign_in_attempts).where(a.user_name == user_name[:100], a.succeeded.is_(False))
            )
            await audit.append(connection, entry)
        return int(result.rowcount or 0)

    async def delete_attempts_before(self, cutoff: datetime) -> None:
        """Forget attempts too old to count."""
        async with self._engine.begin() as connection:
            await connection.execute(delete(admin_sign_in_attempts).where(a.created_at < cutoff))


async def _apply(
    connection: AsyncConnection,
    user_id: str,
    changes: Mapping[str, Any],
    entry: AuditEntry | None,
    end_sessions: bool,
) -> None:
    await connection.execute(update(admin_users).where(u.id == user_id).values(**changes))
    if end_sessions:
        await connection.execute(delete(admin_sessions).where(s.user_id == user_id))
    if entry is not None:
        await audit.append(connection, entry)


async def _locked_enabled_admins(connection: AsyncConnection) -> list[str]:
    """The ids of the enabled admins, locked until the transaction ends.

    SQLite has no row locks: a no-op UPDATE first takes its write lock, so nobody changes a user
    between this count and the caller's change (a read alone would let two counts see the same admins).
    """
    enabled_admin = (u.role == Role.ADMIN.value) & u.disabled_at.is_(None)
    if connection.dialect.name == "sqlite":
        await connection.execute(update(admin_users).where(enabled_admin).values(role=u.role))
    query = select(u.id).where(enabled_admin).order_by(u.id).with_for_update()
    return list((await connection.scalars(query)).all())
