"""`feedgate user …` on SQLite and PostgreSQL: once as a separate process, the rest through `main` in process."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys

import pytest

from gateway.accounts.records import NewSession, Role, User
from gateway.accounts.setup import account_service
from gateway.audit.service import AuditService
from gateway.cli import main
from gateway.config import Settings
from gateway.store.audit import AuditFilter, AuditStore
from gateway.store.engine import create_engine

PASSWORD = "a long enough password"


@pytest.fixture
def feedgate(database_url, monkeypatch, capsys):
    """Run `feedgate user ARGS` in process with `stdin`; returns (exit status, stdout, stderr)."""
    monkeypatch.setenv("FEEDGATE_DATABASE_URL", database_url)

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            main(["user", *args])
            status = 0
        except SystemExit as exc:
            status = int(exc.code or 0)
        out, err = capsys.readouterr()
        return status, out, err

    return run


def stored(database_url: str) -> tuple[dict[str, User], list[str], bool]:
    """The users by name, the actions audited as "cli" (newest first), whether `PASSWORD` is ana's."""

    async def read() -> tuple[dict[str, User], list[str], bool]:
        engine = create_engine(database_url)
        try:
            accounts = account_service(engine, Settings(database_url=database_url))
            users = {user.name: user for user in await accounts.list()}
            records = (await AuditService(AuditStore(engine)).list(AuditFilter(actor="cli"), 20)).data
            return (
                users,
                [record.action for record in records],
                await accounts.verify_password("ana", PASSWORD) is not None,
            )
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_a_user_is_added_with_the_password_on_stdin_and_listed(database_url):
    env = {**os.environ, "FEEDGATE_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "gateway.cli", "user"]

    added = subprocess.run(
        [*command, "add", "ana", "--role", "admin", "--password-stdin"],
        env=env,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    listed = subprocess.run([*command, "list"], env=env, capture_output=True, text=True, timeout=120)

    assert added.returncode == 0, added.stderr
    assert added.stdout == "added ana (admin)\n"
    assert listed.stdout == "ana\tadmin\tenabled\tlast sign-in: never\n"
    users, actions, ana_password_ok = stored(database_url)
    assert users["ana"].role == Role.ADMIN and ana_password_ok
    assert actions == ["user.create"]


def test_roles_passwords_and_disabling_from_the_command_line(feedgate, database_url):
    feedgate("add", "ana", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    feedgate("add", "vic", "--role", "viewer", "--password-stdin", stdin="another long password\n")

    assert feedgate("set-role", "vic", "reviewer")[:2] == (0, "vic is now reviewer\n")
    assert feedgate("set-password", "ana", "--password-stdin", stdin="a brand new password\r\n")[:2] == (
        0,
        "password of ana changed\n",
    )
    assert feedgate("disable", "vic")[:2] == (0, "disabled vic\n")
    assert feedgate("list")[1].splitlines() == [
        "ana\tadmin\tenabled\tlast sign-in: never",
        "vic\treviewer\tdisabled\tlast sign-in: never",
    ]
    assert feedgate("enable", "vic")[:2] == (0, "enabled vic\n")
    users, actions, old_password_ok = stored(database_url)
    assert not users["vic"].disabled and not old_password_ok
    assert actions == ["user.enable", "user.disable", "user.password", "user.role", "user.create", "user.create"]


def test_unlock_lets_a_locked_out_user_sign_in_at_once(feedgate, database_url):
    feedgate("add", "ana", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")

    async def guess_then_sign_in(after_guesses: bool) -> bool:
        engine = create_engine(database_url)
        try:
            accounts = account_service(engine, Settings(database_url=database_url))
            for _ in range(5 if after_guesses else 0):
                await accounts.sign_in("ana", "someone guessing", "203.0.113.9")
            return isinstance(await accounts.sign_in("ana", PASSWORD, "198.51.100.1"), NewSession)
        finally:
            await engine.dispose()

    locked_out = not asyncio.run(guess_then_sign_in(True))
    unlocked = feedgate("unlock", "ana")

    assert locked_out
    assert unlocked[:2] == (0, "unlocked ana: forgot 5 failed sign-ins\n")
    assert asyncio.run(guess_then_sign_in(False))
    assert stored(database_url)[1][0] == "user.unlock"


def test_refusals_exit_2_with_the_reason(feedgate):
    feedgate("add", "ana", "--role", "admin", "--password-stdin", stdin=PASSWORD)

    results = {
        "unknown role": feedgate("add", "bo", "--role", "owner", "--password-stdin", stdin=PASSWORD),
        "short password": feedgate("add", "bo", "--role", "viewer", "--password-stdin", stdin="short"),
        "taken name": feedgate("add", "ana", "--role", "viewer", "--password-stdin", stdin=PASSWORD),
        "unknown user": feedgate("disable", "ghost"),
        "unlock nobody": feedgate("unlock", "ghost"),
        "last admin": feedgate("set-role", "ana", "viewer"),
        "no terminal": feedgate("set-password", "ana", stdin=PASSWORD),
    }

    assert {what: status for what, (status, _, _) in results.items()} == dict.fromkeys(results, 2)
    errors = {what: err for what, (_, _, err) in results.items()}
    assert "unknown role 'owner': choose one of viewer, reviewer, admin" in errors["unknown role"]
    assert "a password needs at least 12 characters" in errors["short password"]
    assert "a user called 'ana' already exists" in errors["taken name"]
    assert "no user called 'ghost'" in errors["unknown user"] and "no user called 'ghost'" in errors["unlock nobody"]
    assert "only enabled admin" in errors["last admin"]
    assert "--password-stdin" in errors["no terminal"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_short_password_typed_at_the_prompt_is_refused_before_it_is_asked_again(database_url, monkeypatch, capsys):
    # It was asked for twice, then refused for its length: the rule is told after the first entry.
    monkeypatch.setenv("FEEDGATE_DATABASE_URL", database_url)
    monkeypatch.setattr(sys, "stdin", _Terminal())
    prompts: list[str] = []

    def typed(prompt: str) -> str:
        prompts.append(prompt)
        return "short"

    monkeypatch.setattr("gateway.cli_users.getpass.getpass", typed)
    with pytest.raises(SystemExit) as exited:
        main(["user", "add", "ana", "--role", "admin"])

    assert exited.value.code == 2
    assert prompts == ["Password: "]
    assert "a password needs at least 12 characters" in capsys.readouterr().err


def test_a_user_added_where_there_was_no_database_is_told_the_new_database_it_went_into(tmp_path, monkeypatch, capsys):
    # Run in another folder than the gateway's, `user add` made a new ./feedgate.db, said only "added me (admin)",
    # and the sign-in at the running gateway then failed with no hint why.
    path = tmp_path / "feedgate.db"
    monkeypatch.setenv("FEEDGATE_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD))

    main(["user", "add", "ana", "--role", "admin", "--password-stdin"])

    assert capsys.readouterr().out == (
        "added ana (admin)\n"
        f"note: there was no database at {path} (FEEDGATE_DATABASE_URL), so a new one was made there for ana; "
        "ana can sign in only at a gateway that uses this database\n"
    )
