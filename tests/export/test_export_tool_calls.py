"""Tool calls in the export (SQLite and PostgreSQL): the tools the request offered, and an approved tool call as the target."""

from __future__ import annotations

from export_seed import conversation, exported, give_feedback, review, review_service, store_chat

from gateway.export.formats import ExportFormat
from gateway.review.records import Outcome

BALANCE_TOOL = {
    "type": "function",
    "function": {
        "name": "get_balance",
        "parameters": {"type": "object", "properties": {"account": {"type": "string"}}, "required": ["account"]},
    },
}
CALL = {"id": "call_1", "type": "function", "function": {"name": "get_balance", "arguments": '{"account":"42"}'}}
# A conversation that already went through a tool call and its result.
AFTER_THE_CALL = [
    *conversation("What is my balance on account 42?"),
    {"role": "assistant", "content": None, "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": "call_1", "content": '{"balance": 120.5}'},
]


async def test_a_chat_line_carries_the_tools_the_request_offered(engine):
    answered = await store_chat(engine, messages=AFTER_THE_CALL, answer="You have 120.", tools=[BALANCE_TOOL])
    await give_feedback(engine, answered, correction="Account 42 holds 120.50 EUR.")

    lines = await exported(engine, ExportFormat.CHAT)

    # The earlier tool call is shown, not trained on (weight 0): only the correction was labelled.
    shown = [{**message, "weight": 0} if message["role"] == "assistant" else message for message in AFTER_THE_CALL]
    assert lines == [
        {
            "messages": [*shown, {"role": "assistant", "content": "Account 42 holds 120.50 EUR."}],
            "tools": [BALANCE_TOOL],
        }
    ]


async def test_a_preference_pair_carries_the_tools_in_its_input(engine):
    answered = await store_chat(engine, messages=AFTER_THE_CALL, answer="You have 120.", tools=[BALANCE_TOOL])
    await give_feedback(engine, answered, correction="Account 42 holds 120.50 EUR.")

    lines = await exported(engine, ExportFormat.PREFERENCE)

    assert [line["input"] for line in lines] == [{"messages": AFTER_THE_CALL, "tools": [BALANCE_TOOL]}]


async def test_an_approved_tool_call_ends_the_chat_line_as_the_assistants_tool_call(engine):
    question = conversation("What is my balance on account 42?")
    called = await store_chat(engine, messages=question, answer=None, tools=[BALANCE_TOOL], tool_calls=[CALL])
    await review(review_service(engine), [called], Outcome.APPROVE)

    lines = await exported(engine, ExportFormat.CHAT)

    assert lines == [
        {
            "messages": [*question, {"role": "assistant", "content": None, "tool_calls": [CALL]}],
            "tools": [BALANCE_TOOL],
        }
    ]


async def test_a_reviewers_approval_of_a_tool_call_outranks_an_end_users_text_correction(engine):
    question = conversation("What is my balance on account 42?")
    called = await store_chat(engine, messages=question, answer=None, tools=[BALANCE_TOOL], tool_calls=[CALL])
    await give_feedback(engine, called, correction="You have 120.50 EUR.")
    await review(review_service(engine), [called], Outcome.APPROVE)

    lines = await exported(engine, ExportFormat.JSONL)

    assert [(line["source"], line["preferred"], line["preferred_tool_calls"]) for line in lines] == [
        ("human_review", None, [CALL])
    ]


async def test_jsonl_keeps_the_original_answers_tool_calls_beside_a_correction(engine):
    called = await store_chat(engine, answer=None, tools=[BALANCE_TOOL], tool_calls=[CALL])
    await give_feedback(engine, called, correction="You have 120.50 EUR.")

    (line,) = await exported(engine, ExportFormat.JSONL)

    assert (line["original"], line["original_tool_calls"]) == (None, [CALL])
    assert (line["preferred"], line["preferred_tool_calls"]) == ("You have 120.50 EUR.", [])
    assert line["tool_settings"] == {"tools": [BALANCE_TOOL]}
