"""The rows the interaction writer stores: built from exchanges (redacted if need be), and the fallbacks
for a row the database refused (without NUL characters, then its identity alone)."""

from __future__ import annotations

import logging
import re
from typing import Any

from gateway.exact_json import dumps_exact, loads_exact
from gateway.privacy.redaction import INTERACTION_FIELDS, Redactor
from gateway.recording.exchange import Exchange
from gateway.recording.later_answers import later_answer_row
from gateway.recording.record import build_interaction_row
from gateway.store.later_answers import ANSWER_OF

Row = dict[str, Any]

logger = logging.getLogger("feedgate.writer")

# What a row keeps when its texts cannot be stored: enough to count the call and find it again.
IDENTITY_FIELDS = (
    "id",
    "created_at",
    "app",
    "endpoint",
    "upstream",
    "model",
    "stream",
    "partial",
    "status_code",
    "gateway_key_id",
)


def rows_of(exchanges: list[Exchange], redactor: Redactor | None = None) -> list[Row]:
    """The rows of `exchanges`, redacted when `redactor` is given; a row that cannot be built keeps its identity."""
    rows = [_row_of(exchange) if exchange.answer_of is None else later_answer_row(exchange) for exchange in exchanges]
    kept = [row for row in rows if row is not None]  # a later look that says nothing new: no row
    return kept if redactor is None else [_redacted(row, redactor) for row in kept]


def _redacted(row: Row, redactor: Redactor) -> Row:
    """The row with its texts redacted and the rules that fired noted; on failure, the row without its texts."""
    try:
        return redactor.noted(row, INTERACTION_FIELDS)
    except Exception as exc:  # pragma: no cover - the rules are plain regular expressions
        # Storing the original would break the promise redaction makes: keep the identity only.
        logger.exception("could not redact interaction %s", row.get("id") or row.get(ANSWER_OF))
        note = f"request and response dropped: redaction failed ({type(exc).__name__})"
        # A later answer (gateway.store.later_answers) drops its answer alone: the call stays as stored.
        fields = (ANSWER_OF, "app", "created_at", "status_code") if ANSWER_OF in row else IDENTITY_FIELDS
        identity = {key: row.get(key) for key in fields}
        return {**identity, "error": note, "redactions": None}


def _row_of(exchange: Exchange) -> Row:
    try:
        return build_interaction_row(exchange)
    except Exception as exc:  # pragma: no cover - build_interaction_row is defensive already
        logger.exception("could not build interaction %s", exchange.id)
        return {
            "id": exchange.id,
            "created_at": exchange.created_at,
            "app": exchange.app,
            "endpoint": exchange.endpoint,
            "upstream": exchange.upstream,
            "stream": False,
            "partial": exchange.partial,
            "status_code": exchange.status_code,
            "error": f"feedgate could not record this answer: {exc}",
            "gateway_key_id": exchange.gateway_key_id,
        }


# A NUL's escape in JSON text: after an even run of backslashes. After an odd run it is a user's
# written-out "\\u0000" (its backslash escaped), which removing would leave as JSON that does not parse.
_NUL_ESCAPE = re.compile(rb"(?<!\\)((?:\\\\)*)\\u0000")


def cleaned_row(row: Row) -> Row:
    """The row without NUL characters, which PostgreSQL refuses in text and JSON."""
    cleaned = loads_exact(_NUL_ESCAPE.sub(rb"\1", dumps_exact(row, default=str)))
    cleaned["created_at"] = row["created_at"]
    return _with_note(cleaned, "stored after removing NUL characters the database refused")


def identity_row(row: Row, why: str = "the database refused them") -> Row:
    """Only the row's identity, when the database refuses even the cleaned row (or `why` it cannot be stored)."""
    return _with_note({k: row.get(k) for k in (*IDENTITY_FIELDS, "error")}, f"request and response dropped: {why}")


def writable_row(row: Row) -> Row:
    """`row`, or its identity when it cannot be written as JSON at all: nested past the 254 levels orjson writes.

    orjson reads 1,024 levels, so a call can carry such JSON (its request body, its metadata header); kept as
    it was, it was refused by the database and the spool alike and retried forever, and every call after it
    waited behind it, never stored.
    """
    try:
        dumps_exact(row, default=str)
    except TypeError as exc:
        return identity_row(row, f"they could not be written as JSON ({exc})")
    return row


def _with_note(row: Row, note: str) -> Row:
    row["error"] = f"{row['error']}; {note}" if row.get("error") else note
    return row
