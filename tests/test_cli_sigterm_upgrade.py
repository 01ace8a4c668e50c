"""`feedgate db upgrade` stops on SIGTERM as the other writing commands do: one line saying where it stopped.

SIGTERM's default action ended it on the spot, saying nothing, and on PostgreSQL its statement went on in the
server (a lock wait, a long UPDATE) holding the upgrade's locks until it ended. An upgrade is one transaction on
both databases (gateway.store.migrations.env), so the database was at the revision it began from; now the
statement under way is cancelled (on SQLite, interrupted: it ran on to its end before the rollback), the
transaction rolled back, and the command says the revision the database is at and exits 128 + the signal (143).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from test_cli_sigterm import SIGTERM_STATUS, _waiting_on_a_lock, feedgate, said, said_once, until

from gateway.store.engine import create_engine
from gateway.store.locks import advisory_key
from gateway.store.migrate import MIGRATION_LOCK, database_revision, schema_position, upgrade_database
from gateway.store.schema_state import expected_revision

pytestmark = pytest.mark.timeout(240)

# The revision the tests start from: one migration (0041) behind.
START = "0040"
# 0041's last statement inserts into this table: a trigger there makes it long, and the test stops it there.
LAST_STATEMENTS_TABLE = "stored_order_heads"


@pytest.fixture
def env(fresh_database_url: str) -> dict[str, str]:
    """The upgrade's environment: this test's database, plain-text logs."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("FEEDGATE_")}
    return {
        **env,
        "FEEDGATE_DATABASE_URL": fresh_database_url,
        "FEEDGATE_LOG_FORMAT": "text",
    }


@pytest.fixture
async def engine(fresh_database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on this test's database at START."""
    await asyncio.to_thread(upgrade_database, fresh_database_url, START)
    engine = create_engine(fresh_database_url)
    yield engine
    await engine.dispose()


# What a slow SQLite trigger counts to: far longer than a test.
COUNT_TO = 4_000_000_000


async def slow_down(engine: AsyncEngine, table: str, event: str) -> None:
    """Every `event` (INSERT, DELETE) on `table` made long: a minute on PostgreSQL; on SQLite, counting for far
    longer (its triggers cannot sleep). The trigger is `slow_down`, with a function of that name on PostgreSQL."""
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(
                text(
                    "CREATE FUNCTION slow_down() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN PERFORM pg_sleep(60); RETURN NULL; END $$"
                )
            )
            await connection.execute(
                text(f"CREATE TRIGGER slow_down AFTER {event} ON {table} FOR EACH ROW EXECUTE FUNCTION slow_down()")
            )
            return
        await connection.execute(
            text(
                f"CREATE TRIGGER slow_down AFTER {event} ON {table} BEGIN "
                "SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                f"WHERE x < {COUNT_TO}) SELECT x FROM c); END"
            )
        )


async def slow_last_statement(engine: AsyncEngine) -> None:
    """0041's last statement made long."""
    await slow_down(engine, LAST_STATEMENTS_TABLE, "INSERT")


async def in_the_slow_statement(engine: AsyncEngine, database_url: str) -> bool:
    """Whether the upgrade is in 0041's last statement. On SQLite: in its transaction (it holds the write lock),
    and still there half a second later (its other statements take milliseconds)."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            statement = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
            return bool((await connection.execute(statement)).scalar())
    if not _sqlite_write_locked(database_url):
        return False
    await asyncio.sleep(0.5)
    return _sqlite_write_locked(database_url)


def _sqlite_write_locked(database_url: str) -> bool:
    probe = sqlite3.connect(make_url(database_url).database or "", isolation_level=None, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc), exc
        return True
    finally:
        probe.close()


async def schema_of_0041_present(engine: AsyncEngine) -> bool:
    """Whether anything 0041 makes is there: its index on merge_judgements, its column on review_decisions."""
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            indexes = "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_merge_judgements_asked_at'"
            columns = (
                "SELECT count(*) FROM information_schema.columns "
                "WHERE table_name = 'review_decisions' AND column_name = 'stored_seq'"
            )
        else:
            indexes = "SELECT count(*) FROM sqlite_master WHERE name = 'ix_merge_judgements_asked_at'"
            columns = "SELECT count(*) FROM pragma_table_info('review_decisions') WHERE name = 'stored_seq'"
        return bool(
            (await connection.execute(text(indexes))).scalar() or (await connection.execute(text(columns))).scalar()
        )


async def sessions_still_working(engine: AsyncEngine) -> int:
    """PostgreSQL sessions of this database other than ours that are running a statement (0 on SQLite)."""
    if engine.dialect.name != "postgresql":
        return 0
    async with engine.connect() as connection:
        statement = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state = 'active'"
        )
        return int((await connection.execute(statement)).scalar() or 0)


async def none_still_working(engine: AsyncEngine) -> None:
    """Until no other session of the database runs a statement (10 s at most)."""
    for _ in range(100):
        if not await sessions_still_working(engine):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("a session of the stopped upgrade still runs its statement in the server")


async def stopped(
    process: asyncio.subprocess.Process, within: float = 60, stop: signal.Signals = signal.SIGTERM
) -> int:
    """`stop` sent, then the exit status; it fails (the process killed) if it has not ended `within` seconds."""
    process.send_signal(stop)
    try:
        async with asyncio.timeout(within):
            return await process.wait()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"still running {within} s after {stop.name}") from None


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
async def test_sigterm_or_ctrl_c_in_the_middle_of_a_migration_rolls_the_upgrade_back_and_says_the_revision(
    env: dict[str, str], engine: AsyncEngine, fresh_database_url: str, tmp_path: Path, stop: signal.Signals
):
    await slow_last_statement(engine)
    log = tmp_path / "upgrade.log"
    process = await feedgate(["db", "upgrade"], env, log)
    await until(lambda: in_the_slow_statement(engine, fresh_database_url), process, log)

    # The statement is stopped, not run to its end (minutes): on SQLite it is interrupted (gateway.store.cancellable).
    status = await stopped(process, within=10, stop=stop)

    assert status == 128 + stop, said(log)
    line = said_once(log, stop)
    assert f"the database is {schema_position(START)}" in line, line
    assert "run `feedgate db upgrade` again" in line, line
    assert await database_revision(fresh_database_url) == START
    assert not await schema_of_0041_present(engine)  # its statements before the slow one were rolled back too
    # On PostgreSQL the statement is cancelled in the server, not left to sleep out its minute holding 0041's locks.
    await none_still_working(engine)
    on_table = f" ON {LAST_STATEMENTS_TABLE}" if engine.dialect.name == "postgresql" else ""
    async with engine.begin() as connection:
        await connection.execute(text(f"DROP TRIGGER slow_down{on_table}"))
    again = await feedgate(["db", "upgrade"], env, tmp_path / "again.log")
    assert await again.wait() == 0, said(tmp_path / "again.log")
    assert await database_revision(fresh_database_url) == expected_revision()


async def test_sigterm_while_an_upgrade_waits_for_another_says_the_database_is_where_it_was(
    env: dict[str, str], engine: AsyncEngine, fresh_database_url: str, tmp_path: Path
):
    # Another upgrade holds the migration lock: a file lock beside SQLite's file (waited for outside any event loop),
    # an advisory lock on PostgreSQL (waited for in a statement).
    log = tmp_path / "upgrade.log"
    if engine.dialect.name == "postgresql":
        async with engine.connect() as other:
            await other.execute(text("SELECT pg_advisory_lock(:key)"), {"key": advisory_key(MIGRATION_LOCK)})
            process = await feedgate(["db", "upgrade"], env, log)
            await until(lambda: _waiting_on_a_lock(engine), process, log)
            status = await stopped(process)
            # Its wait in the server is cancelled too, not left queued for the lock.
            await none_still_working(engine)
            await other.execute(text("SELECT pg_advisory_unlock_all()"))
    else:
        with migration_file_lock(fresh_database_url):
            process = await feedgate(["db", "upgrade"], env, log)
            await until(lambda: asyncio.to_thread(_waits_for_a_file_lock, process.pid), process, log)
            status = await stopped(process)

    assert status == SIGTERM_STATUS, said(log)
    line = said_once(log)
    assert f"the database is {schema_position(START)}" in line, line
    assert await database_revision(fresh_database_url) == START


@contextmanager
def migration_file_lock(database_url: str) -> Iterator[None]:
    """The lock an upgrade of the SQLite file at `database_url` takes (gateway.store.migrate), held."""
    with open(f"{make_url(database_url).database}.migrate.lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        yield


def _waits_for_a_file_lock(pid: int) -> bool:
    """Whether process `pid` waits for a file lock (/proc/locks lists a waiter as `N: -> FLOCK ... PID ...`)."""
    return any(
        fields[1:2] == ["->"] and fields[5:6] == [str(pid)]
        for fields in (line.split() for line in Path("/proc/locks").read_text().splitlines())
    )
