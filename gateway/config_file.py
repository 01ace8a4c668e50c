"""The config file's keys and their TOML types, checked at every depth before the settings are built.

A TOML file has real types, so a value of the wrong one is a mistake to name, not text to coerce:
`redaction = "yes"` and `workers = true` were taken by pydantic's lax coercions. Environment variables are
text, and are read as before (pydantic parses them). Bounds and formats are left to the settings' own checks.
"""

from __future__ import annotations

import datetime
import difflib
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from gateway.config_checks import ConfigError
from gateway.domain.quoting import quoted

# A Python value that tomllib reads, as the TOML type it was.
_TOML_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "a boolean"),  # before int: a bool is an int in Python
    (int, "an integer"),
    (float, "a float"),
    (str, "a string"),
    (list, "an array"),
    (dict, "a table"),
    ((datetime.date, datetime.time), "a date or time"),
)


def check_file_values(config_file: str | Path, values: Mapping[str, Any], model: type[BaseModel]) -> None:
    """ConfigError for the first key of the file, at any depth, that `model` has not, or whose value is not of
    the TOML type its field wants; the message names the file, the key's place and what was expected."""
    _check_table(config_file, values, model, place="", table_name=None)


def unknown_key(config_file: str | Path, key: str, place: str, known: list[str], table_name: str | None) -> str:
    """Why `key` (at `place`) is refused: no setting, or no key of the table headed `table_name` (`[[upstreams]]`);
    with the known key it resembles."""
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    what = "a Feedgate setting" if table_name is None else f"a key of {table_name}"
    return f"config file {config_file}: {quoted(place + key)} is not {what}{hint}"


def _check_table(
    config_file: str | Path, table: Mapping[str, Any], model: type[BaseModel], place: str, table_name: str | None
) -> None:
    fields = model.model_fields
    for key, value in table.items():
        if key not in fields:
            raise ConfigError(unknown_key(config_file, key, place, list(fields), table_name))
        _check_value(config_file, value, _without_none(fields[key].annotation), place + key, key)


def _check_value(config_file: str | Path, value: object, wanted: Any, place: str, key: str) -> None:
    """Check `value` (at `place`) against the annotation `wanted`; types this does not know are left to pydantic."""
    expected = _expected(wanted)
    if expected is None:
        return
    if not _is_a(value, wanted):
        raise ConfigError(f"config file {config_file}: {place} must be {expected}, got {_kind(value)}")
    if isinstance(value, list):
        (item,) = get_args(wanted)
        for index, entry in enumerate(value):
            _check_value(config_file, entry, item, f"{place}[{index}]", key)
    elif isinstance(value, dict) and isinstance(wanted, type) and issubclass(wanted, BaseModel):
        # An entry of a list of tables is an [[array table]] in the file; a lone table a [table].
        header = f"[[{key}]]" if place.endswith("]") else f"[{key}]"
        _check_table(config_file, value, wanted, f"{place}.", header)


def _without_none(annotation: Any) -> Any:
    """`X` for `X | None` (TOML has no null, so a file can only give the X)."""
    if get_origin(annotation) in (Union, types.UnionType):
        kept = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(kept) == 1:
            return kept[0]
    return annotation


def _expected(wanted: Any) -> str | None:
    """What the file must give for `wanted`, in words; None for a type this check leaves to pydantic."""
    if wanted is bool:
        return "a TOML boolean (true or false)"
    if get_origin(wanted) is list:
        (item,) = get_args(wanted)
        noun = _noun(item)
        return None if noun is None else f"a TOML array of {noun}s"
    noun = _noun(wanted)
    return None if noun is None else f"a TOML {noun}"


def _noun(wanted: Any) -> str | None:
    """The TOML type `wanted` takes, one word; None for a type this check leaves to pydantic."""
    if wanted is bool:
        return "boolean"
    if wanted is int:
        return "integer"
    if wanted is float:
        return "number"
    if wanted in (str, Path) or (get_origin(wanted) is Literal and all(isinstance(a, str) for a in get_args(wanted))):
        return "string"
    if isinstance(wanted, type) and issubclass(wanted, BaseModel):
        return "table"
    return None


def _is_a(value: object, wanted: Any) -> bool:
    """Whether `value`, as tomllib read it, is of the TOML type `wanted` takes (its items are checked apart)."""
    if wanted is bool:
        return isinstance(value, bool)
    if wanted is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if wanted is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if get_origin(wanted) is list:
        return isinstance(value, list)
    if isinstance(wanted, type) and issubclass(wanted, BaseModel):
        return isinstance(value, dict)
    return isinstance(value, str)


def _kind(value: object) -> str:
    """The TOML type of `value` in words (never the value: it may be a secret)."""
    return next((kind for python, kind in _TOML_KINDS if isinstance(value, python)), type(value).__name__)
