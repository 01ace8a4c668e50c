"""Tiny apps (fewer than 50 complaints): split top-down while the parts are distinct issues (clustering.tiny)."""

from __future__ import annotations

import numpy as np
import pytest
from blobs import random_unit_vector, unit_blobs
from real_complaints import CARD_DELIVERY, discovered
from sklearn.metrics import adjusted_rand_score

from clustering import ClusteringParams, DiscoveryParams, FeedbackItem
from clustering.cluster import NOISE, cluster_points, cluster_with_merge_bar
from clustering.embed import SentenceTransformerEmbedder
from clustering.tiny import bisect_while_distinct, part_similarity

PREVIOUS_RULE = ClusteringParams(bisect_tiny_apps=False)


def issue_count(labels: np.ndarray) -> int:
    return len(set(labels.tolist()) - {NOISE})


def one_issue_in_phrasings(per_phrasing: int = 6, phrasings: int = 4, seed: int = 0) -> np.ndarray:
    """One issue asked several ways: each phrasing a tight clump, the clumps around one centre (cosine ~0.8)."""
    rng = np.random.default_rng(seed)
    centre = rng.normal(size=384)
    centre /= np.linalg.norm(centre)
    points = []
    for _ in range(phrasings):
        phrasing = centre + rng.normal(scale=0.5 / np.sqrt(384), size=384)
        points += [phrasing + rng.normal(scale=0.25 / np.sqrt(384), size=384) for _ in range(per_phrasing)]
    vectors = np.asarray(points)
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_halves_of_one_issue_are_alike_and_unrelated_issues_are_not():
    vectors, _ = unit_blobs([20])
    assert part_similarity(vectors[:10], vectors[10:]) == pytest.approx(1.0, abs=0.05)
    two, truth = unit_blobs([10, 10])
    assert part_similarity(two[truth == 0], two[truth == 1]) == pytest.approx(0.0, abs=0.1)


def test_part_similarity_does_not_grow_with_how_small_the_parts_are():
    # Centroid cosine of 3-point parts of one issue is far below 1 (each centroid carries its
    # members' noise); leaving self-similarity out removes that, so small parts are judged alike.
    vectors, _ = unit_blobs([30], spread=1.2)
    small = [part_similarity(vectors[i : i + 3], vectors[i + 3 : i + 6]) for i in range(0, 24, 6)]
    centroid_cosines = []
    for i in range(0, 24, 6):
        first, second = vectors[i : i + 3].mean(axis=0), vectors[i + 3 : i + 6].mean(axis=0)
        centroid_cosines.append(first @ second / np.linalg.norm(first) / np.linalg.norm(second))
    assert np.mean(centroid_cosines) < 0.75
    assert np.mean(small) > 0.85


def test_one_issue_asked_several_ways_stays_one_issue():
    vectors = one_issue_in_phrasings()
    assert issue_count(bisect_while_distinct(vectors)) == 1
    labels = cluster_points(vectors, vectors)
    assert issue_count(labels) == 1
    assert (labels != NOISE).all()
    # The previous rule (HDBSCAN, smallest cluster 3) cut it along its phrasings.
    assert issue_count(cluster_points(vectors, vectors, PREVIOUS_RULE)) >= 2


@pytest.mark.parametrize("sizes", [[12, 3], [20, 9, 5], [8, 6, 5, 4, 3, 3]])
def test_distinct_issues_of_uneven_sizes_are_found(sizes):
    vectors, truth = unit_blobs(sizes, spread=0.6, seed=len(sizes))
    labels = cluster_points(vectors, vectors)
    assert adjusted_rand_score(truth, labels) == 1.0


def test_a_pair_of_odd_complaints_is_set_aside_and_the_rest_still_split():
    vectors, truth = unit_blobs([14, 10], spread=0.6)
    odd = np.vstack([random_unit_vector(seed=1), random_unit_vector(seed=2)])
    labels = bisect_while_distinct(np.vstack([vectors, odd]))
    assert adjusted_rand_score(truth, labels[:24]) == 1.0
    assert (labels[24:] == NOISE).all()
    # And the pass keeps them out: they are as far from both issues as from each other.
    labels = cluster_points(np.vstack([vectors, odd]), np.vstack([vectors, odd]))
    assert (labels[24:] == NOISE).all()


def test_one_complaint_is_compared_with_a_part_as_its_members_are_with_each_other():
    vectors, _ = unit_blobs([8])
    assert part_similarity(vectors[:1], vectors[1:]) == pytest.approx(1.0, abs=0.05)
    assert part_similarity(vectors[:1], vectors[1:2]) == pytest.approx(float(vectors[0] @ vectors[1]))


def test_identical_complaints_are_one_issue_and_fewer_than_three_none():
    same = np.tile(random_unit_vector(), (5, 1))
    assert bisect_while_distinct(same).tolist() == [0] * 5
    assert (bisect_while_distinct(same[:2]) == NOISE).all()


def test_tiny_apps_report_their_bar_of_close():
    vectors, _ = unit_blobs([10, 10], spread=0.6)
    clustering = cluster_with_merge_bar(vectors, vectors)
    assert issue_count(clustering.labels) == 2
    assert clustering.merge_similarity is not None and 0.5 < clustering.merge_similarity < 1.0


def test_from_50_points_the_rule_is_not_used():
    vectors, _ = unit_blobs([30, 20], spread=0.6)
    with_rule = cluster_points(vectors, vectors)
    without = cluster_points(vectors, vectors, PREVIOUS_RULE)
    assert np.array_equal(with_rule, without)


def titles_and_sizes(
    items: list[FeedbackItem], embedder: SentenceTransformerEmbedder, params: DiscoveryParams | None = None
):
    return [(cluster.size, cluster.title) for cluster in discovered(items, embedder, params)]


def test_one_real_problem_asked_five_ways_with_three_comments_is_one_issue(embedder):
    # The new user's walkthrough: an app's first complaints, all about closing an account.
    openers = ["How do I close my account", "I want to cancel my account", "Help me delete my account",
               "Where can I close my account", "Can you close my account"]  # fmt: skip
    endings = ["in the app?", "today, please.", "and get my money out?", "for good?", "right now?"]
    comments = ["It should tell me how to close my account", "Not helpful: how do I close my account?",
                "Useless, I just want to close my account"]  # fmt: skip
    asked = [f"{opener} {ending}" for opener in openers for ending in endings][:24]
    items = [
        FeedbackItem(str(i), "demo", question, "Sorry, I cannot help with account questions.", comments[i % 3])
        for i, question in enumerate(asked)
    ]
    found = titles_and_sizes(items, embedder)
    assert [size for size, _ in found] == [24]
    assert len(titles_and_sizes(items, embedder, DiscoveryParams(clustering=PREVIOUS_RULE))) >= 2


def test_real_complaints_of_three_problems_of_uneven_sizes(embedder):
    complaints = {
        "card": CARD_DELIVERY,
        "twice": [
            "I was charged twice for the same purchase",
            "There is a duplicate payment on my statement",
            "The same transaction appears two times on my account",
            "I got billed double for one order",
            "Why was my payment taken twice?",
        ],
        "pin": ["I forgot my PIN", "How do I reset my PIN code?", "My PIN is blocked after three tries"],
    }
    truth = [group for group, texts in complaints.items() for _ in texts]
    items = [
        FeedbackItem(str(i), "bank", text)
        for i, text in enumerate(text for texts in complaints.values() for text in texts)
    ]
    labels = np.full(len(items), NOISE)
    for number, cluster in enumerate(discovered(items, embedder)):
        labels[list(cluster.member_indices)] = number
    assert adjusted_rand_score(truth, labels) == 1.0
