"""Checks behind the settings: ports, database URLs, and how a refused setting is reported.

Kept apart from config.py (the settings object itself) so each stays one job.
"""

from __future__ import annotations

from pydantic import ValidationError


class ConfigError(Exception):
    """The configuration is unusable; the message says what to fix."""


# The TCP ports a setting or command-line option may name (0 would let the system pick one,
# which nobody could then find).
MIN_PORT, MAX_PORT = 1, 65535
# The databases Feedgate runs on, as SQLAlchemy URLs with their async drivers.
DATABASE_URL_FORMS = "sqlite+aiosqlite:///path/to/feedgate.db or postgresql+asyncpg://user:password@host/database"
_DATABASE_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


def check_port(option: str, port: int) -> int:
    """`port` when it is a TCP port one can listen on and be found at; else a ConfigError naming `option`."""
    if not MIN_PORT <= port <= MAX_PORT:
        raise ConfigError(f"{option} must be a port number from {MIN_PORT} to {MAX_PORT}, got {port}")
    return port


def check_database_url(url: str) -> None:
    """Refuse what is not a URL of a database Feedgate runs on, before any command tries to connect.

    Raised as ConfigError rather than ValueError, so pydantic does not echo the URL (and its password)
    into the message: a bad URL is one line naming the forms that work.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"database_url is not a database URL; use {DATABASE_URL_FORMS}") from None
    if parsed.drivername not in _DATABASE_DRIVERS:
        shown = parsed.render_as_string(hide_password=True)
        raise ConfigError(
            f"database_url {shown} is not a database Feedgate runs on (SQLite through aiosqlite, PostgreSQL "
            f"through asyncpg); use {DATABASE_URL_FORMS}"
        )


# Settings whose values must not be echoed in an error: a log or a terminal would keep the secret.
_SECRET_WORDS = ("token", "secret", "password", "key", "database_url")


def invalid_settings(exc: ValidationError) -> str:
    """One line per refused setting, naming it and its variable, with the value sent unless it may be a secret."""
    lines = ["invalid configuration:"]
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"]) or "settings"
        variable = f" (FEEDGATE_{path.upper()})" if len(error["loc"]) == 1 else ""
        given = error.get("input")
        hidden = any(word in path for word in _SECRET_WORDS) or isinstance(given, dict)
        shown = "" if hidden or given is None else f"; got {given!r}"
        lines.append(f"  {path}{variable}: {error['msg']}{shown}")
    return "\n".join(lines)
