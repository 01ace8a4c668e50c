"""The database a `feedgate` command works on: one engine on an up-to-date schema, disposed after.

Commands that read or change what is stored (cluster, export, prune, erase, keys list and
revoke, audit verify, user list and the user changes) refuse a SQLite file that is not there: a
mistyped path would otherwise be a new, empty database, migrated, and the command would report
nothing to do. Those that may begin a database (serve, worker, import, keys create, user add) create it.

Read-only commands (export, keys list, audit verify, user list) never migrate: on SQLite as on
PostgreSQL, a schema behind this Feedgate's is refused, naming `feedgate db upgrade`. Looking
must not change the database: a reader on an older file upgraded it under the Feedgate still
serving it, which could no longer read its own database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.engine import make_url

from gateway.config_checks import ConfigError
from gateway.url_text import shown_url

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from gateway.config import Settings

T = TypeVar("T")
logger = logging.getLogger("feedgate")
# How long a stopped `db upgrade` waits to read the revision it left the database at, before saying it without.
REVISION_READ_SECONDS = 5.0


@asynccontextmanager
async def prepared_database(
    settings: Settings, *, creates: bool = True, reads_only: bool = False
) -> AsyncIterator[AsyncEngine]:
    """An engine on an up-to-date schema (SQLite is migrated, PostgreSQL must be), disposed on exit.

    `creates`: the command may begin a new SQLite database; without it, a file that is not there is a
    ConfigError naming it. `reads_only`: the command only reads, so SQLite is not migrated either
    (an out-of-date schema is a ConfigError); it implies not `creates`.
    """
    from gateway.observability.logs import configure_logging
    from gateway.services_setup import prepare_database
    from gateway.store.engine import create_engine

    # A migration's lines go out as the settings say (JSON for a collector), like every other log line.
    configure_logging(settings.log_format, settings.log_level)
    if not creates or reads_only:
        refuse_missing_sqlite_file(settings.database_url, settings.origin_of("database_url"))
    engine = create_engine(settings.database_url)
    try:
        await prepare_database(settings, engine, migrates=not reads_only)
        yield engine
    finally:
        await engine.dispose()


async def on_database(
    settings: Settings,
    work: Callable[[AsyncEngine], Awaitable[T]],
    *,
    creates: bool = True,
    reads_only: bool = False,
) -> T:
    """`work` done on `prepared_database`'s engine; a database lost partway is a ConfigError saying so."""
    async with prepared_database(settings, creates=creates, reads_only=reads_only) as engine:
        try:
            return await work(engine)
        except Exception as exc:
            lost = await _lost_database(engine, exc)
            if lost is None:
                raise
            raise lost from None


class DatabaseLost(ConfigError):
    """The database stopped answering while a command worked on it; the message names it and says what to do."""


async def _lost_database(engine: AsyncEngine, exc: Exception) -> DatabaseLost | None:
    """DatabaseLost when `exc` says the database went away (it was reachable when the command began), else None.

    It was a traceback. A plain OSError may be the command's own (a file it reads), and SQLite says
    OperationalError of a statement it cannot run too: those count only when the database is
    unreachable now as well, else the error is told as it is.
    """
    from sqlalchemy.exc import DBAPIError

    from gateway.store.availability import database_unavailable
    from gateway.store.engine import check_reachable, is_sqlite

    if not database_unavailable(exc):
        return None
    reason = (str(exc.orig) if isinstance(exc, DBAPIError) else str(exc)) or type(exc).__name__
    if not isinstance(exc, DBAPIError) or is_sqlite(engine):
        try:
            await check_reachable(engine)
        except ConfigError:
            pass
        else:
            return None
    where = engine.url.render_as_string(hide_password=True)
    return DatabaseLost(
        f"lost the database {where} partway ({reason}): the command stopped before it finished; "
        "run it again once the database answers"
    )


def not_started(what: str) -> str:
    """What a long-running command (`what`: "the gateway", "the worker") stopped while it still prepared its database
    says. A SQLite upgrade, stopped, is rolled back whole (gateway.store.migrations.env): never half-applied."""
    return (
        f"{what} did not start: it was still preparing its database (a SQLite schema upgrade is one transaction, "
        "done whole or not at all); start it again"
    )


def missing_sqlite_file(database_url: str) -> Path | None:
    """The path of the SQLite file `database_url` names when that file is not there (None: it is, or not SQLite)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database)
    return None if path.exists() else path


def refuse_missing_sqlite_file(database_url: str, source: str = "FEEDGATE_DATABASE_URL") -> None:
    """Raise ConfigError when `database_url` names a SQLite file that does not exist (other databases pass).

    `source` says where the URL came from (its variable, or its key in the config file), for the hint to check it.
    """
    path = missing_sqlite_file(database_url)
    if path is not None:
        raise ConfigError(
            f"there is no SQLite database at {path}: check {source} ({shown_url(database_url)}); "
            "`feedgate serve` or `feedgate db upgrade` creates one"
        )


def upgrade_stopped(database_url: str) -> str:
    """What a stopped `feedgate db upgrade` says: the revision the database is at, and what to do.

    An upgrade is one transaction (gateway.store.migrations.env): stopped, it is rolled back whole, no
    migration half-applied. Read again rather than assumed, as a stop can come after the commit.
    """
    from gateway.store.migrate import database_revision, schema_position
    from gateway.store.schema_state import expected_revision

    async def read() -> str | None:
        async with asyncio.timeout(REVISION_READ_SECONDS):
            return await database_revision(database_url)

    again = "run `feedgate db upgrade` again"
    try:
        found = asyncio.run(read())
    except Exception:
        logger.debug("reading the revision after the stop", exc_info=True)
        return f"the upgrade was cut short and rolled back: the database is at the revision it began from; {again}"
    if found == expected_revision():
        return f"the upgrade had finished: the database is {schema_position(found)}"
    return f"the upgrade was cut short and rolled back: the database is {schema_position(found)}; {again}"
