import json

import httpx
import numpy as np
import openai
import pytest
import respx
from chat_replies import chat_reply

from clustering.label import (
    MAX_ISSUE_TITLE,
    LLMTitler,
    ctfidf_keywords,
    representative_indices,
    title_from_keywords,
)


def llm_titler() -> LLMTitler:
    # A plain httpx client, which respx mocks (the SDK's own transport may be another library).
    client = openai.OpenAI(base_url="http://llm.test/v1", api_key="key", http_client=httpx.Client())
    return LLMTitler(client, "titler")


DOCUMENTS = [
    "my card has not arrived yet",
    "card still not arrived after two weeks",
    "when will my card arrive",
    "refund for double charge please",
    "I was charged twice and want a refund",
    "refund the duplicate charge",
    "hello please help",
]
LABELS = [0, 0, 0, 1, 1, 1, -1]


def test_keywords_name_what_sets_each_cluster_apart():
    keywords = ctfidf_keywords(DOCUMENTS, LABELS, top_n=3)
    assert "card" in keywords[0] and "refund" in keywords[1]


def test_noise_gets_no_keywords():
    assert set(ctfidf_keywords(DOCUMENTS, LABELS)) == {0, 1}


def test_stop_words_only_give_empty_keywords():
    assert ctfidf_keywords(["the and", "of the"], [0, 0]) == {0: []}


def test_phrases_never_span_two_parts_or_two_documents():
    # Each document is a comment line then a question line, as build_document writes them.
    documents = [
        "the refund never arrived\nRefund on cancelled order",
        "money back please\nrefund refund now",
        "card lost",
    ]

    [keywords] = ctfidf_keywords(documents, [0, 0, -1], top_n=100).values()

    assert "cancelled order" in keywords and "money" in keywords
    assert "arrived refund" not in keywords  # across the two parts of one document
    assert "order money" not in keywords  # across two documents
    assert "refund refund" not in keywords  # a word next to itself


def test_what_redaction_put_in_place_of_personal_data_is_no_keyword_and_no_phrase_spans_it():
    # With redaction on, every stored complaint quoting an address reads "[redacted:email]".
    documents = [
        "card locked, write to [redacted:email] today",
        "my card is locked, mail [redacted:email] or call [redacted:phone]",
        "refund for double charge please",
    ]

    keywords = ctfidf_keywords(documents, [0, 0, 1], top_n=100)

    assert not {"redacted", "email", "phone", "redacted email", "write redacted", "email today"} & set(keywords[0])
    assert "card locked" in keywords[0]


def test_words_no_topic_text_uses_rank_after_those_one_does():
    # Comment then question, as build_document writes them; the topic texts are the questions.
    questions = ["How much is the transfer fee?", "What fee do you take on a transfer?", "Transfer fee to Spain?"]
    documents = [f"wrong answer\n{question}" for question in questions]

    [plain] = ctfidf_keywords(documents, [0, 0, 0], top_n=100).values()
    [ranked] = ctfidf_keywords(documents, [0, 0, 0], top_n=100, topics=questions).values()

    assert plain[0] == "answer"  # the comment's word, in every document, outranked the topic
    assert set(ranked) == set(plain)  # the comment's words stay keywords, after every word the questions use
    assert ranked[-3:] == ["answer", "wrong", "wrong answer"]


def test_a_cluster_whose_topic_texts_are_empty_ranks_its_comments_words_as_before():
    documents = ["card never arrived, wrong answer", "card still missing", "refund please"]

    ranked = ctfidf_keywords(documents, [0, 0, 1], top_n=100, topics=["", "", "refund please"])

    assert ranked[0] == ctfidf_keywords(documents, [0, 0, 1], top_n=100)[0]


def test_the_topic_texts_are_one_per_document():
    with pytest.raises(ValueError, match="3 documents but 1 topic texts"):
        ctfidf_keywords(DOCUMENTS[:3], [0, 0, 0], topics=["card"])


def test_representatives_are_the_members_closest_to_the_centre():
    embeddings = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
    assert representative_indices(embeddings, [0, 1, 2, 3], top_n=2) == [1, 3]


def test_identical_complaints_are_one_example_so_the_examples_show_different_things():
    # Rows 1 and 4 are one document sent twice (one vector): the next closest member takes the second place.
    embeddings = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [0.6, 0.8], [0.8, 0.6]], dtype=np.float32)

    assert representative_indices(embeddings, [0, 1, 2, 3, 4], top_n=2) == [1, 3]


def test_title_prefers_a_phrase_to_the_words_it_contains():
    assert title_from_keywords(["card", "card arrived", "arrived", "weeks"]) == "Card arrived, weeks"


def test_title_without_keywords_says_so():
    assert title_from_keywords([]) == "Unlabelled issue"


@respx.mock
def test_llm_titler_returns_the_models_title_and_summary():
    route = respx.post("http://llm.test/v1/chat/completions").mock(
        return_value=chat_reply('{"title": "Card never arrives", "summary": "Ordered cards do not arrive."}')
    )
    titler = llm_titler()
    result = titler.title(["card", "arrived"], ["my card has not arrived"])
    assert (result.title, result.summary) == ("Card never arrives", "Ordered cards do not arrive.")
    sent = json.loads(route.calls.last.request.content)
    assert sent["model"] == "titler"
    assert "card, arrived" in sent["messages"][1]["content"]
    assert "my card has not arrived" in sent["messages"][1]["content"]


@respx.mock
def test_llm_titler_reads_json_wrapped_in_a_code_fence():
    respx.post("http://llm.test/v1/chat/completions").mock(
        return_value=chat_reply('```json\n{"title": "Double charges", "summary": "Charged twice."}\n```')
    )
    assert llm_titler().title(["refund"], []).title == "Double charges"


@respx.mock
def test_llm_titler_falls_back_to_the_first_line_of_plain_text():
    respx.post("http://llm.test/v1/chat/completions").mock(return_value=chat_reply("Refund requests\nMore prose."))
    result = llm_titler().title(["refund"], [])
    assert (result.title, result.summary) == ("Refund requests", "")


@respx.mock
def test_an_llm_title_longer_than_an_issue_title_may_be_is_cut_to_the_limit():
    # Titles bound the `expected_title` triage sends back (MAX_ISSUE_TITLE, a rename's limit too).
    long_title = "Refunds " + "really " * 60 + "slow"
    respx.post("http://llm.test/v1/chat/completions").mock(
        return_value=chat_reply(json.dumps({"title": long_title, "summary": "Slow."}))
    )

    title = llm_titler().title(["refund"], []).title

    assert len(title) == MAX_ISSUE_TITLE and title.startswith("Refunds really") and title.endswith("…")
