"""What the accounts domain hands out: roles, users, sessions and the outcome of a sign-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """What a user may do; each role may do everything the roles below it may."""

    # Reads everything, changes nothing.
    VIEWER = "viewer"
    # Triages issues, reviews tasks, edits knowledge and prompts.
    REVIEWER = "reviewer"
    # Everything, including users and gateway keys.
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """The role's place in the order viewer < reviewer < admin."""
        return ROLE_ORDER.index(self)

    def allows(self, needed: Role) -> bool:
        """Whether this role may do what `needed` may."""
        return self.rank >= needed.rank


ROLE_ORDER: tuple[Role, ...] = (Role.VIEWER, Role.REVIEWER, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class User:
    """A person who may sign in (unless disabled); never carries the password hash."""

    id: str
    name: str
    role: Role
    created_at: datetime
    updated_at: datetime
    disabled_at: datetime | None
    last_sign_in_at: datetime | None

    @property
    def disabled(self) -> bool:
        """Whether the user is barred from signing in."""
        return self.disabled_at is not None


@dataclass(frozen=True, slots=True)
class SignedInUser:
    """The user behind a live session, with the role they have now (a change applies at once)."""

    id: str
    name: str
    role: Role

    def allows(self, needed: Role) -> bool:
        """Whether this user may do what `needed` may."""
        return self.role.allows(needed)


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just opened: `token` goes into the cookie and is never stored."""

    token: str
    user: SignedInUser
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SignInRefused:
    """A sign-in that did not open a session, and what to tell the person.

    `retry_after` (seconds) is set when the refusal is the rate limit rather than the password. `fields` names what
    may be wrong (`name`, `password`), so a form can mark it: both for a wrong pair, as which one is not said.
    """

    message: str
    retry_after: int | None = None
    fields: tuple[str, ...] = ()


SignInOutcome = NewSession | SignInRefused
