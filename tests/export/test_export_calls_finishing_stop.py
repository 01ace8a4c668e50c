"""An answer that called tools (or the older `functions`' function) is labelled by its message, not its finish reason.

Some OpenAI-compatible servers (vLLM, Ollama, older Azure deployments) answer a tool call with finish_reason
"stop": the export makes the same example of it as of one finishing "tool_calls". And an answer whose finish
reason says it called something, but whose message holds neither text nor a call, labels nothing: the end
user's correction of it stands (both databases).
"""

from __future__ import annotations

from export_seed import conversation, exported, give_feedback, review, review_service, store_chat
from fine_tuning_spec import chat_line_problems

from gateway.export.formats import ExportFormat
from gateway.review.records import Outcome

BALANCE_TOOL = {"type": "function", "function": {"name": "get_balance", "parameters": {"type": "object"}}}
CALL = {"id": "call_1", "type": "function", "function": {"name": "get_balance", "arguments": '{"account":"42"}'}}
BALANCE_FUNCTION = {"name": "get_balance", "parameters": {"type": "object"}}
FUNCTION_CALL = {"name": "get_balance", "arguments": '{"account":"42"}'}
QUESTION = conversation("What is my balance on account 42?")


async def test_an_approved_tool_call_finishing_stop_makes_the_line_one_finishing_tool_calls_makes(engine):
    called = await store_chat(
        engine, messages=QUESTION, answer=None, tools=[BALANCE_TOOL], tool_calls=[CALL], finish_reason="stop"
    )
    await review(review_service(engine), [called], Outcome.APPROVE)

    lines = await exported(engine, ExportFormat.CHAT)

    # The line of tests/export/test_export_tool_calls.py's approved call, which finishes "tool_calls".
    answer = {"role": "assistant", "content": None, "tool_calls": [CALL]}
    assert lines == [{"messages": [*QUESTION, answer], "tools": [BALANCE_TOOL]}]


async def test_an_approved_function_call_finishing_stop_is_an_example(engine):
    called = await store_chat(
        engine,
        messages=QUESTION,
        answer=None,
        functions=[BALANCE_FUNCTION],
        function_call=FUNCTION_CALL,
        finish_reason="stop",
    )
    await review(review_service(engine), [called], Outcome.APPROVE)

    [line] = await exported(engine, ExportFormat.CHAT)

    assert line["messages"][-1] == {"role": "assistant", "content": None, "function_call": FUNCTION_CALL}


async def test_a_reviewers_correction_of_a_tool_call_finishing_stop_is_an_example(engine):
    called = await store_chat(engine, answer=None, tools=[BALANCE_TOOL], tool_calls=[CALL], finish_reason="stop")
    await review(review_service(engine), [called], Outcome.CORRECT, correction="You have 120.50 EUR.")

    [example] = await exported(engine, ExportFormat.JSONL)

    assert (example["source"], example["original_tool_calls"], example["preferred"]) == (
        "human_review",
        [CALL],
        "You have 120.50 EUR.",
    )


async def test_an_approval_of_an_empty_answer_finishing_tool_calls_leaves_the_end_users_correction(engine):
    # The finish reason says a tool was called; the message holds no call and no text: nothing to approve.
    empty = await store_chat(engine, answer=None, tools=[BALANCE_TOOL], finish_reason="tool_calls")
    await give_feedback(engine, empty, correction="You have 120.50 EUR.")
    await review(review_service(engine), [empty], Outcome.APPROVE)

    examples = await exported(engine, ExportFormat.JSONL)

    assert [(e["source"], e["preferred"]) for e in examples] == [("end_user_correction", "You have 120.50 EUR.")]


async def test_the_lines_of_calls_finishing_stop_are_valid_fine_tuning_examples(engine):
    calls = (
        {"tools": [BALANCE_TOOL], "tool_calls": [CALL]},
        {"functions": [BALANCE_FUNCTION], "function_call": FUNCTION_CALL},
    )
    for call in calls:
        called = await store_chat(engine, messages=QUESTION, answer=None, finish_reason="stop", **call)
        await review(review_service(engine), [called], Outcome.APPROVE)

    lines = await exported(engine, ExportFormat.CHAT)

    assert len(lines) == 2
    assert [chat_line_problems(line) for line in lines] == [[], []]
