"""The accounts domain on SQLite and PostgreSQL: users, audited changes, sessions and sign-in limits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from settable_clock import DateClock
from sqlalchemy import select

from gateway.accounts.errors import AccountError, UnknownUser
from gateway.accounts.limits import SignInLimits
from gateway.accounts.records import NewSession, Role, SignInRefused
from gateway.accounts.rules import MAX_NAME_LENGTH
from gateway.accounts.service import AccountService
from gateway.store.tables import admin_sign_in_attempts, admin_users, audit_log
from gateway.store.users import UserStore

PASSWORD = "a long enough password"
# Either may be wrong, and which is not said: both boxes are marked.
WRONG = SignInRefused(
    "Wrong user name or password (or the account is disabled: ask an admin).", fields=("name", "password")
)


@pytest.fixture
def clock() -> DateClock:
    return DateClock(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def accounts(engine, clock) -> AccountService:
    return AccountService(
        UserStore(engine),
        session_lifetime=timedelta(hours=12),
        idle_timeout=timedelta(hours=2),
        limits=SignInLimits(per_user=5, per_address=8, window=timedelta(minutes=15)),
        clock=clock,
    )


async def audit_rows(engine) -> list:
    async with engine.connect() as connection:
        return (await connection.execute(select(audit_log).order_by(audit_log.c.seq))).all()


async def test_users_are_created_listed_and_changed_with_audit_records(accounts, engine):
    await accounts.create("ana", Role.ADMIN, PASSWORD, actor="cli")
    await accounts.create("bo", Role.VIEWER, PASSWORD, actor="ana")
    await accounts.set_role("bo", Role.REVIEWER, actor="ana")
    await accounts.disable("bo", actor="ana")
    await accounts.enable("bo", actor="ana")
    await accounts.set_password("bo", "another long password", actor="ana")

    users = await accounts.list()
    assert [(user.name, user.role, user.disabled) for user in users] == [
        ("ana", Role.ADMIN, False),
        ("bo", Role.REVIEWER, False),
    ]
    rows = await audit_rows(engine)
    assert [(row.actor, row.action, row.subject_id) for row in rows] == [
        ("cli", "user.create", "ana"),
        ("ana", "user.create", "bo"),
        ("ana", "user.role", "bo"),
        ("ana", "user.disable", "bo"),
        ("ana", "user.enable", "bo"),
        ("ana", "user.password", "bo"),
    ]
    assert rows[2].before == {"role": "viewer"}
    assert rows[2].after == {"role": "reviewer"}
    # Neither the password nor its hash ever reaches the audit log.
    assert all(PASSWORD not in str(row) and "argon2" not in str(row) for row in rows)


async def test_passwords_are_stored_as_argon2id_hashes_and_verified(accounts, engine):
    await accounts.create("ana", Role.VIEWER, PASSWORD, actor="cli")

    async with engine.connect() as connection:
        stored = await connection.scalar(select(admin_users.c.password_hash))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert (await accounts.verify_password("ana", PASSWORD)).name == "ana"
    assert await accounts.verify_password("ana", "wrong password here") is None
    assert await accounts.verify_password("nobody", PASSWORD) is None


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("", PASSWORD, "'name' is blank"),
        ("x" * 101, PASSWORD, "at most 100 characters"),
        ("tab\there", PASSWORD, "control characters"),
        ("ana", "short", "at least 12 characters"),
    ],
)
async def test_bad_names_and_passwords_are_refused(accounts, name, password, message):
    with pytest.raises(AccountError, match=message):
        await accounts.create(name, Role.VIEWER, password, actor="cli")


async def test_a_taken_name_is_refused_and_nothing_is_audited(accounts, engine):
    await accounts.create("ana", Role.VIEWER, PASSWORD, actor="cli")

    with pytest.raises(AccountError, match="already exists"):
        await accounts.create("ana", Role.ADMIN, PASSWORD, actor="cli")
    assert len(await audit_rows(engine)) == 1


async def test_a_name_differing_only_in_case_is_taken(accounts, engine):
    # Reviewer names compare without case (gateway/review/people.py): "Alice" and "alice" would be one reviewer.
    await accounts.create("Straße", Role.REVIEWER, PASSWORD, actor="cli")

    with pytest.raises(AccountError, match=r"'Straße' already exists.*without case"):
        await accounts.create("STRASSE", Role.VIEWER, PASSWORD, actor="cli")
    assert [user.name for user in await accounts.list()] == ["Straße"]
    assert len(await audit_rows(engine)) == 1


async def test_the_only_enabled_admin_can_be_neither_disabled_nor_demoted(accounts):
    await accounts.create("ana", Role.ADMIN, PASSWORD, actor="cli")

    with pytest.raises(AccountError, match="only enabled admin"):
        await accounts.disable("ana", actor="ana")
    with pytest.raises(AccountError, match="only enabled admin"):
        await accounts.set_role("ana", Role.VIEWER, actor="ana")
    await accounts.create("bo", Role.ADMIN, PASSWORD, actor="ana")
    await accounts.set_role("ana", Role.VIEWER, actor="bo")


async def test_unknown_users_are_named(accounts):
    with pytest.raises(UnknownUser, match="no user called 'ghost'"):
        await accounts.disable("ghost", actor="cli")


async def test_a_session_names_its_user_until_it_idles_out(accounts, clock):
    await accounts.create("ana", Role.REVIEWER, PASSWORD, actor="cli")

    session = await accounts.sign_in("ana", PASSWORD, "10.0.0.1")

    assert isinstance(session, NewSession)
    assert (await accounts.session_user(session.token)).role == Role.REVIEWER
    clock.advance(minutes=90)
    assert await accounts.session_user(session.token) is not None  # used: the idle clock restarts
    clock.advance(minutes=119)
    assert await accounts.session_user(session.token) is not None
    clock.advance(minutes=121)
    assert await accounts.session_user(session.token) is None
    assert await accounts.session_user("a made-up token") is None


async def test_a_session_ends_at_its_lifetime_even_when_used(accounts, clock):
    await accounts.create("ana", Role.VIEWER, PASSWORD, actor="cli")
    session = await accounts.sign_in("ana", PASSWORD, "10.0.0.1")

    for _ in range(12):
        clock.advance(minutes=59)
        assert await accounts.session_user(session.token) is not None
    clock.advance(minutes=13)
    assert await accounts.session_user(session.token) is None


async def test_role_changes_apply_at_once_and_disabling_or_a_new_password_ends_sessions(accounts):
    await accounts.create("root", Role.ADMIN, PASSWORD, actor="cli")
    await accounts.create("ana", Role.VIEWER, PASSWORD, actor="cli")
    first = await accounts.sign_in("ana", PASSWORD, "10.0.0.1")

    await accounts.set_role("ana", Role.REVIEWER, actor="root")
    assert (await accounts.session_user(first.token)).role == Role.REVIEWER
    await accounts.set_password("ana", "a brand new password", actor="root")
    assert await accounts.session_user(first.token) is None

    second = await accounts.sign_in("ana", "a brand new password", "10.0.0.1")
    await accounts.disable("ana", actor="root")
    assert await accounts.session_user(second.token) is None
    refused = await accounts.sign_in("ana", "a brand new password", "10.0.0.1")
    assert refused == WRONG


async def test_sign_out_ends_the_session(accounts):
    await accounts.create("ana", Role.VIEWER, PASSWORD, actor="cli")
    session = await accounts.sign_in("ana", PASSWORD, "10.0.0.1")

    await accounts.sign_out(session.token)

    assert await accounts.session_user(session.token) is None


async def test_five_failures_on_a_name_refuse_it_for_the_rest_of_the_window(accounts, clock):
    await accounts.create("ana", Role.VIEWER, PASSWORD, actor="cli")
    for _ in range(5):
        outcome = await accounts.sign_in("ana", "wrong password!", "10.0.0.1")
        assert outcome == WRONG
        clock.advance(minutes=1)

    # Even the right password is refused, from any address, with the time to wait.
    refused = await accounts.sign_in("ana", PASSWORD, "10.0.0.2")
    assert isinstance(refused, SignInRefused)
    assert refused.retry_after == 10 * 60
    assert refused.message == (
        "Too many failed sign-ins for this user name. Try again in 10 minutes, "
        "or ask an admin to unlock it now (feedgate user unlock)."
    )

    clock.advance(minutes=9, seconds=59)
    assert isinstance(await accounts.sign_in("ana", PASSWORD, "10.0.0.2"), SignInRefused)
    clock.advance(seconds=1)
    assert isinstance(await accounts.sign_in("ana", PASSWORD, "10.0.0.2"), NewSession)


async def test_a_name_longer_than_any_user_name_is_noted_bounded_and_counted(accounts, engine, clock):
    # Sign-in names are noted no longer than a user name may be, and counted as noted: a very long name
    # was matched whole against its cut-down records, so its failures never added up to the limit.
    await accounts.create("ana", Role.VIEWER, PASSWORD, actor="cli")
    name = "a" * 10_000
    for _ in range(5):
        assert await accounts.sign_in(name, "wrong password!", f"10.0.0.{_ + 1}") == WRONG
        clock.advance(minutes=1)

    refused = await accounts.sign_in(name, "wrong password!", "10.0.0.20")

    assert isinstance(refused, SignInRefused) and refused.message.startswith("Too many failed sign-ins for this user")
    async with engine.connect() as connection:
        noted = (await connection.execute(select(admin_sign_in_attempts.c.user_name))).scalars().all()
    assert {len(noted_name) for noted_name in noted} == {MAX_NAME_LENGTH}


async def test_sign_ins_sent_at_once_get_no_more_password_checks_than_the_limit(accounts, engine):
    await accounts.create("ana", Role.VIEWER, PASSWORD, actor="cli")

    outcomes = await asyncio.gather(*(accounts.sign_in("ana", f"guess {n}", "10.0.0.1") for n in range(40)))

    # Each counts the attempts noted before its own: how many get through depends on the interleaving.
    checked = [o for o in outcomes if o == WRONG]
    assert len(checked) <= 5
    assert all(o.message.startswith("Too many failed sign-ins") for o in outcomes if o not in checked)
    async with engine.connect() as connection:
        noted = (await connection.execute(select(admin_sign_in_attempts.c.succeeded))).scalars().all()
    assert noted == [False] * len(checked)  # the refused ones count for nothing


async def test_a_success_clears_the_names_count(accounts):
    await accounts.create("ana", Role.VIEWER, PASSWORD, actor="cli")
    for _ in range(4):
        await accounts.sign_in("ana", "wrong password!", "10.0.0.1")
    assert isinstance(await accounts.sign_in("ana", PASSWORD, "10.0.0.1"), NewSession)

    for _ in range(4):
        await accounts.sign_in("ana", "wrong password!", "10.0.0.3")
    assert isinstance(await accounts.sign_in("ana", PASSWORD, "10.0.0.3"), NewSession)


async def test_an_address_guessing_many_names_is_refused(accounts):
    await accounts.create("ana", Role.VIEWER, PASSWORD, actor="cli")
    for index in range(8):
        await accounts.sign_in(f"guess-{index}", "wrong password!", "10.0.0.9")

    refused = await accounts.sign_in("ana", PASSWORD, "10.0.0.9")

    assert isinstance(refused, SignInRefused)
    assert refused.message.startswith("Too many failed sign-ins from your address.")
    assert isinstance(await accounts.sign_in("ana", PASSWORD, "10.0.0.10"), NewSession)


async def test_signing_in_where_there_is_no_user_yet_says_how_to_make_the_first(accounts):
    # A new deployment's sign-in page has no account to sign in with: "Wrong user name or password (or the account is
    # disabled: ask an admin)" left its first user with no one to ask.
    refused = await accounts.sign_in("admin", "any password at all", "10.0.0.1")

    assert refused == SignInRefused(
        "No one can sign in yet: this database has no users. Make the first admin where the gateway's database is: "
        "feedgate user add NAME --role admin",
        fields=("name",),
    )


async def test_once_a_user_exists_a_wrong_name_is_told_as_a_wrong_password(accounts):
    await accounts.create("ana", Role.ADMIN, PASSWORD, actor="cli")

    assert await accounts.sign_in("admin", "any password at all", "10.0.0.1") == WRONG
