"""Recorded chat answers carrying token log-probabilities at a chosen confidence, as the fake upstream makes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import uuid_utils
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.demo.payloads import chat_completions
from gateway.recording.record import summarise_response
from gateway.store.interactions import InteractionStore


def answer_with_confidence(confidence: float | None, question: str = "What is the fee?", n: int = 1) -> dict:
    """A chat completion of `n` choices whose tokens' geometric-mean probability is `confidence` (None: no
    log-probabilities)."""
    content = question if confidence is None else f"{question} [confidence={confidence}]"
    request: dict = {"model": "gpt-test", "messages": [{"role": "user", "content": content}]}
    if n > 1:
        request["n"] = n
    if confidence is not None:
        request |= {"logprobs": True, "top_logprobs": 2}
    return orjson.loads(chat_completions(request, override="The fee is two percent of the order total."))


async def store_answers(
    engine: AsyncEngine,
    confidences: list[float | None],
    created_at: datetime,
    app: str = "support-bot",
    n: int = 1,
    listings: list[Any] | None = None,
) -> list[str]:
    """One recorded chat interaction of `app` (an answer of `n` choices) per confidence, all created at `created_at`;
    returns their ids. `listings`: each answer's `choices` as its upstream listed them, in place of the made ones
    (stored as the writer stores any answer)."""
    ids = [str(uuid_utils.uuid7()) for _ in confidences]
    rows = []
    for k, (interaction_id, confidence) in enumerate(zip(ids, confidences, strict=True)):
        response = answer_with_confidence(confidence, n=n)
        if listings is not None:
            response["choices"] = listings[k]
        rows.append(
            {
                "id": interaction_id,
                "created_at": created_at,
                "app": app,
                "endpoint": "chat.completions",
                "upstream": "default",
                "model": "gpt-test",
                "stream": False,
                "partial": False,
                "status_code": 200,
                "request": {"model": "gpt-test", "messages": [{"role": "user", "content": "What is the fee?"}]},
                "response": response,
                "response_text": summarise_response("chat.completions", response)["response_text"],
            }
        )
    await InteractionStore(engine).insert_many(rows)
    return ids
