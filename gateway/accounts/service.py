"""The accounts service: manage users, check passwords, sign in (rate-limited) and resolve sessions."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import uuid_utils

from gateway.accounts import passwords
from gateway.accounts.errors import LastAdmin, NameTaken, UnknownUser
from gateway.accounts.limits import SignInLimits, describe_wait, seconds_to_wait
from gateway.accounts.records import NewSession, Role, SignedInUser, SignInOutcome, SignInRefused, User
from gateway.accounts.rules import MAX_NAME_LENGTH, check_name
from gateway.audit.names import AuditAction
from gateway.audit.records import AuditEntry
from gateway.domain.blank_text import without_blank_ends
from gateway.domain.stored_text import NUL
from gateway.review.people import same_person
from gateway.store.users import StoredUser, UserStore

# Said alike to everyone, so it names what a disabled account's owner can do without saying whose is.
WRONG_CREDENTIALS = "Wrong user name or password (or the account is disabled: ask an admin)."
# A new deployment has no user: there is no admin to ask, and the first one is made on the command line.
NO_USERS_YET = (
    "No one can sign in yet: this database has no users. Make the first admin where the gateway's database is: "
    "feedgate user add NAME --role admin"
)
# A session's last_seen_at is written at most this often, not on every page.
TOUCH_INTERVAL = timedelta(minutes=1)


def session_id_hash(token: str) -> str:
    """The stored form of a session token (the cookie's value)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _user_entry(actor: str, action: AuditAction, name: str, before: object = None, after: object = None) -> AuditEntry:
    return AuditEntry(actor=actor, action=action, subject_type="user", subject_id=name, before=before, after=after)


class AccountService:
    """Users with roles, their passwords and sessions. Every change is audited with `actor` as the one who made it."""

    def __init__(
        self,
        store: UserStore,
        *,
        session_lifetime: timedelta = timedelta(hours=12),
        idle_timeout: timedelta = timedelta(hours=2),
        limits: SignInLimits = SignInLimits(),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._session_lifetime = session_lifetime
        self._idle_timeout = idle_timeout
        self._limits = limits
        self._clock = clock

    @property
    def session_lifetime(self) -> timedelta:
        """How long a session lasts at most (the cookie's max age)."""
        return self._session_lifetime

    # -- managing users ------------------------------------------------------------------

    async def create(self, name: str, role: Role, password: str, *, actor: str) -> User:
        """Add a user who may sign in at once; refuses a taken name and a password that breaks the rules."""
        name = check_name(name)
        passwords.check_password_rules(password)
        now = self._clock()
        user = User(
            id=str(uuid_utils.uuid7()),
            name=name,
            role=role,
            created_at=now,
            updated_at=now,
            disabled_at=None,
            last_sign_in_at=None,
        )
        # Names compare without case (gateway.review.people): "Alice" and "alice" would be one reviewer. Looked
        # at first to spare the password's hash; two creations at once both pass this look, and the database's
        # unique folded name refuses the second.
        if (holder := await self._holder_of(name)) is not None:
            raise NameTaken(name, holder)
        password_hash = await asyncio.to_thread(passwords.hash_password, password)
        entry = _user_entry(actor, "user.create", name, after={"role": role.value})
        if not await self._store.insert(user, password_hash, entry):
            raise NameTaken(name, await self._holder_of(name) or name)
        return user

    async def _holder_of(self, name: str) -> str | None:
        """The name of the user whose name is `name` in some case (None: nobody's)."""
        return next((other.name for other in await self._store.all() if same_person(other.name, name)), None)

    async def list(self) -> list[User]:
        """Every user, disabled ones too, by name."""
        return await self._store.all()

    async def get(self, name: str) -> User:
        """The user called `name`."""
        stored = await self._by_name(name)
        if stored is None:
            raise UnknownUser(name)
        return stored.user

    async def disable(self, name: str, *, actor: str) -> User:
        """Bar the user from signing in and end their sessions; the last enabled admin stays."""
        user = await self.get(name)
        if user.disabled:
            return user
        now = self._clock()
        entry = _user_entry(actor, "user.disable", user.name, before={"disabled": False}, after={"disabled": True})
        changes = {"disabled_at": now, "updated_at": now}
        # Without an enabled admin nobody could manage users from the pages again: checked with the change, locked.
        if not await self._store.update_keeping_an_admin(user.id, changes, entry, end_sessions=True):
            raise LastAdmin(f"disable {user.name!r}")
        return replace(user, disabled_at=now, updated_at=now)

    async def enable(self, name: str, *, actor: str) -> User:
        """Let a disabled user sign in again."""
        user = await self.get(name)
        if not user.disabled:
            return user
        now = self._clock()
        entry = _user_entry(actor, "user.enable", user.name, before={"disabled": True}, after={"disabled": False})
        await self._store.update(user.id, {"disabled_at": None, "updated_at": now}, entry)
        return replace(user, disabled_at=None, updated_at=now)

    async def unlock(self, name: str, *, actor: str) -> int:
        """Forget the failed sign-ins on the user's name, so they may sign in now; how many there were.

        For an admin locked out by someone guessing their password (their address's own limit stays).
        """
        user = await self.get(name)
        return await self._store.forget_failures(user.name, _user_entry(actor, "user.unlock", user.name))

    async def set_role(self, name: str, role: Role, *, actor: str) -> User:
        """Give the user another role, effective on their next request; the last enabled admin stays."""
        user = await self.get(name)
        if user.role == role:
            return user
        now = self._clock()
        entry = _user_entry(actor, "user.role", user.name, before={"role": user.role.value}, after={"role": role.value})
        changes = {"role": role.value, "updated_at": now}
        if role == Role.ADMIN:
            await self._store.update(user.id, changes, entry)
        elif not await self._store.update_keeping_an_admin(user.id, changes, entry):
            raise LastAdmin(f"make {user.name!r} a {role.value}")
        return replace(user, role=role, updated_at=now)

    async def set_password(self, name: str, password: str, *, actor: str) -> None:
        """Replace the user's password and end their sessions (a leaked password stops working everywhere)."""
        user = await self.get(name)
        passwords.check_password_rules(password)
        password_hash = await asyncio.to_thread(passwords.hash_password, password)
        now = self._clock()
        entry = _user_entry(actor, "user.password", user.name)
        await self._store.update(user.id, {"password_hash": password_hash, "updated_at": now}, entry, end_sessions=True)

    async def _by_name(self, name: str) -> StoredUser | None:
        # Names are kept without their blank ends (check_name), so they are looked up without them too.
        name = without_blank_ends(name)
        # No user's name holds a NUL (check_name refuses control characters), and PostgreSQL could
        # not even look one up: such a name is simply nobody's.
        return None if NUL in name else await self._store.by_name(name)

    # -- passwords and sessions ----------------------------------------------------------------

    async def verify_password(self, name: str, password: str) -> User | None:
        """The enabled user called `name` if `password` is theirs (not rate-limited: see `sign_in`)."""
        stored = await self._by_name(name)
        if stored is None:
            await asyncio.to_thread(passwords.spend_a_verification)
            return None
        matches = await asyncio.to_thread(passwords.password_matches, stored.password_hash, password)
        return stored.user if matches and not stored.user.disabled else None

    async def sign_in(self, name: str, password: str, address: str) -> SignInOutcome:
        """Open a session for `name` if the password is right and neither the name nor the address is over its limit."""
        now = self._clock()
        typed = without_blank_ends(name)
        # Attempts are counted under a name the database can keep: PostgreSQL refuses NUL, and a name is no longer
        # than a user name may be (a form may send megabytes); noted and counted alike, so a long one adds up too.
        name = typed.replace(NUL, "\ufffd")[:MAX_NAME_LENGTH]
        # Noted as a failure before anything is checked: sign-ins sent at once each count those noted before
        # them, so a burst gets no more password checks than the limit allows one after another.
        attempt = await self._store.record_attempt(name, address, False, now)
        refused = await self._over_limit(name, address, now, attempt)
        if refused is not None:
            # Not counted as a failure, and the password is not even checked: waiting is the only way on.
            await self._store.forget_attempt(attempt)
            return refused
        # A name longer than any user's names no one: not looked up.
        stored = await self._by_name(typed) if len(typed) <= MAX_NAME_LENGTH else None
        if stored is None:
            await asyncio.to_thread(passwords.spend_a_verification)
            matches = False
        else:
            matches = await asyncio.to_thread(passwords.password_matches, stored.password_hash, password)
        await self._store.delete_attempts_before(now - self._limits.window)
        # A disabled account is refused as a wrong password is, and counted as a failure alike: its own
        # answer (or a count cleared by it) told a guesser the password was right (OWASP's authentication
        # cheat sheet: one answer whether the password is wrong or the account disabled or locked).
        if stored is None and not await self._store.any_user():
            return SignInRefused(NO_USERS_YET, fields=("name",))
        if stored is None or not matches or stored.user.disabled:
            return SignInRefused(WRONG_CREDENTIALS, fields=("name", "password"))
        user = stored.user
        await self._store.mark_attempt_succeeded(attempt)
        rehashed = None
        if passwords.needs_rehash(stored.password_hash):
            rehashed = await asyncio.to_thread(passwords.hash_password, password)
        token = secrets.token_urlsafe(32)
        expires_at = now + self._session_lifetime
        await self._store.delete_sessions_ended_before(now, now - self._idle_timeout)
        await self._store.open_session(
            id_hash=session_id_hash(token),
            user_id=user.id,
            now=now,
            expires_at=expires_at,
            address=address,
            new_password_hash=rehashed,
        )
        return NewSession(token=token, user=SignedInUser(user.id, user.name, user.role), expires_at=expires_at)

    async def _over_limit(self, name: str, address: str, now: datetime, attempt: int) -> SignInRefused | None:
        limits = self._limits
        since = now - limits.window
        user_failures = await self._store.recent_user_failures(name, since, limits.per_user, excluding=attempt)
        wait = seconds_to_wait(user_failures, limits.per_user, limits.window, now)
        if wait:
            # Someone guessing a name's password locks its owner out too: say who can let them in at once.
            message = (
                f"Too many failed sign-ins for this user name. Try again in {describe_wait(wait)}, "
                "or ask an admin to unlock it now (feedgate user unlock)."
            )
            return SignInRefused(message, retry_after=wait)
        address_failures = await self._store.recent_address_failures(
            address, since, limits.per_address, excluding=attempt
        )
        wait = seconds_to_wait(address_failures, limits.per_address, limits.window, now)
        if wait:
            message = f"Too many failed sign-ins from your address. Try again in {describe_wait(wait)}."
            return SignInRefused(message, retry_after=wait)
        return None

    async def session_user(self, token: str) -> SignedInUser | None:
        """The user signed in with session `token`, or None when it has expired, idled out or ended."""
        now = self._clock()
        id_hash = session_id_hash(token)
        row = await self._store.live_session(id_hash, now, now - self._idle_timeout)
        if row is None:
            return None
        if now - row.last_seen_at >= TOUCH_INTERVAL:
            await self._store.touch_session(id_hash, now)
        return row.user

    async def sign_out(self, token: str) -> None:
        """End the session `token` (nothing happens when there is none)."""
        await self._store.delete_session(session_id_hash(token))
