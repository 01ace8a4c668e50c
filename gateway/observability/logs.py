"""Log lines as JSON (one object a line) or human-readable text, each naming the interaction it is about."""

from __future__ import annotations

import json
import logging
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Literal, TextIO

import orjson

from gateway.observability.context import INTERACTION_ID

LogFormat = Literal["auto", "text", "json"]
# Libraries kept above the gateway's level, whatever it is, and the lowest level each may log at:
# aiosqlite's debug lines carry what is stored (each statement's parameters: prompts, answers, end-user
# ids), and httpx's info line per request names the whole URL of a side call (titles, embeddings, the
# merge judge), a password or a key in its query included, which Feedgate never shows (gateway/url_text.py).
QUIET_LIBRARIES = {"aiosqlite": logging.INFO, "httpx": logging.WARNING}
LogLevel = Literal["debug", "info", "warning", "error"]

# Attributes every LogRecord has; anything else on a record came from `extra=` and is written out
# (except uvicorn's `color_message`, the message again with terminal colour codes).
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "interaction_id",
    "color_message",
}


class InteractionIdFilter(logging.Filter):
    """Names, on each record, the interaction whose call is running (unless the record names one already)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record; only adds `interaction_id`."""
        if getattr(record, "interaction_id", None) is None:
            record.interaction_id = INTERACTION_ID.get()
        return True


class ExpectedAbortFilter(logging.Filter):
    """Drops the server's traceback for a connection the gateway aborted on purpose.

    An exception class with `expected_abort = True` (the proxy's UpstreamBrokeOff) is how an ASGI
    app drops a client's connection mid-answer; the code that raised it has logged a warning
    already, and a three-part ERROR traceback for an upstream's fault would page someone.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a record carrying an expected abort, else True."""
        error = record.exc_info[1] if record.exc_info else None
        return not getattr(error, "expected_abort", False)


class ShutdownTimeoutFilter(logging.Filter):
    """Turns uvicorn's ERROR "Cancel N running task(s), timeout graceful shutdown exceeded" into the gateway's warning.

    Calls still running at the shutdown timeout are cut short by design: each is answered (a 503, or an error event
    ending its stream), stored, and warned of by the proxy ("shutdown: ..."). At ERROR, every deploy that cut one
    short set off error-level alerts. Only that message of uvicorn's is changed; its other errors stay errors.
    """

    MESSAGE = "Cancel %s running task(s), timeout graceful shutdown exceeded"

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record; rewrites the one message, as a warning of `feedgate.serve`."""
        if record.msg == self.MESSAGE and record.levelno == logging.ERROR:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.name = "feedgate.serve"
            record.msg = (
                "shutdown: the shutdown timeout (shutdown_timeout) passed with %s request(s) still running: "
                "cut short as designed (each call answered 503, or its stream ended by an error event, and stored)"
            )
        return True


# The logger uvicorn's server logs its shutdown timeout on.
_UVICORN_SERVER_LOGGER = "uvicorn.error"
_SHUTDOWN_TIMEOUT_FILTER = ShutdownTimeoutFilter()


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, interaction_id when known, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        interaction_id = getattr(record, "interaction_id", None)
        if interaction_id is not None:
            entry["interaction_id"] = interaction_id
        entry.update(
            {
                key: value
                for key, value in record.__dict__.items()
                if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
            }
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        try:
            # default=str: an extra value JSON cannot hold is written as its text, never dropped.
            return orjson.dumps(entry, default=str).decode()
        except orjson.JSONEncodeError:
            # Text no UTF-8 encoder takes (a lone surrogate, as json.loads gives for a request body's
            # "\\ud800"), an integer past 64 bits, a key that is no string: orjson refuses the line, and
            # logging printed a traceback instead. Rare, so the slow path here: the same line, valid JSON.
            return json.dumps(_plain(entry), ensure_ascii=False, default=lambda value: _text(str(value)))


def _text(value: str) -> str:
    """`value` as UTF-8 can carry it: a lone surrogate written as its escape (`\\ud800`), like a control in text lines."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def _plain(value: object) -> object:
    """`value` with every string (and key) fitted by `_text`, and numbers JSON has no word for as null, as orjson does."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dict):
        return {_text(str(key)): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# Control characters a message may carry from a request (a path's %0A, a name's ESC): escaped, so that
# text sent by a client can neither start a line of its own that reads as the gateway's nor drive a
# terminal. A traceback keeps its lines: it is added after the message.
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F) if code != 0x09}
_CONTROLS |= {0x0A: "\\n", 0x0D: "\\r"}


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message [interaction <id>]`, for people reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        """The line's text, its message's control characters escaped."""
        record.message = record.message.translate(_CONTROLS)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        """The record as text, with its interaction id when it has one."""
        line = super().format(record)
        interaction_id = getattr(record, "interaction_id", None)
        if interaction_id is None:
            return line
        first, newline, rest = line.partition("\n")
        return f"{first} [interaction {interaction_id}]{newline}{rest}"


def resolved_format(log_format: LogFormat, stream: TextIO) -> Literal["text", "json"]:
    """`auto` is text on a terminal and JSON anywhere else (a file, a pipe, a log collector)."""
    if log_format != "auto":
        return log_format
    isatty = getattr(stream, "isatty", None)
    return "text" if isatty is not None and isatty() else "json"


def log_handler(log_format: LogFormat, level: LogLevel, stream: TextIO) -> logging.Handler:
    """A handler writing to `stream` in the chosen format, from `level` up, with interaction ids."""
    handler = logging.StreamHandler(stream)
    handler.setLevel(level.upper())
    handler.addFilter(InteractionIdFilter())
    handler.addFilter(ExpectedAbortFilter())
    handler.setFormatter(JsonFormatter() if resolved_format(log_format, stream) == "json" else TextFormatter())
    return handler


def configure_logging(log_format: LogFormat, level: LogLevel, stream: TextIO | None = None) -> logging.Handler:
    """Make the root logger write every line (uvicorn's too) to `stream` (stderr) through one handler."""
    handler = log_handler(log_format, level, stream if stream is not None else sys.stderr)
    root = logging.getLogger()
    for previous in list(root.handlers):
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # A log is out of reach of redaction, retention and erasure, and readable by more people than the
    # settings: it gets neither what is stored nor a URL's secrets, whatever the level.
    for name, lowest in QUIET_LIBRARIES.items():
        logging.getLogger(name).setLevel(lowest)
    # On the logger, not the handler: a record's level decides which handlers take it. (Added once: addFilter
    # keeps one of each.)
    logging.getLogger(_UVICORN_SERVER_LOGGER).addFilter(_SHUTDOWN_TIMEOUT_FILTER)
    return handler


@contextmanager
def logging_restored(*names: str) -> Iterator[None]:
    """Within the block, logging may be configured at will; after it, the root logger has its handlers and
    level back, and so do the loggers `names` and QUIET_LIBRARIES their levels and filters.

    For a command run in process (a test, a script calling `gateway.cli.main`): the handler it installs
    writes to the stderr of that moment, which its caller may close afterwards (pytest closes what it
    captured). Left on the root, it answered every later line with "--- Logging error --- ... ValueError:
    I/O operation on closed file". Handlers installed in the block are closed (their streams are not).
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    tuned = [logging.getLogger(name) for name in (*names, *QUIET_LIBRARIES, _UVICORN_SERVER_LOGGER)]
    kept = [(logger, logger.level, list(logger.filters)) for logger in tuned]
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            if handler not in handlers:
                handler.close()
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for logger, logger_level, filters in kept:
            logger.setLevel(logger_level)
            logger.filters[:] = filters
