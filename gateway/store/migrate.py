"""Bringing a database's schema up to date with Alembic, from code or the CLI."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, column, select, table
from sqlalchemy.engine import make_url

from gateway.config_checks import ConfigError
from gateway.store.engine import create_engine

logger = logging.getLogger("feedgate.store")

MIGRATIONS = Path(__file__).parent / "migrations"
# The logger Alembic says each migration step on ("Running upgrade 0029 -> 0030, …"), and its parent.
ALEMBIC_STEPS = "alembic.runtime.migration"
ALEMBIC = "alembic"
# The lock concurrent upgrades take turns on (an advisory lock on PostgreSQL, a file lock beside SQLite's file).
MIGRATION_LOCK = "feedgate-migrations"
# Where Alembic keeps the revision a database is at (its default name).
VERSION_TABLE = "alembic_version"


class SchemaAhead(ConfigError):
    """The database's schema is at a revision this code does not ship: a newer Feedgate migrated it."""


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at the bundled migrations and `database_url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@cache
def _scripts() -> ScriptDirectory:
    """The bundled migrations (read once: they do not change while the process runs)."""
    # The URL is not used to find the scripts; any placeholder will do.
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def schema_is_ahead(found: str | None) -> bool:
    """Whether a database at revision `found` was migrated past what this code ships (by a newer Feedgate)."""
    if found is None:
        return False
    return found not in {script.revision for script in _scripts().walk_revisions()}


def schema_ahead_message(found: str) -> str:
    """What to say about a database at `found`, a revision newer than this code's newest: one line, what to do."""
    return (
        f"the database schema is at {found}, newer than this gateway knows (its newest migration is "
        f"{_scripts().get_current_head()}): a newer Feedgate migrated it. Run that version, or restore the database "
        f"from a backup taken before the upgrade; `feedgate db upgrade` cannot go back"
    )


def schema_position(found: str | None) -> str:
    """Where a database at revision `found` stands, said for a person: "at revision 0040, 1 migration behind 0041"."""
    head = _scripts().get_current_head()
    if found == head:
        return f"at revision {found}, up to date"
    if schema_is_ahead(found):
        return f"at revision {found}, newer than this gateway knows"
    behind = sum(1 for _ in _scripts().iterate_revisions(head, found or "base"))
    migrations = "migration" if behind == 1 else "migrations"
    where = "empty (no migration applied)" if found is None else f"at revision {found}"
    return f"{where}, {behind} {migrations} behind {head}"


def _check_not_ahead(found: str | None) -> None:
    if schema_is_ahead(found):
        raise SchemaAhead(schema_ahead_message(found or ""))


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in Alembic's version table (None: never migrated).

    Read directly: a MigrationContext logs two INFO lines ("Context impl …", "Will assume transactional
    DDL.") each time, so every process's start-up check and every readiness probe would say them.
    """
    if not connection.dialect.has_table(connection, VERSION_TABLE):
        return None
    revision: str | None = connection.execute(select(column("version_num")).select_from(table(VERSION_TABLE))).scalar()
    return revision


async def database_revision(database_url: str) -> str | None:
    """The revision the database at `database_url` is at (None: never migrated)."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(current_revision)
    finally:
        await engine.dispose()


def upgrade_database(database_url: str, revision: str = "head") -> None:
    """Apply every pending migration (blocking: call it off the event loop).

    A database migrated by a newer Feedgate is a SchemaAhead (a ConfigError), not Alembic's
    "Can't locate revision" traceback.
    """
    try:
        with _sqlite_file_lock(database_url), _one_summary_line():
            command.upgrade(alembic_config(database_url), revision)
    except CommandError:
        # Only now look at the database (the usual path costs no extra connection).
        _check_not_ahead(asyncio.run(database_revision(database_url)))
        raise


class _MigrationSteps(logging.Filter):
    """Notes each migration step Alembic runs and, `quiet`, keeps its info lines (one per step, and more) from the log."""

    def __init__(self, quiet: bool) -> None:
        super().__init__()
        self.quiet = quiet
        self.steps: list[tuple[str, str]] = []

    def filter(self, record: logging.LogRecord) -> bool:
        """Records the step a "Running …" record names; passes warnings and errors, and everything unless quiet."""
        step = record.args[0] if isinstance(record.args, tuple) and record.args else None
        if record.msg == "Running %s" and step is not None:
            before = ", ".join(getattr(step, "from_revisions_no_deps", ()) or ()) or "an empty database"
            after = ", ".join(getattr(step, "to_revisions_no_deps", ()) or ()) or "base"
            self.steps.append((before, after))
        return not self.quiet or record.levelno >= logging.WARNING


@contextmanager
def _one_summary_line() -> Iterator[None]:
    """Say the upgrade in one line ("database upgraded from 0029 to 0031 (2 migrations)") instead of Alembic's line per
    migration, which buried `feedgate serve`'s first useful line under 30; all of them when debug logging is on."""
    quiet = not logging.getLogger("feedgate").isEnabledFor(logging.DEBUG)
    steps_logger, parent = logging.getLogger(ALEMBIC_STEPS), logging.getLogger(ALEMBIC)
    levels = (steps_logger.level, parent.level)
    steps = _MigrationSteps(quiet)
    steps_logger.addFilter(steps)
    if quiet:
        # Alembic's other loggers say nothing worth a line at info; its steps' logger still hands them to the filter.
        parent.setLevel(logging.WARNING)
        steps_logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        steps_logger.removeFilter(steps)
        steps_logger.setLevel(levels[0])
        parent.setLevel(levels[1])
    if quiet and steps.steps:
        count = len(steps.steps)
        logger.info(
            "database upgraded from %s to %s (%d migration%s)",
            steps.steps[0][0],
            steps.steps[-1][1],
            count,
            "" if count == 1 else "s",
        )


@contextmanager
def _sqlite_file_lock(database_url: str) -> Iterator[None]:
    """Hold an exclusive lock beside a SQLite file while its schema is upgraded (other databases: nothing)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        yield
        return
    # SQLite's own locks cover a statement, not the read of the revision and the tables made after it.
    lock_path = Path(f"{url.database}.migrate.lock")
    # Its owner's alone, as the database file is (gateway.store.engine); kept afterwards, as removing a
    # lock file another upgrade may be waiting on would let a third take a new one beside it.
    with os.fdopen(os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        yield


async def pending_migrations(database_url: str) -> bool:
    """Whether the database is behind the newest migration; SchemaAhead when it is past it (a newer Feedgate's)."""
    head = _scripts().get_current_head()
    current = await database_revision(database_url)
    _check_not_ahead(current)
    return current != head
