"""Names given on the command line are blank by the one rule (gateway/domain/blank_text.py): `feedgate keys create`'s
APP and `feedgate erase --actor` of zero-width or ideographic spaces name nothing, and are refused in one line naming
the argument and saying it is blank, exit status 2, before anything is stored (str.strip kept U+200B: a key was
issued for such an app, and an erasure audited as done by no one)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from gateway.cli import main
from gateway.store.engine import create_engine
from gateway.store.tables import audit_log, gateway_keys

BLANKS = ["", "   ", "\u200b", "\u3000", "\u2060 \ufeff"]


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The one line `feedgate ARGS` says on stderr, having exited 2."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    assert exited.value.code == 2
    [said] = capsys.readouterr().err.splitlines()
    return said


def count(database_url: str, table) -> int:
    """How many rows `table` holds (read after the command, on an engine of its own)."""

    async def read() -> int:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as connection:
                return await connection.scalar(select(func.count()).select_from(table))
        finally:
            await engine.dispose()

    return asyncio.run(read())


@pytest.mark.parametrize("blank", BLANKS)
def test_keys_create_refuses_a_blank_app_and_issues_no_key(database_url, capsys, blank):
    said = refused(capsys, "keys", "create", blank, "--database-url", database_url)

    assert said == "feedgate: 'APP' is blank: name the app the key is for (`feedgate keys create support-bot`)"
    assert count(database_url, gateway_keys) == 0


@pytest.mark.parametrize("blank", BLANKS)
def test_erase_refuses_a_blank_actor_and_erases_nothing(database_url, capsys, blank):
    said = refused(capsys, "erase", "--user", "u-1", "--actor", blank, "--database-url", database_url)

    assert said == "feedgate: '--actor' is blank: name who asked for the erasure, or leave it out for 'cli'"
    assert count(database_url, audit_log) == 0


@pytest.mark.parametrize("blank", BLANKS)
def test_keys_list_refuses_a_blank_app(database_url, capsys, blank):
    # It said "no live keys of app ''", as if an app of that name had none.
    said = refused(capsys, "keys", "list", "--app", blank, "--database-url", database_url)

    assert said == "feedgate: '--app' is blank: name the app whose keys to list, or leave it out for every app's"


@pytest.mark.parametrize("blank", BLANKS)
def test_erase_refuses_a_blank_user_and_erases_nothing(database_url, capsys, blank):
    said = refused(capsys, "erase", "--user", blank, "--database-url", database_url)

    assert said == "feedgate: '--user' is blank: give the end user's id as the interactions name it"
    assert count(database_url, audit_log) == 0
