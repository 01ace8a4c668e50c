"""benchmarks/small_app_merge_offers.py: the pairs the merge-candidates rule offers, and a person accepting them all."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from blobs import unit_blobs

from clustering.merge import MERGE_SUGGESTION_SIMILARITY
from clustering.pipeline import DiscoveredCluster

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture
def offers(monkeypatch: pytest.MonkeyPatch):
    """The benchmark module, imported as its script imports its siblings."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import small_app_merge_offers

    yield small_app_merge_offers
    sys.modules.pop("small_app_merge_offers", None)


def clusters_of(vectors: np.ndarray, labels: np.ndarray) -> list[DiscoveredCluster]:
    """One DiscoveredCluster per label, centroid the members' unit mean, no keywords."""
    found = []
    for label in sorted(set(labels.tolist()) - {-1}):
        members = np.flatnonzero(labels == label)
        centroid = vectors[members].mean(axis=0)
        found.append(
            DiscoveredCluster(
                member_indices=tuple(members.tolist()),
                member_ids=tuple(str(i) for i in members),
                centroid=centroid / np.linalg.norm(centroid),
                keywords=(),
                title="",
                representative_ids=(),
                representative_texts=(),
            )
        )
    return found


def test_a_big_blob_cut_in_two_is_offered_and_distinct_blobs_are_not(offers):
    vectors, truth = unit_blobs([60, 12, 5], seed=3)
    # The big blob cut in two pieces, as HDBSCAN cuts a big issue along its phrasings.
    labels = np.where(truth == 0, np.arange(len(truth)) % 2, truth + 1)

    pairs = offers.offered_pairs(clusters_of(vectors, labels), MERGE_SUGGESTION_SIMILARITY)

    assert pairs == {(0, 1)}


def test_accepting_every_pair_merges_chains_and_leaves_noise(offers):
    labels = np.array([0, 1, 2, 3, -1, 2])

    merged = offers.accepted(labels, {(0, 1), (1, 2)})

    assert merged.tolist() == [0, 0, 0, 1, -1, 0]
