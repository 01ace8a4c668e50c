"""At least one enabled admin remains, even when two admins take each other's role away at the same moment.

On both databases: the check and the change are one locked step, so of two demotions (or
disablings) sent at once, one is refused with a 409 saying why.
"""

from __future__ import annotations

import asyncio

import pytest
from html_page import csrf_token_of, parse

from gateway.accounts.errors import AccountError, LastAdmin
from gateway.accounts.records import Role
from gateway.accounts.service import AccountService
from gateway.store.users import UserStore

PASSWORD = "a long enough password"


@pytest.fixture
def accounts(engine) -> AccountService:
    return AccountService(UserStore(engine))


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(accounts):
    await accounts.create("ana", Role.ADMIN, PASSWORD, actor="cli")
    await accounts.create("bo", Role.ADMIN, PASSWORD, actor="cli")

    results = await asyncio.gather(
        accounts.set_role("ana", Role.VIEWER, actor="bo"),
        accounts.set_role("bo", Role.VIEWER, actor="ana"),
        return_exceptions=True,
    )

    refused = [result for result in results if isinstance(result, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], LastAdmin), results
    admins = [user.name for user in await accounts.list() if user.role == Role.ADMIN and not user.disabled]
    assert len(admins) == 1


async def test_two_admins_disabling_each_other_at_once_leave_one_admin(accounts):
    await accounts.create("ana", Role.ADMIN, PASSWORD, actor="cli")
    await accounts.create("bo", Role.ADMIN, PASSWORD, actor="cli")

    results = await asyncio.gather(
        accounts.disable("ana", actor="bo"), accounts.disable("bo", actor="ana"), return_exceptions=True
    )

    assert sum(isinstance(result, LastAdmin) for result in results) == 1, results
    assert [user.name for user in await accounts.list() if not user.disabled] != []


async def test_a_demotion_and_a_disabling_at_once_leave_one_admin(accounts):
    await accounts.create("ana", Role.ADMIN, PASSWORD, actor="cli")
    await accounts.create("bo", Role.ADMIN, PASSWORD, actor="cli")

    results = await asyncio.gather(
        accounts.set_role("ana", Role.REVIEWER, actor="bo"), accounts.disable("bo", actor="ana"), return_exceptions=True
    )

    assert sum(isinstance(result, LastAdmin) for result in results) == 1, results
    admins = [user for user in await accounts.list() if user.role == Role.ADMIN and not user.disabled]
    assert len(admins) == 1


async def test_the_refusal_is_an_account_error_saying_why(accounts):
    await accounts.create("ana", Role.ADMIN, PASSWORD, actor="cli")

    with pytest.raises(AccountError, match="cannot make 'ana' a viewer: they are the only enabled admin"):
        await accounts.set_role("ana", Role.VIEWER, actor="ana")


async def test_the_users_page_answers_409_to_the_last_admins_demotion(browser_as):
    root = await browser_as("root", Role.ADMIN)
    token = csrf_token_of((await root.get("/admin/users")).text)

    response = await root.post("/admin/users/role", data={"name": "root", "role": "viewer", "csrf_token": token})

    assert response.status_code == 409
    assert "only enabled admin" in parse(response.text).find(role="alert").text
