"""A stored chat interaction whose answer holds several choices (`n` > 1), for the tests of judging one of them."""

from __future__ import annotations

from interaction_rows import interaction_row
from sqlalchemy.ext.asyncio import AsyncEngine

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
