"""A reviewer's approval of a choice (`n` > 1) that said and called nothing makes no example (both databases).

An approval labels an answer that said something or called a tool (or the older `functions`' function),
whichever choice it is: an empty later choice is no example, as an empty first one is not, and it leaves the
end users' corrections of the answer standing. A choice that only called a tool is an example of that call.
What the store reads but cannot make an example of is counted in the export's summary.
"""

from __future__ import annotations

from typing import Any

from export_seed import exported, give_feedback, review_service
from fine_tuning_spec import chat_line_problems
from interaction_rows import interaction_row
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.export.formats import ExportFormat
from gateway.export.stream import ExportTally
from gateway.review.records import Outcome, Priority, Source
from gateway.store.interactions import InteractionStore

CHOICES = ["The gold card.", "The student card: no fee.", "The travel card."]
CORRECTION = "The student card: it has no fee."
CALL = {"id": "call_1", "type": "function", "function": {"name": "find_card", "arguments": '{"fee":0}'}}


async def store_with_second_choice(engine: AsyncEngine, message: dict[str, Any]) -> str:
    """A chat answer of three choices whose second choice's message is `message` (finishing "stop"); its id."""
    row = interaction_row(question="Which card fits me?", answer=CHOICES)
    row["response"]["choices"][1]["message"] = {"role": "assistant", **message}
    await InteractionStore(engine).insert_many([row])
    return str(row["id"])


async def approve_choice(engine: AsyncEngine, interaction_id: str, choice: int) -> None:
    reviews = review_service(engine)
    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.MANUAL,
        reason="Which choice is right?",
        priority=Priority.MEDIUM,
        interaction_ids=[interaction_id],
    )
    assert opened is not None
    await reviews.decide(opened.task.task.id, "alice", Outcome.APPROVE, choice=choice)


async def test_an_approval_of_an_empty_later_choice_is_no_example_and_leaves_the_end_users_correction(engine):
    for empty in ({"content": None}, {"content": ""}, {"content": " \n", "tool_calls": []}):
        interaction_id = await store_with_second_choice(engine, empty)
        await give_feedback(engine, interaction_id, correction=CORRECTION, choice=1)
        await approve_choice(engine, interaction_id, 1)

    examples = await exported(engine, ExportFormat.JSONL)

    assert [(e["source"], e["choice"], e["preferred"]) for e in examples] == [
        ("end_user_correction", 1, CORRECTION)
    ] * 3


async def test_an_approval_of_a_later_choice_that_only_called_a_tool_is_an_example_of_the_call(engine):
    interaction_id = await store_with_second_choice(engine, {"content": None, "tool_calls": [CALL]})
    await approve_choice(engine, interaction_id, 1)

    [line] = await exported(engine, ExportFormat.CHAT)

    assert line["messages"][-1] == {"role": "assistant", "content": None, "tool_calls": [CALL]}
    assert chat_line_problems(line) == []


async def test_an_approval_the_store_reads_but_that_makes_no_example_is_counted_in_the_summary(engine):
    # A tool call without its id is no example of what to call; the store does not read the calls' shapes.
    broken = {**CALL, "id": None}
    interaction_id = await store_with_second_choice(engine, {"content": None, "tool_calls": [broken]})
    await approve_choice(engine, interaction_id, 1)
    tally = ExportTally()

    assert await exported(engine, ExportFormat.CHAT, tally=tally) == []
    assert (tally.examples, tally.no_example) == (0, 1)
    assert tally.summary() == "wrote 0 lines from 0 labelled examples (none); 1 label made no example"
