"""`feedgate import`: interactions with their feedback from a JSON Lines file, streamed in batches.

Each line is read into its rows by gateway.imports.lines.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.domain.answer_choices import choices_listed
from gateway.domain.blank_text import says_nothing
from gateway.imports.lines import BadLine, ParsedLine, parse_line
from gateway.privacy.redaction import FEEDBACK_FIELDS, INTERACTION_FIELDS, Redactor
from gateway.store.import_batches import GivenUsers, ImportStore

Row = dict[str, Any]
# Called with the bytes read so far, for a progress bar.
Progress = Callable[[int], None]


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
