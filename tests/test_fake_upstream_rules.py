"""The fake upstream's knowledge-dependent answers (gateway.demo.fake_rules), through the real openai SDK."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from gateway.demo.fake_rules import rule_answer
from gateway.demo.fake_upstream import run_fake_upstream

FACT = "The transfer fee is 1% of the amount."


@pytest.fixture(scope="module")
def client() -> Iterator[openai.OpenAI]:
    with run_fake_upstream() as upstream, openai.OpenAI(base_url=upstream.url, api_key="sk-test", max_retries=0) as sdk:
        yield sdk


def chat(client: openai.OpenAI, question: str, system: str | None = None, stream: bool = False) -> str:
    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": question}]
    if stream:
        chunks = client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True)
        return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    return client.chat.completions.create(model="gpt-4o-mini", messages=messages).choices[0].message.content or ""


def test_a_fact_question_is_answered_wrongly_without_the_fact(client: openai.OpenAI) -> None:
    assert chat(client, "How much is the Transfer Fee to Spain?") == "There is no fee."
    assert chat(client, "What is the transfer fee?", system="Be brief.") == "There is no fee."


def test_the_fact_in_any_system_message_makes_the_answer_right(client: openai.OpenAI) -> None:
    assert chat(client, "What is the transfer fee?", system=f"Reference data:\n{FACT}") == "The transfer fee is 1%."
    assert chat(client, "what is the transfer fee?", system=FACT, stream=True) == "The transfer fee is 1%."


def test_an_instruction_rule_follows_the_responses_instructions(client: openai.OpenAI) -> None:
    question = "How do I close my account?"
    wrong = client.responses.create(model="gpt-4o-mini", input=question).output_text
    right = client.responses.create(
        model="gpt-4o-mini", input=question, instructions="Point users to Settings > Account > Close account."
    ).output_text
    assert (wrong, right) == (
        "Sorry, I cannot help with account questions.",
        "Go to Settings > Account > Close account.",
    )


def test_other_questions_still_echo_and_always_right_topics_need_nothing(client: openai.OpenAI) -> None:
    assert chat(client, "hello there") == "Echo: hello there"
    assert chat(client, "What are your opening hours?") == "We are open 9:00-17:00, Monday to Friday."
    assert rule_answer("When will my card arrive?", {}) == "A new card arrives within 5 working days."
    assert rule_answer("unrelated", {"messages": []}) is None


def test_a_developer_message_counts_as_system_text() -> None:
    request = {"messages": [{"role": "developer", "content": [{"type": "text", "text": FACT}]}]}
    assert rule_answer("transfer fee?", request) == "The transfer fee is 1%."


def test_the_merge_judge_question_is_answered_by_shared_keywords(client: openai.OpenAI) -> None:
    shared = (
        "Group A\nKeywords: card, arrive\nExamples:\n- no card\n\nGroup B\nKeywords: card delivery\nExamples:\n- late"
    )
    apart = "Group A\nKeywords: refund\nExamples:\n- the transfer fee?\n\nGroup B\nKeywords: password\nExamples:\n- x"

    assert chat(client, shared, system="Are these the same problem?") == '{"same": true}'
    assert chat(client, apart, system="Are these the same problem?") == '{"same": false}'
