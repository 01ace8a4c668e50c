"""Names that differ only in case stay one user's, even when both are created at the same moment.

The service looks for a user of that name in any case first, but two creations at once both look
before either stores (the password's hash is computed in between): the database's unique index on
the case-folded name (revision 0032) refuses the second, a NameTaken naming the holder (409 on a page).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from gateway.accounts.errors import NameTaken
from gateway.accounts.records import Role, User
from gateway.accounts.service import AccountService
from gateway.audit.records import AuditEntry
from gateway.store.users import UserStore

PASSWORD = "a long enough password"


@pytest.fixture
def accounts(engine) -> AccountService:
    return AccountService(UserStore(engine))


async def test_two_creations_of_one_name_in_two_cases_at_once_make_one_user(accounts):
    results = await asyncio.gather(
        accounts.create("Straße", Role.VIEWER, PASSWORD, actor="cli"),
        accounts.create("STRASSE", Role.ADMIN, PASSWORD, actor="cli"),
        return_exceptions=True,
    )

    made = [result for result in results if isinstance(result, User)]
    refused = [result for result in results if isinstance(result, BaseException)]
    assert len(made) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], NameTaken)
    assert f"{made[0].name!r} already exists" in str(refused[0])
    assert [user.name for user in await accounts.list()] == [made[0].name]


async def test_the_store_refuses_a_name_taken_in_another_case_by_itself(engine):
    store = UserStore(engine)
    now = datetime.now(UTC)

    def user(user_id: str, name: str) -> User:
        return User(user_id, name, Role.VIEWER, now, now, None, None)

    def entry(name: str) -> AuditEntry:
        return AuditEntry(actor="cli", action="user.create", subject_type="user", subject_id=name)

    assert await store.insert(user("u1", "Ünal"), "hash", entry("Ünal"))
    assert not await store.insert(user("u2", "üNAL"), "hash", entry("üNAL"))
    assert not await store.insert(user("u3", "Ünal"), "hash", entry("Ünal"))
    assert [stored.name for stored in await store.all()] == ["Ünal"]
