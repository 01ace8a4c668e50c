"""The export formats over real stores (SQLite and PostgreSQL): each line parsed back and checked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from export_seed import conversation, give_feedback, review, review_service, store_chat
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.export.formats import ExportFormat
from gateway.export.stream import ExportTally, TrainingExport
from gateway.review.records import Outcome, Priority, Source
from gateway.store.training_examples import ExampleFilter, TrainingExampleStore


async def exported(
    engine: AsyncEngine, fmt: ExportFormat, where: ExampleFilter | None = None, chunk_rows: int = 500
) -> list[dict]:
    export = TrainingExport(TrainingExampleStore(engine, chunk_rows=chunk_rows))
    lines = [line async for line in export.lines(where or ExampleFilter(), fmt, ExportTally())]
    assert all(line.endswith("\n") and "\n" not in line[:-1] for line in lines)
    return [json.loads(line) for line in lines]


async def test_chat_lines_end_the_conversation_with_the_preferred_answer(engine):
    corrected = await store_chat(engine, "What is the fee?", "The fee is 2%.")
    await give_feedback(engine, corrected, correction="The fee is 1%.")
    approved = await store_chat(engine, "Is there a monthly charge?", "No, there is none.")
    await review(review_service(engine), [approved], Outcome.APPROVE)

    lines = await exported(engine, ExportFormat.CHAT)

    assert lines == [
        {"messages": [*conversation("What is the fee?"), {"role": "assistant", "content": "The fee is 1%."}]},
        {
            "messages": [
                *conversation("Is there a monthly charge?"),
                {"role": "assistant", "content": "No, there is none."},
            ]
        },
    ]


async def test_preference_pairs_prefer_the_correction_and_skip_an_unchanged_answer(engine):
    corrected = await store_chat(engine, "What is the fee?", "The fee is 2%.")
    await give_feedback(engine, corrected, correction="The fee is 1%.")
    reviewed = await store_chat(engine, "When do I pay?", "On the 5th.")
    await review(review_service(engine), [reviewed], Outcome.CORRECT, correction="On the 1st.")
    approved = await store_chat(engine, "Is there a monthly charge?", "No.")
    await review(review_service(engine), [approved], Outcome.APPROVE)
    same = await store_chat(engine, "Who are you?", "A support bot.")
    await give_feedback(engine, same, correction="  A support bot. ")

    lines = await exported(engine, ExportFormat.PREFERENCE)

    assert lines == [
        {
            "input": {"messages": conversation("What is the fee?")},
            "preferred_output": [{"role": "assistant", "content": "The fee is 1%."}],
            "non_preferred_output": [{"role": "assistant", "content": "The fee is 2%."}],
        },
        {
            "input": {"messages": conversation("When do I pay?")},
            "preferred_output": [{"role": "assistant", "content": "On the 1st."}],
            "non_preferred_output": [{"role": "assistant", "content": "On the 5th."}],
        },
    ]


async def test_a_reviewers_decision_outranks_the_end_users_correction_of_the_same_answer(engine):
    answer = await store_chat(engine, "What is the fee?", "The fee is 2%.")
    await give_feedback(engine, answer, correction="It is free.")
    await review(review_service(engine), [answer], Outcome.APPROVE)

    lines = await exported(engine, ExportFormat.CHAT)

    assert lines == [
        {"messages": [*conversation("What is the fee?"), {"role": "assistant", "content": "The fee is 2%."}]}
    ]


async def test_an_end_users_correction_stands_while_a_review_of_it_is_open(engine):
    answer = await store_chat(engine, "What is the fee?", "The fee is 2%.")
    await give_feedback(engine, answer, correction="The fee is 1%.")
    await review_service(engine).open_or_update(
        app="support-bot", source=Source.MANUAL, reason="Check", priority=Priority.MEDIUM, interaction_ids=[answer]
    )

    lines = await exported(engine, ExportFormat.CHAT)

    assert [line["messages"][-1]["content"] for line in lines] == ["The fee is 1%."]


async def test_jsonl_carries_every_field_and_weights_by_confidence(engine):
    reviews = review_service(engine)
    unsure = await store_chat(engine, "What is the fee?", "The fee is 2%.")
    await review(reviews, [unsure], Outcome.CORRECT, correction="The fee is 1%.", evidence={"confidence": 0.42})
    features = await store_chat(engine, "When do I pay?", "On the 5th.")
    await review(reviews, [features], Outcome.APPROVE, evidence={"confidence": {"confidence": 0.9, "tokens": 4}})
    by_user = await store_chat(engine, "Who are you?", "A bot.")
    await give_feedback(engine, by_user, correction="The support assistant.")

    lines = await exported(engine, ExportFormat.JSONL)

    by_id = {line["interaction_id"]: line for line in lines}
    assert set(by_id) == {unsure, features, by_user}
    first = by_id[unsure]
    assert first["source"] == "human_review" and first["outcome"] == "correct"
    assert (first["original"], first["preferred"]) == ("The fee is 2%.", "The fee is 1%.")
    assert first["confidence"] == 0.42
    assert first["weight"] == pytest.approx(1 / (0.42 + 0.01))
    assert first["conversation"] == conversation("What is the fee?")
    assert first["app"] == "support-bot"
    assert datetime.fromisoformat(first["created_at"]) <= datetime.fromisoformat(first["labelled_at"])
    assert by_id[features]["weight"] == pytest.approx(1 / 0.91)
    assert by_id[features]["preferred"] == by_id[features]["original"] == "On the 5th."
    user = by_id[by_user]
    assert (user["source"], user["confidence"], user["weight"]) == ("end_user_correction", None, 1.0)


async def test_jsonl_says_what_the_gateway_changed_in_the_request_the_model_answered(engine):
    added = {"policy": "knowledge", "action": "replace_body", "entries": [{"id": "e1", "version": 2, "score": 0.8}]}
    prompt = {"policy": "prompts", "action": "replace_body", "version": 3, "version_id": "v3", "arm": "live"}
    passed = {"policy": "review_gate", "action": "pass", "confidence": 0.9}
    changed = await store_chat(engine, "What is the fee?", "The fee is 2%.", policies=[added, prompt, passed])
    await give_feedback(engine, changed, correction="The fee is 1%.")
    untouched = await store_chat(engine, "Who are you?", "A bot.")
    await give_feedback(engine, untouched, correction="The support assistant.")

    lines = {line["interaction_id"]: line for line in await exported(engine, ExportFormat.JSONL)}

    # The conversation stays as the app sent it; the notes say what the model saw besides.
    assert lines[changed]["conversation"] == conversation("What is the fee?")
    assert lines[changed]["gateway_changes"] == [added, prompt]
    assert lines[untouched]["gateway_changes"] == []


async def test_a_rejection_without_correction_and_a_many_interaction_task_make_no_example(engine):
    reviews = review_service(engine)
    rejected = await store_chat(engine, "What is the fee?", "The fee is 2%.")
    await review(reviews, [rejected], Outcome.REJECT, evidence={"confidence": 0.2})
    pattern = [await store_chat(engine, f"Fee question {n}?") for n in range(3)]
    await review(reviews, pattern, Outcome.CORRECT, correction="The fee is 1%.")
    tool_call = await store_chat(engine, "Look it up", None)
    await review(reviews, [tool_call], Outcome.APPROVE)
    embedding = await store_chat(engine, "embed me", "ignored", endpoint="embeddings")
    await give_feedback(engine, embedding, correction="anything")

    for fmt in ExportFormat:
        assert await exported(engine, fmt) == []


async def test_an_approved_answer_that_was_cut_short_is_no_example(engine):
    cut = await store_chat(engine, "What is the fee?", "The fee is", partial=True)
    await review(review_service(engine), [cut], Outcome.APPROVE)

    assert await exported(engine, ExportFormat.CHAT) == []


@pytest.mark.parametrize("finish_reason", ["length", "content_filter"])
async def test_an_approved_answer_the_upstream_stopped_before_its_end_is_no_example(engine, finish_reason):
    # max_tokens (or the content filter) ended it mid-sentence: as a target it would teach stopping there.
    cut = await store_chat(
        engine, "What is the fee?", "The fee is 2% of the amount, with a", finish_reason=finish_reason
    )
    await review(review_service(engine), [cut], Outcome.APPROVE)

    assert await exported(engine, ExportFormat.CHAT) == []


async def test_an_approved_responses_answer_stopped_incomplete_is_no_example(engine):
    # Responses' `incomplete` (max_output_tokens) is no cut-short finish reason of the rule: no Responses call
    # makes an example, whatever its status.
    cut = await store_chat(
        engine, "What is the fee?", "The fee is 2% of", endpoint="responses", finish_reason="incomplete"
    )
    await review(review_service(engine), [cut], Outcome.APPROVE)

    assert await exported(engine, ExportFormat.JSONL) == []


async def test_a_correction_of_an_answer_stopped_before_its_end_is_an_example(engine):
    cut = await store_chat(engine, "What is the fee?", "The fee is 2% of the amount, with a", finish_reason="length")
    await review(review_service(engine), [cut], Outcome.CORRECT, correction="The fee is 2%, at least 1 EUR.")

    [line] = await exported(engine, ExportFormat.PREFERENCE)

    assert line["preferred_output"] == [{"role": "assistant", "content": "The fee is 2%, at least 1 EUR."}]


async def test_only_each_users_current_feedback_counts(engine):
    interaction = await store_chat(engine)
    await give_feedback(engine, interaction, correction="The fee is 1%.", user_id="ann")
    await give_feedback(engine, interaction, thumbs="up", user_id="ann")  # ann takes it back
    await give_feedback(engine, interaction, correction="Old wording.", user_id="bob")
    await give_feedback(engine, interaction, correction="It is 1 percent.", user_id="bob")

    lines = await exported(engine, ExportFormat.JSONL)

    assert [line["preferred"] for line in lines] == ["It is 1 percent."]


async def test_one_anonymous_token_counts_as_one_voter_whatever_user_ids_it_sends(engine):
    interaction = await store_chat(engine)
    for number in range(3):
        await give_feedback(
            engine, interaction, correction=f"Flood {number}.", user_id=f"made-up-{number}", voter="token:abc"
        )

    lines = await exported(engine, ExportFormat.JSONL)

    assert [line["preferred"] for line in lines] == ["Flood 2."]


async def test_app_and_since_filters(engine):
    earlier = datetime.now(UTC) - timedelta(days=3)
    old = await store_chat(engine, "Old question?")
    await give_feedback(engine, old, correction="Old answer.", at=earlier)
    new = await store_chat(engine, "New question?")
    await give_feedback(engine, new, correction="New answer.")
    other = await store_chat(engine, "Other app?", app="billing-bot")
    await give_feedback(engine, other, app="billing-bot", correction="Other answer.")
    other_reviewed = await store_chat(engine, "Reviewed elsewhere?", "Yes.", app="billing-bot")
    await review(review_service(engine), [other_reviewed], Outcome.APPROVE, app="billing-bot")

    def ids(lines: list[dict]) -> set[str]:
        return {line["interaction_id"] for line in lines}

    assert ids(await exported(engine, ExportFormat.JSONL)) == {old, new, other, other_reviewed}
    assert ids(await exported(engine, ExportFormat.JSONL, ExampleFilter(app="support-bot"))) == {old, new}
    assert ids(await exported(engine, ExportFormat.JSONL, ExampleFilter(app="billing-bot"))) == {other, other_reviewed}
    since = earlier + timedelta(days=1)
    assert ids(await exported(engine, ExportFormat.JSONL, ExampleFilter(since=since))) == {new, other, other_reviewed}
    both = ExampleFilter(app="support-bot", since=since)
    assert ids(await exported(engine, ExportFormat.JSONL, both)) == {new}
    assert await TrainingExampleStore(engine).count(both) == 1


async def test_streams_chunk_by_chunk_without_losing_or_repeating_rows(engine):
    reviews = review_service(engine)
    expected = []
    for n in range(5):
        interaction = await store_chat(engine, f"Question {n}?", f"Answer {n}.")
        await give_feedback(engine, interaction, correction=f"Better answer {n}.")
        expected.append(f"Better answer {n}.")
    for n in range(3):
        interaction = await store_chat(engine, f"Reviewed {n}?", f"Fine {n}.")
        await review(reviews, [interaction], Outcome.APPROVE)
        expected.append(f"Fine {n}.")

    lines = await exported(engine, ExportFormat.CHAT, chunk_rows=2)

    assert [line["messages"][-1]["content"] for line in lines] == expected
