"""One line of a `feedgate import` file read into the rows it stores: its interaction and feedback events.

Split from gateway.imports.jsonl (which streams the file and stores the rows in batches).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import uuid_utils

from gateway.domain.blank_text import blank_message, says_nothing
from gateway.domain.quoting import quoted
from gateway.exact_json import loads_exact
from gateway.feedback.submission import InvalidSubmission, submission_from
from gateway.recording.identifiers import end_user_id
from gateway.recording.record import end_user_as_given, end_user_of, fitted_names, summarise_response

Row = dict[str, Any]


class BadLine(Exception):
    """A line that cannot be imported; the message says why."""


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """One line's interaction row and feedback rows."""

    interaction: Row
    feedback: list[Row]
    # By row id (the interaction's, its feedback's), the end user's id as the line gave it, where the row holds it
    # trimmed: what an erasure recorded before ids were trimmed names (gateway.store.import_batches.GivenUsers).
    given_users: dict[str, str] = field(default_factory=dict)


def parse_line(line: bytes, max_text_chars: int) -> ParsedLine:
    """The rows for one line; raises BadLine saying what is wrong."""
    try:
        # Exact: a request, answer or feedback metadata keeps an integer beyond 64 bits as it is.
        record = loads_exact(line)
    except orjson.JSONDecodeError as exc:
        raise BadLine(_not_utf8(line) or f"not valid JSON: {exc}") from None
    if not isinstance(record, dict):
        raise BadLine("each line must be a JSON object")
    _refuse_unknown_fields(record)
    request, response = record.get("request"), record.get("response")
    if not isinstance(request, dict):
        raise BadLine("'request' must be an OpenAI chat request object")
    if response is not None and not isinstance(response, dict):
        raise BadLine("'response' must be an OpenAI chat completion object")
    # Only a missing (or null) id gets a new one: a blank or falsy one did too, so the line was stored
    # again on every import of the file.
    given_id = record.get("id")
    interaction_id = str(uuid_utils.uuid7()) if given_id is None else given_id
    if not isinstance(interaction_id, str) or len(interaction_id) > 36:
        raise BadLine("'id' must be a string of at most 36 characters")
    if says_nothing(interaction_id):
        raise BadLine(blank_message("id", "leave it out for a new id, or give the interaction's id"))
    if "/" in interaction_id or not interaction_id.isprintable():
        # The id is a path segment of the admin pages and API (/admin/interactions/{id}): a '/' or a control
        # character could never be reached there.
        raise BadLine("'id' may not hold '/' or control characters (it names the interaction in URLs)")
    app = record.get("app", "imported")
    if not isinstance(app, str) or len(app) > 200:
        raise BadLine("'app' must be a string of at most 200 characters")
    if says_nothing(app):
        # Every listing and export refuses a blank app as a filter (the one rule): such an app could never be chosen.
        raise BadLine(blank_message("app", "leave it out for 'imported', or name the app"))
    created_at = _timestamp(record.get("created_at"), "created_at")
    end_user, given_user = _end_user(record, request)
    row: Row = {
        "id": interaction_id,
        "created_at": created_at,
        "app": app,
        "endpoint": "chat.completions",
        "upstream": "import",
        "model": request.get("model") if isinstance(request.get("model"), str) else None,
        "stream": False,
        "request": request,
        "status_code": 200 if response is not None else None,
        "partial": False,
        "end_user": end_user,
    }
    if response is not None:
        # The same shaping as recorded traffic: response text, tool calls, usage.
        row.update(summarise_response("chat.completions", response))
    fitted_names(row)  # a model or end user longer than its column, as for recorded traffic
    events = record.get("feedback") or []
    if not isinstance(events, list):
        raise BadLine("'feedback' must be a list")
    feedback_rows = [_feedback_row(event, n, row, max_text_chars) for n, event in enumerate(events)]
    return ParsedLine(row, feedback_rows, _given_users(row, given_user, feedback_rows, events))


def _given_users(
    interaction: Row, given_user: str | None, feedback_rows: list[Row], events: list[Any]
) -> dict[str, str]:
    """By row id, the end user's id as the line gave it, where the row holds it otherwise (trimmed, fitted).

    A feedback event's giver is its `user_id`, else the interaction's end user, as its row takes them.
    """
    pairs = [(interaction["id"], interaction["end_user"], given_user)]
    for event, made in zip(events, feedback_rows, strict=True):
        voter = event["user_id"] if isinstance(event.get("user_id"), str) else given_user
        pairs.append((made["id"], made["user_id"], voter))
    return {row_id: given for row_id, stored, given in pairs if given is not None and given != stored}


def _not_utf8(line: bytes) -> str | None:
    """What to fix when `line` is not UTF-8 (orjson then speaks of surrogates); None when it is."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            f"not UTF-8 text: byte 0x{line[exc.start]:02x} at column {exc.start + 1} is no UTF-8 character; "
            "save the file as UTF-8 (a compressed file must be decompressed first)"
        )
    return None


# What a line may hold; a misspelt field was silently dropped ("respnse": stored with no answer).
LINE_FIELDS = ("id", "app", "created_at", "end_user", "request", "response", "feedback")


def _refuse_unknown_fields(record: dict[str, Any]) -> None:
    unknown = [name for name in record if name not in LINE_FIELDS]
    if unknown:
        close = difflib.get_close_matches(unknown[0], LINE_FIELDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise BadLine(f"unknown field {quoted(unknown[0])}{hint}: a line holds {', '.join(LINE_FIELDS)}")


def _end_user(record: dict[str, Any], request: dict[str, Any]) -> tuple[str | None, str | None]:
    """The line's `end_user`, else the one its request names (`user`, `safety_identifier`): as stored, and as given."""
    given = record.get("end_user")
    if given is None:
        return end_user_of(request), end_user_as_given(request)
    if not isinstance(given, str):
        raise BadLine("'end_user' must be a non-empty string")
    named = end_user_id(given)  # the proxy's rule: " user-8 " is "user-8", and a long id is fitted as it fits one
    if named is None:
        raise BadLine(blank_message("end_user", "leave it out for the request's user, or name the end user"))
    return named, given


def _feedback_row(event: Any, index: int, interaction: Row, max_text_chars: int) -> Row:
    if not isinstance(event, dict):
        raise BadLine(f"feedback[{index}] must be an object")
    fields = {key: value for key, value in event.items() if key != "created_at"}
    # A stable default key makes importing the same file twice store each event once.
    fields.setdefault("idempotency_key", f"import:{index}")
    try:
        submission = submission_from({**fields, "interaction_id": interaction["id"]}, max_text_chars)
        submission.refuse_unknown_choice(interaction.get("response"))
    except InvalidSubmission as exc:
        raise BadLine(f"feedback[{index}]: {exc.message}") from None
    created_at = _timestamp(event.get("created_at"), f"feedback[{index}].created_at", interaction["created_at"])
    if created_at < interaction["created_at"]:
        raise BadLine(
            f"feedback[{index}].created_at is before its interaction's created_at: feedback follows an answer"
        )
    return submission.as_event(
        interaction,
        created_at=created_at,
        # Feedback a log kept with an answer, naming nobody, is its end user's, as a live token's is (a
        # token binds the end user known when the answer was given): counted as an anonymous voice, it
        # was a second voter once that user voted live, and an erasure of them left it behind.
        user_id=submission.user_id or interaction["end_user"],
        submitted_via="import",
        # Both times are known: the delay counts as for live feedback (the effect's follow-up reads it).
        seconds_after_answer=max(0.0, (created_at - interaction["created_at"]).total_seconds()),
    )


# How far ahead of this machine's clock an imported time may be (another machine's clock).
CLOCK_SKEW = timedelta(minutes=5)


def _timestamp(value: Any, name: str, default: datetime | None = None) -> datetime:
    if value is None:
        return default or datetime.now(UTC)
    if isinstance(value, bool):
        # An integer to Python: `true` would be 1970-01-01T00:00:01.
        raise BadLine(f"'{name}' must be an ISO 8601 timestamp or Unix seconds")
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else datetime.fromtimestamp(value, UTC)
    except (TypeError, ValueError, OverflowError):
        raise BadLine(f"'{name}' must be an ISO 8601 timestamp or Unix seconds") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # the file format says a timestamp without an offset is UTC
    try:
        # Converted here, where a bad line can be skipped, rather than failing the whole batch's insert.
        parsed = parsed.astimezone(UTC)
    except OverflowError:
        raise BadLine(f"'{name}' is outside the range of representable times") from None
    if parsed > datetime.now(UTC) + CLOCK_SKEW:
        # History cannot come from the future; a vote dated there would outrank every live one.
        raise BadLine(f"'{name}' {parsed.isoformat()} is in the future")
    return parsed
