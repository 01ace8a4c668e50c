"""How a refused setting is reported: one line each, naming where its value came from (variable, file key, flag)."""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from gateway.config_checks import DATABASE_URL_FORMS
from gateway.domain.quoting import clipped, quoted
from gateway.url_text import shown_url, without_url_passwords

# A setting whose name ends so holds a secret, and its value is never echoed (a log or a terminal would keep
# it). Only the ending counts: feedback_token_ttl, key_cache_seconds or upstream_api_key_env (a variable's
# name) hold none. The database URL carries its password; a webhook URL's path is often its secret.
_SECRET_ENDINGS = ("token", "secret", "password", "salt", "api_key", "webhook_url")
_SECRET_SETTINGS = ("database_url",)
# A duration whose name does not say its unit is in seconds: a refusal says so (`7d` is no TTL).
_SECONDS_ENDINGS = ("_ttl", "_timeout", "_interval")
# What pydantic puts before a validator's own message: noise to an operator, who is told what to fix after it.
_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


@dataclass(frozen=True, eq=False)
class SettingOrigins:
    """Where each setting's value came from: the config file's keys, command-line flags, values passed in code
    (`passed`, said as `passed_from`: by a test, or handed to a `serve` worker), else the environment."""

    config_file: Path | None = None
    file_keys: Collection[str] = ()
    flags: Collection[str] = field(default_factory=frozenset)
    passed: Collection[str] = field(default_factory=frozenset)
    passed_from: str = "passed in code"

    def __eq__(self, other: object) -> bool:
        # Kept on Settings, whose equality is its values': the same values read from a file or the environment
        # are the same settings.
        return isinstance(other, SettingOrigins)

    def __hash__(self) -> int:
        return 0

    def origin(self, name: str) -> str:
        """Where an operator changes setting `name`: `FEEDGATE_NAME`, `name in FILE`, `--name`, or `name passed in
        code` (which no variable set: naming one sent a reader to look for it).

        A setting set nowhere names its variable, and the config file's key when a file is in use.
        """
        if name in self.flags:
            return f"--{name.replace('_', '-')}"
        if name in self.passed:
            return f"{name} {self.passed_from}"
        if name in self.file_keys:
            return f"{name} in {self.config_file}"
        variable = f"FEEDGATE_{name.upper()}"
        if self.config_file is None or os.environ.get(variable):
            return variable
        return f"{variable}, or {name} in {self.config_file}"


def holds_secret(path: str) -> bool:
    """Whether the setting at `path` (e.g. "admin_token", "upstreams.0.url") holds a secret."""
    name = path.rpartition(".")[2]
    return name in _SECRET_SETTINGS or name.endswith(_SECRET_ENDINGS)


def _reason(message: str) -> str:
    for prefix in _PYDANTIC_PREFIXES:
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def _without_passwords(reason: str) -> str:
    # The database URL's forms a refusal names hold "user:password@", a placeholder, not a secret: hidden, it read
    # as if the operator's own password had been.
    return DATABASE_URL_FORMS.join(without_url_passwords(part) for part in reason.split(DATABASE_URL_FORMS))


def _quoted_value(given: object) -> str:
    """A refused value as a refusal quotes it (`quoted`: a long one by its start and length), any URL's password
    hidden before it is cut, so no part of one is left to show."""
    if isinstance(given, str):
        return quoted(without_url_passwords(given))
    return clipped(without_url_passwords(repr(given)))


def invalid_settings(exc: ValidationError, origins: SettingOrigins | None = None) -> str:
    """One line per refused setting, naming it and where its value came from, with the value unless it is a secret.

    A setting given as a flag names the flag (`--workers`), one from the config file names the file's key, one
    passed in code says so, any other its variable: never a variable the operator did not set when they set the
    value elsewhere.
    """
    origins = origins or SettingOrigins()
    lines = ["invalid configuration:"]
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"])
        # Every refusal has a setting's location; a check across settings that forgot one still names something.
        where = f" ({origins.origin(str(error['loc'][0]))})" if error["loc"] else ""
        given = error.get("input")
        # A variable's name (`…_env`) is refused as text only when it is none (config_checks.checked_variable_name):
        # the key itself, maybe, pasted where its variable's name goes.
        pasted_key = path.endswith("_env") and isinstance(given, str)
        hidden = holds_secret(path) or pasted_key or isinstance(given, dict)
        if isinstance(given, str) and path.endswith("url"):
            # A URL may carry a user and password, or a key in its query: quoted without them.
            given = shown_url(given)
        reason = _without_passwords(_reason(error["msg"]))
        value = "" if hidden or given is None else _quoted_value(given)
        # A check that quotes the value in its own words has said it: not said twice.
        shown = f"; got {value}" if value and value not in reason else ""
        unit = "; a number of seconds" if path.endswith(_SECONDS_ENDINGS) else ""
        lines.append(f"  {path or 'settings'}{where}: {reason}{shown}{unit}")
    return "\n".join(lines)
