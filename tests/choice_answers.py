"""A stored chat interaction whose answer holds several choices (`n` > 1), for the tests of judging one of them."""

from __future__ import annotations

from datetime import UTC, datetime

import uuid_utils
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
    reasons = finish_reasons or ["stop"] * len(texts)
    choices = [
        {"index": n, "message": {"role": "assistant", "content": text}, "finish_reason": reasons[n]}
        for n, text in enumerate(texts)
    ]
    interaction_id = str(uuid_utils.uuid7())
    await InteractionStore(engine).insert_many(
        [
            {
                "id": interaction_id,
                "created_at": datetime.now(UTC),
                "app": "support-bot",
                "endpoint": "chat.completions",
                "upstream": "default",
                "model": "gpt-test",
                "stream": False,
                "partial": partial,
                "request": {"model": "gpt-test", "messages": [{"role": "user", "content": question}], "n": len(texts)},
                "response": {"object": "chat.completion", "choices": choices},
                "response_text": texts[0],
                "finish_reason": reasons[0],
            }
        ]
    )
    return interaction_id
