"""The database a `feedgate` command works on: one engine on an up-to-date schema, disposed after.

Commands that read or change what is stored (cluster, export, prune, erase, keys list and
revoke, audit verify) refuse a SQLite file that is not there: a mistyped path would otherwise be a new,
empty database, migrated, and the command would report nothing to do. Those that may begin a database
(serve, worker, import, keys create, user add and list) create it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.engine import make_url

from gateway.config_checks import ConfigError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from gateway.config import Settings

T = TypeVar("T")


@asynccontextmanager
async def prepared_database(settings: Settings, *, creates: bool = True) -> AsyncIterator[AsyncEngine]:
    """An engine on an up-to-date schema (SQLite is migrated, PostgreSQL must be), disposed on exit.

    `creates`: the command may begin a new SQLite database; without it, a file that is not there is a
    ConfigError naming it.
    """
    from gateway.observability.logs import configure_logging
    from gateway.services import prepare_database
    from gateway.store.engine import create_engine

    # A migration's lines go out as the settings say (JSON for a collector), like every other log line.
    configure_logging(settings.log_format, settings.log_level)
    if not creates:
        refuse_missing_sqlite_file(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        await prepare_database(settings, engine)
        yield engine
    finally:
        await engine.dispose()


async def on_database(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]], *, creates: bool = True) -> T:
    """`work` done on `prepared_database`'s engine."""
    async with prepared_database(settings, creates=creates) as engine:
        return await work(engine)


def refuse_missing_sqlite_file(database_url: str) -> None:
    """Raise ConfigError when `database_url` names a SQLite file that does not exist (other databases pass)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    path = Path(url.database)
    if not path.exists():
        raise ConfigError(
            f"there is no SQLite database at {path}: check FEEDGATE_DATABASE_URL ({database_url}); "
            "`feedgate serve` or `feedgate db upgrade` creates one"
        )
