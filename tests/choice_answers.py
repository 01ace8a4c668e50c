"""A stored chat interaction whose answer holds several choices (`n` > 1), for the tests of judging one of them."""

from __future__ import annotations

from datetime import UTC, datetime

import uuid_utils
from interaction_rows import interaction_row
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.recording.record import summarise_response
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionStore


async def store_answer_of_choices(
    engine: AsyncEngine,
    texts: list[str],
    question: str,
    finish_reasons: list[str] | None = None,
    partial: bool = False,
) -> str:
    """One chat interaction of app support-bot answering `question` with a choice per text (each with its finish
    reason, `stop` unless given); returns its id."""
    row = interaction_row(question=question, answer=texts, finish_reasons=finish_reasons, partial=partial)
    await InteractionStore(engine).insert_many([row])
    return str(row["id"])


async def store_listed_out_of_order(
    engine: AsyncEngine,
    texts: list[str],
    question: str,
    listing: list[int],
    finish_reasons: list[str] | None = None,
) -> str:
    """As store_answer_of_choices, but the upstream lists the choices (text k's with `index` k) in the order of the
    indexes `listing` names, and the row is summarised as the writer summarises that answer; returns its id."""
    row = interaction_row(question=question, answer=texts, finish_reasons=finish_reasons)
    response = row["response"]
    response["choices"] = [response["choices"][index] for index in listing]
    row.update(summarise_response("chat.completions", response))
    await InteractionStore(engine).insert_many([row])
    return str(row["id"])


async def complain(
    engine: AsyncEngine,
    interaction_id: str,
    user: str,
    choice: int | None,
    comment: str | None = "wrong",
    correction: str | None = None,
) -> None:
    """A thumbs-down of `user` (app support-bot) on the answer's choice `choice` (None: a post that names no choice),
    with its comment and correction."""
    event = {
        "id": str(uuid_utils.uuid7()),
        "interaction_id": interaction_id,
        "created_at": datetime.now(UTC),
        "app": "support-bot",
        "user_id": user,
        "thumbs": "down",
        "comment": comment,
        "correction": correction,
        "negative": True,
        "submitted_via": "app",
    }
    if choice is not None:
        event["choice"] = choice
    await FeedbackStore(engine).append(event)
