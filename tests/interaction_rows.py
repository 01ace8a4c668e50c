"""Interaction rows for the tests, as the gateway stores them: a chat call made into a row by the writer's own code.

The row comes out of gateway.recording.record.build_interaction_row, so it has every column a recorded call
has, filled as a recorded call fills them (the answer's text, finish reason and token counts read out of the
answer), and follows the schema when that changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import uuid_utils

from gateway.recording.exchange import Exchange
from gateway.recording.record import build_interaction_row

Row = dict[str, Any]

APP = "support-bot"
MODEL = "gpt-test"
# The usage an answer reports, so its row has token counts.
USAGE = {"prompt_tokens": 12, "completion_tokens": 30, "total_tokens": 42}


def interaction_row(
    app: str = APP,
    *,
    question: str | None = None,
    answer: str | list[str] | None = None,
    finish_reasons: list[str] | None = None,
    **columns: Any,
) -> Row:
    """A chat call of `app` to model gpt-test as the writer stores it, minted now, then `columns` set as given.

    `question`: the user's message of its request (no request without one); `answer`: the text of the upstream's
    answer, or a list of texts for an answer of several choices (`n`), each finishing as `finish_reasons` say
    (`stop` unless given); no answer without one.
    """
    texts = [answer] if isinstance(answer, str) else answer
    request: Row | None = None
    if question is not None:
        request = {"model": MODEL, "messages": [{"role": "user", "content": question}]}
        if isinstance(answer, list):
            request["n"] = len(answer)
    exchange = Exchange(
        id=str(uuid_utils.uuid7()),
        created_at=datetime.now(UTC),
        app=app,
        endpoint="chat.completions",
        upstream="default",
        request=request,
        status_code=None if texts is None else 200,
        content_type="application/json",
        body_chunks=[] if texts is None else [orjson.dumps(chat_completion(texts, finish_reasons))],
        latency_ms=120.0,
    )
    # The model the row is filed under even when it has no request (a call imported without one).
    return {**build_interaction_row(exchange), "model": MODEL, **columns}


def chat_completion(texts: list[str], finish_reasons: list[str] | None = None) -> Row:
    """An upstream's chat completion with a choice per text, each finishing as `finish_reasons` say (`stop` unless given)."""
    reasons = finish_reasons or ["stop"] * len(texts)
    return {
        "id": f"chatcmpl-{uuid_utils.uuid4().hex[:12]}",
        "object": "chat.completion",
        "model": MODEL,
        "choices": [
            {"index": n, "message": {"role": "assistant", "content": text}, "finish_reason": reasons[n]}
            for n, text in enumerate(texts)
        ],
        "usage": USAGE,
    }
