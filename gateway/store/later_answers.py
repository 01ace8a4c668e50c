"""Filling a background Responses call's interaction with the answer fetched after its create.

A create with `background: true` is answered at once with the response `queued`; the app then polls
GET /v1/responses/{id} (or cancels it) until it has ended. The writer turns such a later answer into an
answer row (gateway.recording.later_answers), marked by ANSWER_OF, which the interaction store applies
here, in the transaction of the batch it came in (after that batch's inserts, so a create and its answer
in one batch go in order): to the newest interaction of the same app whose create named that response
id and whose answer has not ended yet. One found nowhere (an id Feedgate never recorded, another app's,
an interaction already holding its ended answer) changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select, update

from gateway.privacy.redaction import INTERACTION_FIELDS, stored_counts
from gateway.store.daily_stats import interaction_days, mark_days_stale
from gateway.store.stored_order import STORED_SEQ, take_numbers
from gateway.store.tables import interactions

Row = dict[str, Any]

# The key marking a row as a later answer, naming the upstream response id it answers (no insert).
ANSWER_OF = "answer_of"
# The columns a later answer replaces in its create's interaction: all the answer's, none of the call's.
ANSWER_COLUMNS = (
    "response",
    "response_text",
    "tool_calls",
    "finish_reason",
    "status_code",
    "error",
    "partial",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
)
# The answer's columns redaction counts in (gateway.privacy.redaction.INTERACTION_FIELDS).
_REDACTED_ANSWER_COLUMNS = tuple(column for column in ANSWER_COLUMNS if column in INTERACTION_FIELDS)
# Only the Responses API has background calls.
_ENDPOINT = "responses"


def fill_later_answers(connection: Connection, answers: Sequence[Row]) -> int:
    """Apply `answers` in `connection`'s transaction; how many interactions they filled.

    A filled interaction takes a new `stored_seq`, so a client following the stored order reads it again,
    answered; its day is marked stale, as an insert's is (its token counts changed).
    """
    targets: dict[str, tuple[Row, Row]] = {}
    for answer in answers:
        found = _unended_create(connection, answer)
        if found is not None and found["id"] not in targets:  # two ended answers in one batch: the first
            targets[found["id"]] = (found, answer)
    if not targets:
        return 0
    # Marked first and numbered last, as inserts do (gateway.store.interaction_inserts): no marker is waited for
    # while the numbers' lock is held.
    mark_days_stale(connection, interaction_days([found for found, _ in targets.values()]))
    number = take_numbers(connection, interactions, len(targets)) + 1
    for interaction_id, (found, answer) in targets.items():
        values: Row = {column: answer.get(column) for column in ANSWER_COLUMNS}
        values["partial"] = bool(values["partial"])
        values[STORED_SEQ] = number
        if "redactions" in answer:  # redaction is on: what fired on the new answer replaces what fired on the old
            replaced = stored_counts(found, _REDACTED_ANSWER_COLUMNS)
            values["redactions"] = _recounted(found["redactions"], replaced, answer["redactions"])
        connection.execute(update(interactions).where(interactions.c.id == interaction_id).values(values))
        number += 1
    return len(targets)


def _unended_create(connection: Connection, answer: Row) -> Row | None:
    """The newest interaction of the answer's app whose create named its response id and has no ended answer."""
    c = interactions.c
    # With redaction on, the old answer too: what was counted in it is taken off the row's counts.
    old_answer = [c[column] for column in _REDACTED_ANSWER_COLUMNS] if "redactions" in answer else []
    query = (
        select(c.id, c.created_at, c.app, c.redactions, *old_answer)
        .where(
            c.upstream_response_id == answer[ANSWER_OF],
            c.app == answer["app"],
            c.endpoint == _ENDPOINT,
            c.finish_reason.is_(None),
        )
        .order_by(c.created_at.desc(), c.id.desc())
        .limit(1)
    )
    found = connection.execute(query).mappings().first()
    return dict(found) if found is not None else None


def _recounted(stored: Any, replaced: Counter[str], fired: Any) -> dict[str, int] | None:
    """The row's redaction counts with those of the answer it replaces (`replaced`) taken off and its new answer's added."""
    total: Counter[str] = Counter()
    for counts in (stored, fired):
        if isinstance(counts, dict):
            total.update({name: count for name, count in counts.items() if isinstance(count, int)})
    total.subtract(replaced)
    return dict(sorted((name, count) for name, count in total.items() if count > 0)) or None
