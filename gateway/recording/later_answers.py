"""A later look at a Responses call (GET /v1/responses/{id}, its cancel) as the row that may finish its interaction.

The row is built as any answer's (gateway.recording.record), so a streamed look, a compressed answer or a
failed response read as they would in a create's answer; only an answer that tells how the response ended
becomes a row (a `queued` or `in_progress` poll says nothing new). The store applies it
(gateway.store.later_answers).
"""

from __future__ import annotations

import logging
from typing import Any

from gateway.exact_json import dumps_exact
from gateway.recording.exchange import Exchange
from gateway.recording.identifiers import fitted_identifier
from gateway.recording.record import build_interaction_row
from gateway.store.later_answers import ANSWER_COLUMNS, ANSWER_OF

Row = dict[str, Any]

logger = logging.getLogger("feedgate.writer")


def later_answer_row(exchange: Exchange) -> Row | None:
    """The answer row of a later look at response `exchange.answer_of`; None when it does not say how that ended."""
    if exchange.answer_of is None or exchange.status_code is None or not 200 <= exchange.status_code < 300:
        return None
    try:
        row = build_interaction_row(exchange)
    except Exception:  # pragma: no cover - build_interaction_row is defensive already
        logger.exception("could not read the later answer of response %s", exchange.answer_of)
        return None
    response_id = fitted_identifier(exchange.answer_of)
    if row["finish_reason"] is None or row["upstream_response_id"] != response_id:
        return None
    answer = {ANSWER_OF: response_id, "app": exchange.app, "created_at": exchange.created_at}
    answer.update((column, row[column]) for column in ANSWER_COLUMNS)
    try:
        dumps_exact(answer, default=str)
    except TypeError:
        return None  # nested past what can be written (gateway.recording.writer_rows.writable_row): not stored
    return answer
