"""Checks behind the settings: ports, database URLs, and how a refused setting is reported.

Kept apart from config.py (the settings object itself) so each stays one job.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import idna
from pydantic import ValidationError, ValidatorFunctionWrapHandler, WrapValidator
from pydantic.fields import FieldInfo
from pydantic_core import InitErrorDetails

from gateway.domain.quoting import quoted
from gateway.url_text import shown_url, url_credentials_end

if TYPE_CHECKING:
    from gateway.config import Settings


class ConfigError(Exception):
    """The configuration is unusable; the message says what to fix."""


# The TCP ports a setting or command-line option may name (0 would let the system pick one,
# which nobody could then find).
MIN_PORT, MAX_PORT = 1, 65535
# The databases Feedgate runs on, as SQLAlchemy URLs with their async drivers.
DATABASE_URL_FORMS = "sqlite+aiosqlite:///path/to/feedgate.db or postgresql+asyncpg://user:password@host/database"
_DATABASE_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


# What a setting naming the variable that holds a key or secret takes: a portable environment variable's name
# (letters, digits and _, not starting with a digit), as shells and Compose set them. A key pasted there in its
# place (`sk-proj-…` holds a `-`) was named as a variable "not set" in a warning or a refusal: the key in a log.
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def checked_variable_name(value: str | None) -> str | None:
    """`value` if it can name an environment variable ("" and None: none named); else a ValueError, never quoting it."""
    if value and not _VARIABLE_NAME.fullmatch(value):
        raise ValueError(
            "takes the name of the environment variable holding the key or secret (letters, digits and _, such as "
            "OPENAI_API_KEY), not the key itself: put the key in that variable and name the variable here "
            "(what was given is not shown: it may be a key)"
        )
    return value


# The longest duration a setting may name (100 years, in days): dates an age or a lifetime away from now must
# stay dates, and a retention of 1e6 days would put the cutoff before the year 1.
MAX_DAYS = 36_500
MAX_HOURS = MAX_DAYS * 24
MAX_MINUTES = MAX_HOURS * 60
MAX_SECONDS = MAX_MINUTES * 60


def off_or_at_least(minimum: float, unit: str) -> Callable[[float], float]:
    """A check for an interval where 0 means never: anything else must be at least `minimum` (`unit`s).

    A tiny positive interval would run its job back to back and keep a core busy.
    """

    def check(value: float) -> float:
        if 0 < value < minimum:
            raise ValueError(f"must be 0 (never) or at least {minimum:g} {unit}")
        return value

    return check


# The characters of an HTTP field name (RFC 9110's token).
def folded_word(text: str) -> str:
    """A word setting's value as its words are written: lower case, no spaces around it (`JSON ` is `json`)."""
    return text.strip().lower()


def _word_in_any_case(value: object, handler: ValidatorFunctionWrapHandler) -> object:
    if isinstance(value, str):
        try:
            return handler(folded_word(value))
        except ValidationError:
            pass  # refused as it was written, which the refusal quotes
    return handler(value)


# A setting that takes one of a few words takes each in any case (`FEEDGATE_LOG_LEVEL=INFO`, as other tools spell
# it): `Annotated[Literal["auto", "text", "json"], ANY_CASE]`.
ANY_CASE = WrapValidator(_word_in_any_case)

_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def http_header_name(name: str | None) -> str | None:
    """`name` when a request can carry a header so named; else a ValueError saying what to write.

    A colon copied from `curl -H`, a space, or a blank an env file left at its end matched no header,
    so the setting silently did nothing.
    """
    if name is not None and not _HEADER_NAME.fullmatch(name):
        raise ValueError(f"{quoted(name)} is not an HTTP header name: write the name alone, e.g. x-forwarded-for")
    return name


def list_from_text(value: object, example: str, *, comma_separated: bool) -> object:
    """A list setting given as text, as every environment variable is: a JSON list, or (lists of plain words) a,b,c.

    Anything else is a ValueError saying what to write, so the refusal is one line like every other.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    wanted = "a JSON list or comma-separated" if comma_separated else "a JSON list"
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            raise ValueError(f"must be {wanted}, e.g. {example}; this starts like JSON but is not valid JSON") from None
    if comma_separated:
        return [item.strip() for item in text.split(",") if item.strip()]
    raise ValueError(f"must be {wanted}, e.g. {example}")


_DEFAULT_PORTS = {"http": 80, "https": 443}


def browser_origin(origin: str) -> str:
    """`origin` as browsers send it in `Origin` (lower-case scheme and host, no default port, no slash); or "*".

    ValueError for anything that could never match one (a path, a wildcard in the host, no scheme):
    it was kept as written, and every post from the page failed with "Failed to fetch".
    """
    if origin == "*":
        return origin
    problem = f"{quoted(origin)} is not a browser origin: write scheme://host[:port], e.g. https://app.example"
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        raise ValueError(problem) from None
    # Any scheme with a host: an app in a web view sends its own (Capacitor's capacitor://localhost).
    if not parts.scheme or not parts.netloc or not parts.hostname or "*" in parts.hostname:
        raise ValueError(f"{problem} (a scheme and a host without wildcards; '*' alone allows any origin)")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"{problem} (no path, query or user: browsers send none of them)")
    scheme, host = parts.scheme.lower(), parts.hostname.lower()
    if not host.isascii():
        # Browsers send an international host name in its ASCII form (UTS #46, as their URL parser does).
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise ValueError(f"{problem} ({exc})") from None
    if ":" in host:  # an IPv6 address, bracketed in an origin
        host = f"[{host}]"
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != _DEFAULT_PORTS.get(scheme) else "")


def check_port(option: str, port: int) -> int:
    """`port` when it is a TCP port one can listen on and be found at; else a ConfigError naming `option`."""
    if not MIN_PORT <= port <= MAX_PORT:
        raise ConfigError(f"{option} must be a port number from {MIN_PORT} to {MAX_PORT}, got {quoted(port)}")
    return port


_UNREADABLE_DATABASE_URL = (
    "cannot be read (not shown, as it may hold a password): percent-encode / ? # @ in its user "
    f"and password as %2F %3F %23 %40; use {DATABASE_URL_FORMS}"
)


def check_database_url(url: str) -> None:
    """Refuse what is not a URL of a database Feedgate runs on, before any command tries to connect.

    Raised as a refusal that carries no input (see `refused`) rather than a ValueError, which pydantic would
    keep with the URL (and its password) for anyone printing the error; yet collected like any other refusal,
    so a bad URL no longer hides the other settings' refusals.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise refused(((), f"not a database URL; use {DATABASE_URL_FORMS}")) from None
    except ValueError:
        # A port that is no number: "user:pass/word" with no "@" reads as host "user", port "pass", and the
        # error quoted it.
        raise refused(((), _UNREADABLE_DATABASE_URL)) from None
    rest = url.partition("://")[2]
    if rest.count("@") > 1 or url_credentials_end(rest) == -1:
        # SQLAlchemy ends a password at its first "@": the rest of it would be taken for the host, and shown.
        raise refused(((), _UNREADABLE_DATABASE_URL))
    if parsed.drivername not in _DATABASE_DRIVERS:
        shown = parsed.render_as_string(hide_password=True)
        raise refused(
            (
                (),
                f"{shown} is not a database Feedgate runs on (SQLite through aiosqlite, PostgreSQL "
                f"through asyncpg); use {DATABASE_URL_FORMS}",
            )
        )


# A refusal as `refused` takes it: the setting's location, and why.
Refusal = tuple[tuple[str | int, ...], str]


def refused(*found: Refusal) -> ValidationError:
    """A ValidationError refusing each (setting's location, reason), as pydantic reports a refused field.

    Raised inside a validator of Settings, pydantic puts each at its location (below the field being
    validated, if any), so `invalid_settings` (gateway.config_refusals) reports it in one line naming it, like every other refusal.
    """
    errors = [InitErrorDetails(type="value_error", loc=loc, input=None, ctx={"error": reason}) for loc, reason in found]
    return ValidationError.from_exception_data("Settings", errors)


def check_one_gate_per_app(apps: list[str]) -> None:
    """Refuse a second `[[review_gates]]` entry for an app (gates are per app; one would silently win)."""
    first: dict[str, int] = {}
    repeated: list[Refusal] = []
    for index, app in enumerate(apps):
        if app in first:
            repeated.append(
                ((index, "app"), f"app {quoted(app)} already has a gate (review_gates.{first[app]}); one entry per app")
            )
        else:
            first[app] = index
    if repeated:
        raise refused(*repeated)


def unknown_variables(
    environ: Mapping[str, str], settings: Mapping[str, FieldInfo], also_known: Iterable[str]
) -> list[str]:
    """A line for each FEEDGATE_ variable that is no setting (a typo is otherwise ignored without a word)."""
    known = {f"FEEDGATE_{name.upper()}" for name in settings} | set(also_known)
    lines = []
    for variable in sorted(name for name in environ if name.startswith("FEEDGATE_") and name not in known):
        close = difflib.get_close_matches(variable, known, n=1)
        hint = f" (did you mean {close[0]}?{_takes_a_name(variable, close[0], settings)})" if close else ""
        lines.append(f"{variable} is not a Feedgate setting{hint}; it is ignored")
    return lines


def _takes_a_name(variable: str, setting_variable: str, settings: Mapping[str, FieldInfo]) -> str:
    # FEEDGATE_UPSTREAM_API_KEY holds a key: the setting it resembles takes the name of the variable holding one, and
    # its hint alone sent the key there.
    # (A variable another setting names, not a setting, may resemble it too: no hint then.)
    field = settings.get(setting_variable.removeprefix("FEEDGATE_").lower())
    if field is None or setting_variable != f"{variable}_ENV":
        return ""
    default = field.default
    by_default = f", {default} by default" if isinstance(default, str) and default else ""
    return f" it takes the name of the variable holding the key{by_default}, not the key"


# Secrets anyone may try to guess, offline for the feedback secret (every end user holds a token signed
# with it): shorter than this, `serve` warns at start-up. Warned, not refused: a running deployment
# must not stop starting after an upgrade.
MIN_SECRET_CHARS = 32
_GUESSABLE_SECRETS = (
    ("admin_token", "FEEDGATE_ADMIN_TOKEN"),
    ("feedback_secret", "FEEDGATE_FEEDBACK_SECRET"),
    ("metrics_token", "FEEDGATE_METRICS_TOKEN"),
)


def short_secrets(settings: Settings, fields: Collection[str] | None = None) -> list[str]:
    """One warning per configured secret (of `fields`, default all) shorter than MIN_SECRET_CHARS, saying how to
    make a good one."""
    warnings = []
    for field, variable in _GUESSABLE_SECRETS:
        if fields is not None and field not in fields:
            continue
        value = getattr(settings, field)
        if isinstance(value, str) and len(value) < MIN_SECRET_CHARS:
            warnings.append(
                f"{variable} is {len(value)} characters: a short secret can be guessed; use at least "
                f"{MIN_SECRET_CHARS} random ones, e.g. $(openssl rand -hex 24)"
            )
    return warnings


def pathless_upstreams(settings: Settings) -> list[str]:
    """One warning per upstream whose URL has no path: every call would go to /chat/completions at its root."""
    warnings = []
    for upstream in settings.all_upstreams():
        after_scheme = upstream.url.split("://", 1)[1]
        if "/" not in after_scheme:
            url = shown_url(upstream.url)
            warnings.append(
                f"upstream {quoted(upstream.name)} ({url}) has no path, so calls go to {url}/chat/completions;"
                f" OpenAI-compatible APIs usually live under /v1 (e.g. {url}/v1)"
            )
    return warnings


def unrouted_upstreams(settings: Settings) -> list[str]:
    """One warning per `[[upstreams]]` entry that names no model and no prefix: no call would ever go there."""
    # Warned, not refused (as the secrets are): a running deployment must not stop starting after an upgrade.
    return [
        f"upstream {quoted(upstream.name)} ({shown_url(upstream.url)}) lists no models and no model_prefixes, so no call goes"
        f" to it (they all go to {shown_url(settings.upstream_url)}): add models = [...] or model_prefixes = [...] to its entry"
        for upstream in settings.upstreams
        if not upstream.models and not upstream.model_prefixes
    ]


def idle_redaction_rules(settings: Settings) -> list[str]:
    """A warning when redaction rules are configured but redaction is off: they would redact nothing."""
    if settings.redaction or not settings.redaction_rules:
        return []
    names = ", ".join(rule.name for rule in settings.redaction_rules)
    return [
        f"redaction is off (FEEDGATE_REDACTION), so the configured redaction_rules ({names}) redact nothing: "
        "set redaction = true to apply them, and the built-in rules, before anything is stored"
    ]


def shared_sqlite_file(settings: Settings) -> list[str]:
    """A warning when several `serve` processes (`workers`) would share one SQLite file, saying to use PostgreSQL."""
    # Warned, not refused: it works (WAL readers, a busy timeout for the one writer, a spool per process under
    # flock, the clustering lock and the rules' lease as rows), but the writes queue for SQLite's one write lock.
    if settings.workers == 1 or not settings.database_url.startswith("sqlite"):
        return []
    return [
        f"{settings.workers} processes (FEEDGATE_WORKERS, --workers) share one SQLite file: it works, but SQLite "
        "takes writes one at a time, so they add no write capacity, and under load a write waiting past its "
        "timeout (FEEDGATE_WRITER_DATABASE_TIMEOUT, FEEDGATE_DATABASE_TIMEOUT) counts as a database outage "
        "(calls spool, feedback and admin writes answer 503). For several processes use PostgreSQL "
        "(FEEDGATE_DATABASE_URL=postgresql+asyncpg://user:password@host/database); on SQLite run one (FEEDGATE_WORKERS=1)"
    ]


def serve_warnings(settings: Settings) -> list[str]:
    """Every warning `serve` gives at start about its settings (the upstream keys' aside)."""
    return [
        *short_secrets(settings),
        *pathless_upstreams(settings),
        *unrouted_upstreams(settings),
        *idle_redaction_rules(settings),
        *shared_sqlite_file(settings),
    ]


def check_folder(variable: str, folder: Path) -> None:
    """Make `folder` if need be; ConfigError naming `variable` when it is a file, or cannot be made."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{variable}: {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{variable}: cannot make the folder {folder}: {exc.strerror or exc}") from None


def check_spool_path(spool_path: Path) -> None:
    """Make the spool's folder if need be; ConfigError when that cannot be, or the path itself is a folder."""
    check_folder("FEEDGATE_SPOOL_PATH", spool_path.parent)
    # A folder there (a volume's mount point, say) started fine, then every call waited in memory, never
    # stored, since the writer replays the spool before it stores anything and a folder cannot be read.
    if spool_path.is_dir():
        raise ConfigError(
            f"FEEDGATE_SPOOL_PATH: {spool_path} is a folder; name a file in it, e.g. {spool_path / 'feedgate.spool.jsonl'}"
        )
