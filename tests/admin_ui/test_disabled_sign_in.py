"""A disabled account's sign-in tells nobody whether the password was right (OWASP: one answer for every failure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from settable_clock import DateClock
from test_accounts import PASSWORD, WRONG

from gateway.accounts.limits import SignInLimits
from gateway.accounts.records import NewSession, Role, SignInRefused
from gateway.accounts.service import AccountService
from gateway.store.users import UserStore


@pytest.fixture
def accounts(engine) -> AccountService:
    return AccountService(
        UserStore(engine),
        session_lifetime=timedelta(hours=12),
        idle_timeout=timedelta(hours=2),
        limits=SignInLimits(per_user=5, per_address=50, window=timedelta(minutes=15)),
        clock=DateClock(datetime(2026, 12, 1, 12, 0, tzinfo=UTC)),
    )


@pytest.fixture
async def disabled(accounts) -> AccountService:
    await accounts.create("root", Role.ADMIN, PASSWORD, actor="cli")
    await accounts.create("ana", Role.VIEWER, PASSWORD, actor="cli")
    await accounts.disable("ana", actor="root")
    return accounts


async def test_the_right_password_of_a_disabled_account_gets_the_wrong_passwords_answer(disabled):
    right = await disabled.sign_in("ana", PASSWORD, "10.0.0.1")
    wrong = await disabled.sign_in("ana", "not the password", "10.0.0.1")

    assert right == wrong == WRONG


async def test_the_right_password_of_a_disabled_account_counts_as_a_failure(disabled):
    # Counted as a success it cleared the name's count: the lockout coming later than after five
    # guesses told a guesser that one of them was right.
    for guess in ["guess 1", "guess 2", PASSWORD, "guess 4", "guess 5"]:
        assert await disabled.sign_in("ana", guess, "10.0.0.1") == WRONG

    refused = await disabled.sign_in("ana", PASSWORD, "10.0.0.1")

    assert isinstance(refused, SignInRefused) and refused.retry_after


async def test_enabled_again_the_account_signs_in(disabled):
    await disabled.sign_in("ana", PASSWORD, "10.0.0.1")
    await disabled.enable("ana", actor="root")

    assert isinstance(await disabled.sign_in("ana", PASSWORD, "10.0.0.1"), NewSession)
