"""A listing's brief rows on both stores: the same interactions as whole rows, never a large document read whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import uuid_utils

from gateway.domain.interaction_briefs import EXCERPT_CHARS, InteractionBrief
from gateway.store.interactions import BRIEF_REQUEST_CHARS, BRIEF_TEXT_CHARS, InteractionFilter, InteractionStore


def row(question: str, answer: str | None, age_minutes: int, **fields: object) -> dict[str, object]:
    return {
        "id": str(uuid_utils.uuid7()),
        "created_at": datetime.now(UTC) - timedelta(minutes=age_minutes),
        "app": "support-bot",
        "endpoint": "chat.completions",
        "upstream": "default",
        "model": "m",
        "stream": False,
        "partial": False,
        "request": {"model": "m", "messages": [{"role": "user", "content": question}]},
        "response_text": answer,
        "status_code": 200,
        **fields,
    }


async def test_brief_rows_list_the_same_interactions_in_the_same_order(engine):
    store = InteractionStore(engine)
    await store.insert_many([row(f"question {n}", f"answer {n}", age_minutes=n) for n in range(5)])
    where = InteractionFilter(app="support-bot", text="question")

    briefly = await store.list_briefly(where, 3)
    whole = await store.list(where, 3)

    assert [r["id"] for r in briefly] == [r["id"] for r in whole]
    assert [r["created_at"] for r in briefly] == [r["created_at"] for r in whole]


async def test_a_request_too_large_for_a_listing_is_not_read_but_measured(engine):
    store = InteractionStore(engine)
    pasted = "a pasted statement line\n" * (BRIEF_REQUEST_CHARS // 20)
    large, small = row(pasted, "Here is a summary.", 2), row("Is there a fee?", "No fee.", 1)
    await store.insert_many([large, small])

    [small_row, large_row] = await store.list_briefly(InteractionFilter(), 10)

    assert large_row["request"] is None
    assert small_row["request"] == small["request"]
    brief = InteractionBrief.from_row(large_row)
    assert (brief.question, brief.request_unread) == ("", True)
    assert brief.answer == "Here is a summary."
    assert (InteractionBrief.from_row(small_row).question, InteractionBrief.from_row(small_row).request_unread) == (
        "Is there a fee?",
        False,
    )


async def test_a_request_compressed_small_but_long_as_text_is_not_read_either(engine):
    store = InteractionStore(engine)
    # PostgreSQL stores this compressed to a fraction of its text: measured as text all the same.
    await store.insert_many([row("same line\n" * BRIEF_REQUEST_CHARS, "ok", 1)])

    [listed] = await store.list_briefly(InteractionFilter(), 10)

    assert listed["request"] is None and listed["request_stored"]


async def test_a_call_stored_without_a_request_is_not_said_to_be_too_large(engine):
    store = InteractionStore(engine)
    await store.insert_many([row("unused", "ok", 1, request=None)])

    [listed] = await store.list_briefly(InteractionFilter(), 10)

    assert InteractionBrief.from_row(listed).request_unread is False


async def test_a_long_answer_and_a_long_error_are_read_only_as_far_as_a_listing_shows(engine):
    store = InteractionStore(engine)
    answered = row("Tell me everything", "word " * 10_000, 2)
    failed = row("Again?", None, 1, status_code=502, error="upstream said: " + "x" * 10_000)
    await store.insert_many([answered, failed])

    [failed_row, answered_row] = await store.list_briefly(InteractionFilter(), 10)

    assert len(answered_row["response_text"]) == BRIEF_TEXT_CHARS
    assert len(failed_row["error"]) == BRIEF_TEXT_CHARS
    brief = InteractionBrief.from_row(failed_row)
    assert (brief.outcome, len(brief.answer)) == ("error", EXCERPT_CHARS)
    assert brief.answer.startswith("upstream said: xxx") and brief.answer.endswith("…")
