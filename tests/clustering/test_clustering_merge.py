"""Merge candidates: issues whose centroids are as close as the pass's bar are offered as one, with shared keywords as evidence."""

from __future__ import annotations

import numpy as np
import pytest

from clustering.merge import correction_key, merge_candidates


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


def test_issues_corrected_with_the_same_words_are_candidates_however_far_apart_their_centroids():
    # "What is the fee to Peru?" and "... to Italy?", both corrected the same way: one problem.
    centroids = np.stack([unit([1, 0]), unit([0.6, 0.8]), unit([0, 1])])
    fee = "the transfer fee is 1% of the amount"
    corrections = [frozenset({fee}), frozenset({fee, "other words entirely here"}), frozenset()]

    [candidate] = merge_candidates(centroids, [(), (), ()], of=0, min_similarity=0.85, corrections=corrections)

    assert candidate.index == 1
    assert candidate.shared_corrections == (fee,)
    assert candidate.similarity == pytest.approx(0.6)


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
