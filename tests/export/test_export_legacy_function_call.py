"""The older `functions` in the export (SQLite and PostgreSQL): an answer's `function_call` as the target, the
request's `functions` beside it, in the legacy shape of OpenAI's chat fine-tuning format."""

from __future__ import annotations

import pytest
from export_seed import conversation, exported, give_feedback, review, review_service, store_chat
from fine_tuning_spec import chat_line_problems

from gateway.export.formats import ExportFormat
from gateway.review.records import Outcome

BALANCE_FUNCTION = {
    "name": "get_balance",
    "parameters": {"type": "object", "properties": {"account": {"type": "string"}}, "required": ["account"]},
}
FUNCTION_CALL = {"name": "get_balance", "arguments": '{"account":"42"}'}
QUESTION = conversation("What is my balance on account 42?")


async def called_a_function(engine, answer: str | None = None, **given) -> str:
    """A chat interaction whose request offered `functions` and whose answer is the one `function_call`."""
    return await store_chat(
        engine, messages=QUESTION, answer=answer, functions=[BALANCE_FUNCTION], function_call=FUNCTION_CALL, **given
    )


async def test_an_approved_function_call_ends_the_chat_line_as_the_assistants_function_call(engine):
    called = await called_a_function(engine)
    await review(review_service(engine), [called], Outcome.APPROVE)

    lines = await exported(engine, ExportFormat.CHAT)

    assert lines == [
        {
            "messages": [*QUESTION, {"role": "assistant", "content": None, "function_call": FUNCTION_CALL}],
            "functions": [BALANCE_FUNCTION],
        }
    ]
    assert chat_line_problems(lines[0]) == []


async def test_jsonl_carries_an_approved_answers_function_call_as_original_and_preferred(engine):
    called = await called_a_function(engine)
    await review(review_service(engine), [called], Outcome.APPROVE)

    (line,) = await exported(engine, ExportFormat.JSONL)

    assert (line["original_function_call"], line["preferred_function_call"]) == (FUNCTION_CALL, FUNCTION_CALL)
    assert (line["preferred"], line["preferred_tool_calls"], line["tool_settings"]) == (
        None,
        [],
        {"functions": [BALANCE_FUNCTION]},
    )


async def test_a_corrected_function_call_is_an_example_of_the_correction_with_the_requests_functions(engine):
    called = await called_a_function(engine)
    await give_feedback(engine, called, correction="You have 120.50 EUR.")

    (chat,) = await exported(engine, ExportFormat.CHAT)
    (line,) = await exported(engine, ExportFormat.JSONL)

    assert chat == {
        "messages": [*QUESTION, {"role": "assistant", "content": "You have 120.50 EUR."}],
        "functions": [BALANCE_FUNCTION],
    }
    assert (line["original_function_call"], line["preferred_function_call"]) == (FUNCTION_CALL, None)


async def test_an_answer_with_text_and_a_function_call_makes_no_preference_pair(engine):
    # A pair's outputs are assistant text alone: the call the original made would not be in it.
    called = await called_a_function(engine, answer="Let me look.")
    await give_feedback(engine, called, correction="You have 120.50 EUR.")

    assert await exported(engine, ExportFormat.PREFERENCE) == []


@pytest.mark.parametrize("arguments", [{"account": "42"}, None])
async def test_an_approved_function_call_of_another_shape_is_no_example(engine, arguments):
    # A broken call is no example of what to call.
    called = await store_chat(
        engine,
        messages=QUESTION,
        answer=None,
        functions=[BALANCE_FUNCTION],
        function_call={"name": "get_balance", "arguments": arguments},
    )
    await review(review_service(engine), [called], Outcome.APPROVE)

    assert await exported(engine, ExportFormat.JSONL) == []


async def test_an_approved_function_call_the_upstream_stopped_at_max_tokens_is_no_example(engine):
    # Its arguments broke off mid-JSON: as a target it would teach calling so.
    called = await called_a_function(engine, finish_reason="length")
    await review(review_service(engine), [called], Outcome.APPROVE)

    assert await exported(engine, ExportFormat.JSONL) == []
