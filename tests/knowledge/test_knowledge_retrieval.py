"""Retrieval over real small texts: best vector per entry, threshold, top-k, stable order, lexical blend."""

from __future__ import annotations

import numpy as np
import pytest
from kb_helpers import CARD, FEES, PIN, build

from gateway.knowledge.index import IndexedEntry, KnowledgeIndex, RetrievalSettings, build_index, index_texts
from gateway.knowledge.lexical import LexicalIndex, tokens


def search(index, embedder, question, **settings):
    vector = embedder.embed([question])[0]
    return index.search(vector, question, RetrievalSettings(**{"threshold": 0.4, "top_k": 3, **settings}))


def test_the_relevant_entry_comes_first(embedder):
    index = build(embedder)

    matches = search(index, embedder, "what do you charge to send money to another country?")

    assert matches[0].entry == FEES


def test_an_unrelated_question_gets_nothing_above_the_threshold(embedder):
    index = build(embedder)

    assert search(index, embedder, "Who won the football world cup in 1998?") == []


def test_the_threshold_cuts_weaker_matches(embedder):
    index = build(embedder)
    question = "my card has not arrived, and how do I set its PIN?"
    scores = {match.entry.id: match.score for match in search(index, embedder, question, threshold=-1)}

    cut = sorted(scores.values())[1] - 0.0001  # keeps the two best (scores are rounded to 4 places)
    kept = search(index, embedder, question, threshold=cut)

    assert {match.entry.id for match in kept} == {entry_id for entry_id, score in scores.items() if score >= cut}
    assert len(kept) == 2


def test_top_k_keeps_the_best(embedder):
    index = build(embedder)

    matches = search(index, embedder, "card", threshold=-1, top_k=2)

    assert len(matches) == 2
    assert matches[0].score >= matches[1].score
    assert all(match.entry in (FEES, CARD, PIN) for match in matches)


def test_an_entry_has_a_title_content_vector_and_its_questions_mean():
    vectors = np.asarray([[1, 0], [0, 1], [0, 1], [1, 0]], dtype=np.float32)  # FEES: 1 + 2 questions; bare: 1
    bare = IndexedEntry("bare", 1, "Bare", "No questions.")

    index = build_index([FEES, bare], vectors)

    assert index_texts([FEES, bare]) == [
        f"{FEES.title}\n{FEES.content}",
        *FEES.example_questions,
        "Bare\nNo questions.",
    ]
    assert index.scores(np.asarray([0, 1], dtype=np.float32), "").tolist() == pytest.approx([1.0, 0.0])


def test_a_question_like_an_example_scores_high_even_when_the_content_is_a_long_answer(embedder):
    answer = " ".join(
        ["Transfers to foreign accounts cost 1% of the amount, at least 2 EUR."] * 2
        + [
            "The fee is shown before you confirm, and it is waived for premium accounts.",
            "Exchange rates are those of the day the transfer is sent.",
        ]
    )
    entry = IndexedEntry("fees", 1, "Foreign transfer fees", answer, ("What is the fee for a transfer abroad?",))
    index = build(embedder, [entry])
    question = "What is the fee for sending money abroad?"

    [score] = index.scores(embedder.embed([question])[0], question)

    assert score > 0.8


def test_an_entry_scores_its_best_vector():
    entries = [IndexedEntry("a", 1, "t", "c"), IndexedEntry("b", 1, "t", "c")]
    vectors = np.asarray([[1, 0], [0, 1], [0.6, 0.8]], dtype=np.float32)
    index = KnowledgeIndex(entries, vectors, [0, 0, 1])

    assert index.scores(np.asarray([0, 1], dtype=np.float32), "").tolist() == pytest.approx([1.0, 0.8])


def test_the_margin_drops_a_distant_second():
    entries = [IndexedEntry(entry_id, 1, "t", "c") for entry_id in ("a", "b", "c")]
    vectors = np.asarray([[1, 0], [0.96, 0.28], [0.8, 0.6]], dtype=np.float32)
    index = KnowledgeIndex(entries, vectors, [0, 1, 2])
    query = np.asarray([1, 0], dtype=np.float32)

    kept = index.search(query, "", RetrievalSettings(threshold=0.5, top_k=3, margin=0.05))

    assert [match.entry.id for match in kept] == ["a", "b"]


def test_ties_are_ordered_by_id():
    entries = [IndexedEntry(entry_id, 1, "t", "c") for entry_id in ("b", "a", "c")]
    vector = np.asarray([1.0, 0.0], dtype=np.float32)
    index = KnowledgeIndex(entries, np.stack([vector, vector, vector]), [0, 1, 2])

    matches = index.search(vector, "", RetrievalSettings(threshold=0.5, top_k=3))

    assert [match.entry.id for match in matches] == ["a", "b", "c"]


def test_lexical_overlap_is_the_idf_weighted_share_of_the_question():
    lexical = LexicalIndex(["transfer fees abroad", "card delivery", "card pin"])

    scores = lexical.scores("What are the fees for a transfer?")

    assert scores[0] == pytest.approx(1.0)
    assert scores[1] == scores[2] == 0
    assert tokens("How do I get my cards?") == {"get", "card"}


def test_the_lexical_weight_blends_scores(embedder):
    index = build(embedder)
    question = "PIN change"
    vector = embedder.embed([question])[0]

    dense = index.scores(vector, question)
    blended = index.scores(vector, question, lexical_weight=0.5)

    assert blended[2] == pytest.approx(0.5 * dense[2] + 0.5 * 1.0, abs=1e-5)  # "pin" and "change" are in its title
