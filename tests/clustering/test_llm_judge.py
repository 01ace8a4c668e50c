"""The LLM merge judge: its question, its strict yes/no answer, and the answers it keeps (clustering/llm_judge.py)."""

import json

import httpx
import openai
import pytest
import respx
from chat_replies import chat_reply

from clustering.llm_judge import IssueExhibit, LLMMergeJudge, MalformedJudgement, parse_judgement

URL = "http://llm.test/v1"
CARDS = IssueExhibit(("card", "arrive"), ("my card has not arrived", "where is my new card"))
REFUNDS = IssueExhibit(("refund",), ("I want a refund",))


def judge() -> LLMMergeJudge:
    # A plain httpx client, which respx mocks.
    client = openai.OpenAI(base_url=URL, api_key="key", http_client=httpx.Client(), max_retries=0)
    return LLMMergeJudge(client, "judge")


@pytest.mark.parametrize(("content", "same"), [('{"same": true}', True), ('{"same": false}', False)])
def test_the_answer_is_a_json_yes_or_no(content, same):
    assert parse_judgement(content) is same


def test_a_fenced_answer_is_read():
    assert parse_judgement('```json\n{"same": true}\n```') is True


@pytest.mark.parametrize(
    "content",
    [
        "yes",
        '{"same": "yes"}',
        '{"same": 1}',
        '{"same": true, "why": "both cards"}',
        "[true]",
        "",
        'Sure! {"same": true}',
    ],
)
def test_anything_but_the_strict_json_is_no_answer(content):
    with pytest.raises(MalformedJudgement):
        parse_judgement(content)


def test_the_question_shows_both_issues_keywords_and_examples():
    question = judge().question(CARDS, REFUNDS)

    system, user = question.messages
    assert '{"same": true}' in system["content"]
    assert user["content"].startswith("Group A\n")
    assert "Keywords: card, arrive" in user["content"] and '- "I want a refund"' in user["content"]


def test_the_same_two_issues_in_either_order_are_one_question():
    assert judge().question(CARDS, REFUNDS).key == judge().question(REFUNDS, CARDS).key
    assert judge().question(CARDS, REFUNDS).key != judge().question(CARDS, CARDS).key


@respx.mock
def test_an_answer_is_asked_once_and_kept():
    route = respx.post(f"{URL}/chat/completions").mock(return_value=chat_reply('{"same": true}'))
    asking = judge()
    question = asking.question(CARDS, REFUNDS)
    assert asking.kept_answer(question) is None

    assert asking.ask(question) is True

    assert asking.kept_answer(question) is True
    assert route.call_count == 1
    sent = json.loads(route.calls[0].request.content)
    assert (sent["model"], sent["temperature"]) == ("judge", 0)


@respx.mock
def test_a_malformed_answer_raises_and_is_not_kept():
    respx.post(f"{URL}/chat/completions").mock(return_value=chat_reply("They look alike."))
    asking = judge()
    question = asking.question(CARDS, REFUNDS)

    with pytest.raises(MalformedJudgement, match="not JSON"):
        asking.ask(question)
    assert asking.kept_answer(question) is None


@respx.mock
def test_the_oldest_answers_are_dropped_past_the_bound():
    respx.post(f"{URL}/chat/completions").mock(return_value=chat_reply('{"same": false}'))
    client = openai.OpenAI(base_url=URL, api_key="key", http_client=httpx.Client(), max_retries=0)
    asking = LLMMergeJudge(client, "judge", max_kept_answers=1)
    first, second = asking.question(CARDS, REFUNDS), asking.question(CARDS, CARDS)

    asking.ask(first)
    asking.ask(second)

    assert (asking.kept_answer(first), asking.kept_answer(second)) == (None, False)
