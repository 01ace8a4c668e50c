"""The conversation before the labelled answer, in fine-tuning lines (SQLite and PostgreSQL).

OpenAI's chat fine-tuning trains on every assistant message of an example unless its `weight`
is 0, and its files take messages in the request's shapes; apps on the openai SDK send back the
SDK's answer message, which carries fields of the answer (`annotations`, `refusal: null`).
"""

from __future__ import annotations

from export_seed import exported, give_feedback, store_chat

from gateway.export.formats import ExportFormat

SYSTEM = {"role": "system", "content": "You answer fee questions."}
# The first answer as the openai SDK gives it back, appended to the history as apps do.
SDK_ANSWER = {"content": "Hi! How can I help?", "refusal": None, "role": "assistant", "annotations": []}
HISTORY = [SYSTEM, {"role": "user", "content": "Hello"}, SDK_ANSWER, {"role": "user", "content": "What is the fee?"}]


async def test_a_chat_line_trains_on_the_labelled_answer_alone(engine):
    answered = await store_chat(engine, messages=HISTORY, answer="The fee is 2%.")
    await give_feedback(engine, answered, correction="The fee is 1%.")

    [line] = await exported(engine, ExportFormat.CHAT)

    assistant_turns = [message for message in line["messages"] if message["role"] == "assistant"]
    # The earlier answer was never labelled (it may be one a correction elsewhere says is wrong).
    assert [turn.get("weight") for turn in assistant_turns] == [0, None]
    assert assistant_turns[-1] == {"role": "assistant", "content": "The fee is 1%."}


async def test_history_messages_keep_only_what_a_fine_tuning_message_takes(engine):
    answered = await store_chat(engine, messages=HISTORY, answer="The fee is 2%.")
    await give_feedback(engine, answered, correction="The fee is 1%.")

    [chat] = await exported(engine, ExportFormat.CHAT)
    [pair] = await exported(engine, ExportFormat.PREFERENCE)

    sent_back = {"role": "assistant", "content": "Hi! How can I help?"}
    assert chat["messages"][2] == {**sent_back, "weight": 0}
    assert pair["input"]["messages"][2] == sent_back


async def test_jsonl_keeps_the_conversation_as_the_app_sent_it(engine):
    answered = await store_chat(engine, messages=HISTORY, answer="The fee is 2%.")
    await give_feedback(engine, answered, correction="The fee is 1%.")

    [line] = await exported(engine, ExportFormat.JSONL)

    assert line["conversation"] == HISTORY
