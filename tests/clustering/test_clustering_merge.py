"""Merge candidates: issues whose centroids are as close as the pass's bar are offered as one, with shared keywords as evidence."""

from __future__ import annotations

import numpy as np
import pytest

from clustering.embed import SentenceTransformerEmbedder
from clustering.merge import MERGE_SUGGESTION_SIMILARITY, correction_key, merge_candidates


def unit(vector: list[float]) -> np.ndarray:
    """`vector` scaled to unit length, as float32."""
    array = np.asarray(vector, dtype=np.float32)
    return array / np.linalg.norm(array)


def test_merge_candidates_are_close_centroids_most_similar_first_with_their_shared_keywords():
    centroids = np.stack([unit([1, 0, 0]), unit([0.95, 0.31, 0]), unit([0.99, 0.14, 0]), unit([0, 1, 0])])
    keywords = [("card", "arrive"), ("card", "late"), ("arrive", "when"), ("card", "arrive")]

    found = merge_candidates(centroids, keywords, of=0, min_similarity=0.9)

    assert [candidate.index for candidate in found] == [2, 1]
    assert found[0].shared_keywords == ("arrive",)
    assert found[1].similarity == pytest.approx(float(centroids[1] @ centroids[0]))


def test_close_centroids_without_a_shared_keyword_are_still_a_candidate_with_no_evidence_words():
    # The pass merges by centroids alone (c-TF-IDF splits a shared vocabulary between fragments),
    # so the candidates follow the same rule: keywords are shown, not required.
    centroids = np.stack([unit([1, 0]), unit([0.999, 0.0447])])

    [candidate] = merge_candidates(centroids, [("refund",), ("pin",)], of=1, min_similarity=0.9)

    assert candidate.index == 0
    assert candidate.shared_keywords == ()


def test_shared_keywords_far_apart_are_no_candidate_and_an_issue_is_never_its_own():
    centroids = np.stack([unit([1, 0]), unit([0.6, 0.8])])

    assert merge_candidates(centroids, [("card",), ("card",)], of=0, min_similarity=0.85) == []


def test_issues_corrected_with_the_same_words_are_candidates_below_the_close_bar():
    # "What is the fee to Peru?" and "... to Italy?", both corrected the same way: one problem.
    centroids = np.stack([unit([1, 0]), unit([0.6, 0.8]), unit([0, 1])])
    fee = "the transfer fee is 1% of the amount"
    corrections = [frozenset({fee}), frozenset({fee, "other words entirely here"}), frozenset()]

    [candidate] = merge_candidates(centroids, [(), (), ()], of=0, min_similarity=0.85, corrections=corrections)

    assert candidate.index == 1
    assert candidate.shared_corrections == (fee,)
    assert candidate.similarity == pytest.approx(0.6)


def test_a_shared_correction_ties_nothing_when_the_centroids_are_far_apart():
    # A stock correction ("please let me talk to a person") can follow any complaint: on its own it is
    # no sign of one problem unless the complaints are at least about neighbouring things.
    centroids = np.stack([unit([1, 0]), unit([0.4, 0.92])])
    stock = "please let me talk to a person"

    found = merge_candidates(
        centroids, [(), ()], of=0, min_similarity=0.85, corrections=[frozenset({stock}), frozenset({stock})]
    )

    assert found == []


def centroid_of(embedder: SentenceTransformerEmbedder, texts: list[str]) -> np.ndarray:
    """The unit mean of `texts`' embeddings: an issue's centroid, as a pass computes it."""
    total = np.asarray(embedder.embed(texts), dtype=np.float64).sum(axis=0)
    return (total / np.linalg.norm(total)).astype(np.float32)


def test_on_real_embeddings_a_shared_correction_joins_one_problem_asked_two_ways_and_not_two_problems(embedder):
    fees_peru = ["What is the fee to send money to Peru?", "How much does a transfer to Peru cost?"]
    fees_italy = ["What is the fee to Italy?", "How much do you charge for transfers to Italy?"]
    passwords = ["I cannot reset my password", "Password reset email never comes"]
    refunds = ["Where is my refund?", "I was promised a refund weeks ago"]
    centroids = np.stack([centroid_of(embedder, texts) for texts in (fees_peru, fees_italy, passwords, refunds)])
    fee, stock = "the transfer fee is 1% of the amount", "please let me talk to a person"
    corrections = [frozenset({fee}), frozenset({fee}), frozenset({stock}), frozenset({stock})]

    def candidates_of(row: int) -> list[int]:
        found = merge_candidates(centroids, [(), (), (), ()], row, MERGE_SUGGESTION_SIMILARITY, corrections)
        return [candidate.index for candidate in found]

    assert candidates_of(0) == [1]  # the two fee questions: centroid cosine 0.59 on all-MiniLM-L6-v2
    assert candidates_of(2) == []  # password and refund: 0.22, the same stock correction or not


def test_a_close_candidate_carries_the_corrections_it_shares_as_evidence():
    centroids = np.stack([unit([1, 0]), unit([0.999, 0.0447])])
    fee = "the transfer fee is 1% of the amount"

    [candidate] = merge_candidates(
        centroids, [(), ()], of=0, min_similarity=0.9, corrections=[frozenset({fee}), frozenset({fee})]
    )

    assert candidate.shared_corrections == (fee,)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("The transfer fee is 1% of the amount.", "the transfer fee is 1% of the amount"),
        ("  the TRANSFER   fee is 1% of the amount ", "the transfer fee is 1% of the amount"),
        ("That is wrong.", None),  # too short to say what the right answer is
        ("No", None),
    ],
)
def test_a_correction_is_compared_without_case_spacing_or_final_punctuation(text, key):
    assert correction_key(text) == key
