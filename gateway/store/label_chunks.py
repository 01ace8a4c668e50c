"""Reading one source of labelled examples in chunks, by keyset: each chunk a range of label ids.

Each chunk is the range of ids from the previous chunk's end to the CHUNK_ROWS-th label after it (`window_query`), so
an export of millions of rows holds one chunk in memory and each chunk reads its own rows, never the remainder; a
chunk of review decisions also names its tasks by their ids (`chunk_query`). Which rows are labels is
gateway.store.training_examples's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.sql import Select


@dataclass(frozen=True, slots=True)
class LabelQuery:
    """One source's example rows, the label id they are read by, and the labels that may make one of them.

    `candidates` selects `label_id` from the label's own table alone (a superset of the rows' labels,
    read in the primary key's order): each chunk ends where the next CHUNK_ROWS candidates end, so a
    chunk's query reads that range of labels only, whatever plan the database picks for the rest.
    With a `task_id` (the rows' review task id), the candidates' second column is the task each
    label is on, and a chunk's rows are those of its candidates' tasks, named by their ids.
    """

    rows: Select[Any]
    label_id: Any
    candidates: Select[Any]
    task_id: Any = None


@dataclass(frozen=True, slots=True)
class Window:
    """One chunk's range of label ids, after `after` (None: from the first) up to `end`, and its candidates' tasks."""

    after: str | None
    end: str
    task_ids: tuple[str, ...]
    # Fewer candidates than a chunk's were left: this chunk is the source's last.
    last: bool


def window_query(read: LabelQuery, after: str | None, rows: int) -> Select[Any]:
    """The next `rows` candidates after `after` (None: from the first), by label id."""
    query = read.candidates if after is None else read.candidates.where(read.label_id > after)
    return query.order_by(read.label_id).limit(rows)


def window_of(candidates: list[Any], after: str | None, rows: int) -> Window | None:
    """The window `window_query`'s rows make; None when there were none (the source is read)."""
    if not candidates:
        return None
    task_ids = tuple(dict.fromkeys(row[1] for row in candidates)) if len(candidates[0]) > 1 else ()
    return Window(after, candidates[-1][0], task_ids, last=len(candidates) < rows)


def chunk_query(read: LabelQuery, window: Window) -> Select[Any]:
    """The source's rows with a label id in the window (and on its candidates' tasks), by label id.

    The range, not a LIMIT, bounds the chunk: PostgreSQL then never plans the whole remainder of
    the labels read and sorted to return a chunk's first rows (a LIMIT leaves that choice to its
    estimates, and one estimate off, as the filters make likely, cost 1-3 s a chunk).
    """
    query = read.rows.where(read.label_id <= window.end)
    if window.after is not None:
        query = query.where(read.label_id > window.after)
    if read.task_id is not None:
        # Whichever table the planner begins with, it reads this chunk's tasks: a list of ids it
        # cannot mistake for a few rows of every task.
        query = query.where(read.task_id.in_(window.task_ids))
    return query.order_by(read.label_id)
