"""`feedgate import`: interactions with their feedback from a JSON Lines file, streamed in batches."""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import uuid_utils
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.domain.answer_choices import choices_listed
from gateway.domain.blank_text import blank_message, says_nothing
from gateway.domain.quoting import quoted
from gateway.exact_json import loads_exact
from gateway.feedback.submission import InvalidSubmission, submission_from
from gateway.privacy.redaction import FEEDBACK_FIELDS, INTERACTION_FIELDS, Redactor
from gateway.recording.identifiers import end_user_id
from gateway.recording.record import end_user_as_given, end_user_of, fitted_names, summarise_response
from gateway.store.import_batches import GivenUsers, ImportStore

Row = dict[str, Any]
# Called with the bytes read so far, for a progress bar.
Progress = Callable[[int], None]


class BadLine(Exception):
    """A line that cannot be imported; the message says why."""


@dataclass
class ImportReport:
    """How an import went: what was stored, what was there already, and which lines were skipped and why."""

    # Interactions and feedback events this import stored.
    interactions: int = 0
    feedback: int = 0
    # Interactions whose id was stored before (left as they are), and feedback events already stored
    # under the same idempotency key (by an earlier import of the same file, say): not stored again.
    already_stored_interactions: int = 0
    already_stored_feedback: int = 0
    # Interactions and feedback events of end users erased since they were made (their interactions,
    # the feedback on those, the feedback they gave): not stored (gateway.store.erased_users).
    erased_interactions: int = 0
    erased_feedback: int = 0
    # (line number, reason), for lines skipped because an earlier line of the file had their id.
    repeated: list[tuple[int, str]] = field(default_factory=list)
    # (line number, reason), for lines skipped as bad.
    errors: list[tuple[int, str]] = field(default_factory=list)
    # The file's lines up to this one are done (stored, skipped, or stored before): what an import stopped
    # partway leaves done, the batch under way being rolled back.
    done_through_line: int = 0


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


async def _judging_stored_choices(
    store: ImportStore, batch: list[ParsedLine], stored_ids: set[str], first_line: dict[str, int], report: ImportReport
) -> list[ParsedLine]:
    """`batch` without the lines whose feedback names a choice the stored answer of their interaction does not have,
    each reported as a bad line: an interaction stored before is not stored over, so its feedback judges that answer,
    not the line's (which `_feedback_row` checked). Choice 0 every answer has: only lines naming another are read."""
    asking = [
        p.interaction["id"] for p in batch if p.interaction["id"] in stored_ids and any(r["choice"] for r in p.feedback)
    ]
    if not asking:
        return batch
    counts = await store.stored_choice_counts(asking)
    kept = []
    for parsed in batch:
        count = counts.get(parsed.interaction["id"])
        lacked = (
            [] if count is None else [(n, r["choice"]) for n, r in enumerate(parsed.feedback) if r["choice"] >= count]
        )
        if count is None or not lacked:
            kept.append(parsed)
            continue
        index, choice = lacked[0]
        reason = (
            f"feedback[{index}]: 'choice' {choice} names no choice of the stored answer: it has {choices_listed(count)}"
        )
        report.errors.append((first_line[parsed.interaction["id"]], reason))
    return kept


def _redacted(redactor: Redactor, interaction_rows: list[Row], feedback_rows: list[Row]) -> tuple[list[Row], list[Row]]:
    return (
        [redactor.noted(row, INTERACTION_FIELDS) for row in interaction_rows],
        [redactor.noted(row, FEEDBACK_FIELDS) for row in feedback_rows],
    )


# What Notepad and Excel put at the start of a file they save as UTF-8; JSON parsers refuse it.
UTF8_BOM = b"\xef\xbb\xbf"
# The longest line read (its newline aside; `feedgate import --max-line-mib`). Parsing and storing a
# line takes about 13 times its size at its peak (orjson reserves for the worst case, reading and
# writing): a 50 MB line took 1.4 GB. A longer line is a bad line, skipped without being read whole.
MAX_LINE_BYTES = 16 * 1024 * 1024
# A batch is stored early once its lines reach this many bytes: 500 lines of a few MB each, parsed,
# would otherwise all be held at once.
MAX_BATCH_BYTES = 64 * 1024 * 1024
# How much of a line too long to read is read at a time, to find its end.
_SKIP_PIECE = 1024 * 1024


def numbered_lines(path: Path, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, line, bytes read so far) for each non-blank line; a UTF-8 byte order mark is dropped.

    The line is None when it is longer than `max_line_bytes` (without its \\n or \\r\\n): only its first
    `max_line_bytes` + 2 bytes were read, the rest skipped piece by piece.
    """
    read = 0
    number = 0
    with path.open("rb") as handle:
        while line := handle.readline(max_line_bytes + 2):
            number += 1
            read += len(line)
            if number == 1 and line.startswith(UTF8_BOM):
                line = line[len(UTF8_BOM) :]
            ended = line.endswith(b"\n")
            if len(line) - ended - line.endswith(b"\r\n") <= max_line_bytes:
                if not _blank_line(line):
                    yield number, line, read
                continue
            del line
            while not ended and (piece := handle.readline(_SKIP_PIECE)):
                read += len(piece)
                ended = piece.endswith(b"\n")
            yield number, None, read


def _blank_line(line: bytes) -> bool:
    """Whether `line` says nothing by the one rule (gateway.domain.blank_text), as an empty line: it is passed over.

    A line of zero-width spaces was read as JSON and reported as a bad line. A line of JSON starts with `{`
    (after ASCII spaces): only another is decoded to be read.
    """
    kept = line.strip()
    return not kept or (kept[:1] != b"{" and says_nothing(kept.decode("utf-8", errors="replace")))


def too_long(max_line_bytes: int) -> str:
    """Why a line longer than `max_line_bytes` is skipped, and what to do about it."""
    return f"the line is longer than {max_line_bytes:,} bytes, the most a line may be (--max-line-mib): not read"


async def import_jsonl(
    engine: AsyncEngine,
    path: Path,
    *,
    max_text_chars: int = 10_000,
    batch_size: int = 500,
    progress: Progress | None = None,
    redactor: Redactor | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    report: ImportReport | None = None,
) -> ImportReport:
    """Store every good line of `path`, redacted when `redactor` is given; bad lines are reported by number and skipped.

    What is stored already is not stored again, and the report counts only what this import stored: an
    interaction whose id is in the database stays as it is (its line's new feedback events are added), a
    feedback event is stored once per idempotency key, and a line repeating the id of an earlier line in
    the file is skipped and reported by number. A line longer than `max_line_bytes` is a bad line. `report`,
    when given, is filled as the import goes, so that a caller whose import was stopped knows what it stored.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    store = ImportStore(engine)
    report = ImportReport() if report is None else report
    batch: list[ParsedLine] = []
    # The bytes of the lines in `batch`.
    batch_bytes = 0
    # The line each interaction id of this file was first seen on.
    first_line: dict[str, int] = {}

    async def flush() -> None:
        nonlocal batch_bytes
        batch_bytes = 0
        if not batch:
            return
        stored_ids, stored_keys = await store.already_stored([parsed.interaction["id"] for parsed in batch])
        batch[:] = await _judging_stored_choices(store, batch, stored_ids, first_line, report)
        interaction_rows = [parsed.interaction for parsed in batch if parsed.interaction["id"] not in stored_ids]
        report.already_stored_interactions += len(batch) - len(interaction_rows)
        feedback_rows = []
        for row in (row for parsed in batch for row in parsed.feedback):
            key = (row["interaction_id"], row["idempotency_key"])
            if key[1] is not None:
                if key in stored_keys:
                    report.already_stored_feedback += 1
                    continue
                stored_keys.add(key)  # a second event under the same key in this batch is the same event
            feedback_rows.append(row)
        if redactor is not None:
            # As the writer and the feedback store do for live traffic, before anything is stored.
            interaction_rows, feedback_rows = await asyncio.to_thread(
                _redacted, redactor, interaction_rows, feedback_rows
            )
        given = GivenUsers()
        for parsed in batch:
            for row_id, as_given in parsed.given_users.items():
                (given.interactions if row_id == parsed.interaction["id"] else given.feedback)[row_id] = as_given
        stored_interactions, stored_feedback = await store.insert_batch(interaction_rows, feedback_rows, given)
        report.interactions += stored_interactions
        report.feedback += stored_feedback
        report.erased_interactions += len(interaction_rows) - stored_interactions
        report.erased_feedback += len(feedback_rows) - stored_feedback
        batch.clear()

    number = 0
    for number, line, read in numbered_lines(path, max_line_bytes):
        if line is None:
            report.errors.append((number, too_long(max_line_bytes)))
        else:
            try:
                parsed = parse_line(line, max_text_chars)
            except BadLine as exc:
                report.errors.append((number, str(exc)))
            else:
                interaction_id = parsed.interaction["id"]
                if interaction_id in first_line:
                    report.repeated.append(
                        (number, f"repeats the id {interaction_id!r} of line {first_line[interaction_id]}")
                    )
                else:
                    first_line[interaction_id] = number
                    batch.append(parsed)
                    batch_bytes += len(line)
            del line  # not held while the batch is stored
        if len(batch) >= batch_size or batch_bytes >= MAX_BATCH_BYTES:
            await flush()
        if not batch:
            report.done_through_line = number
        if progress is not None:
            progress(read)
    await flush()
    report.done_through_line = number
    return report
