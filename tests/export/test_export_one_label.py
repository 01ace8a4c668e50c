"""One label per answer, one line per example (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from export_seed import conversation, exported, give_feedback, store_chat

from gateway.export.formats import ExportFormat
from gateway.export.stream import ExportTally
from gateway.store.training_examples import ExampleFilter, TrainingExampleStore


async def test_of_several_end_users_corrections_of_one_answer_only_the_latest_is_an_example(engine):
    answer = await store_chat(engine)
    earlier = datetime.now(UTC) - timedelta(minutes=5)
    await give_feedback(engine, answer, correction="The fee is 1%.", user_id="ann", at=earlier)
    await give_feedback(engine, answer, correction="Transfers cost 1 percent.", user_id="bob")

    lines = await exported(engine, ExportFormat.JSONL)

    assert [line["preferred"] for line in lines] == ["Transfers cost 1 percent."]


async def test_the_count_the_retrain_trigger_reads_counts_one_label_per_answer(engine):
    answer = await store_chat(engine)
    await give_feedback(engine, answer, correction="The fee is 1%.", user_id="ann")
    await give_feedback(engine, answer, correction="Transfers cost 1 percent.", user_id="bob")

    assert await TrainingExampleStore(engine).count(ExampleFilter()) == 1


async def test_identical_chat_lines_are_written_once(engine):
    for user in ("ann", "bob"):
        asked = await store_chat(engine, "When are you open?", "Always.")
        await give_feedback(engine, asked, correction="9:00-17:00, Monday to Friday.", user_id=user)
    tally = ExportTally()

    lines = await exported(engine, ExportFormat.CHAT, tally=tally)

    ending = {"role": "assistant", "content": "9:00-17:00, Monday to Friday."}
    assert lines == [{"messages": [*conversation("When are you open?"), ending]}]
    assert tally.duplicates == 1
    assert "1 duplicate left out" in tally.summary()
