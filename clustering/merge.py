"""Name the pairs of issues a person would merge: centroids very close and a keyword in common.

Clustering keeps apart what the embeddings keep apart; two issues about one problem can still
come out of a run, for instance when people phrase the same complaint in two stock ways. A
person merges them in seconds once shown the pair, so the pass does not guess: it offers
them (`GET /api/issues/{id}/merge-candidates`), and the person decides.

An automatic rule was measured and dropped: whether two clusters' members form one hump or
two along the line joining their centres (debiased for the noise of sample means) did not
tell fragments of one banking77 intent from neighbouring intents on the small-app tuning
draws (both 4-15 pooled standard deviations apart), so it would merge wrongly or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["MERGE_SUGGESTION_SIMILARITY", "MergeCandidate", "merge_candidates"]

# Centroid cosine from which two issues sharing a keyword are offered to a person as one
# (all-MiniLM-L6-v2 vectors). On the small-app tuning draws (benchmarks/small_apps.py, seeds
# 101-106), neighbouring issues about different intents reached 0.83 and fragments of one
# intent up to 0.90: above 0.85 a pair is plainly the same thing, below it a person would
# have to read the examples. A suggestion only: the person decides, nothing merges by itself.
MERGE_SUGGESTION_SIMILARITY = 0.85


@dataclass(frozen=True, slots=True)
class MergeCandidate:
    """Another issue that looks like the same problem: how close the centres are and which keywords both carry."""

    index: int
    similarity: float
    shared_keywords: tuple[str, ...]


def merge_candidates(
    centroids: np.ndarray, keywords: Sequence[Sequence[str]], of: int, min_similarity: float
) -> list[MergeCandidate]:
    """The clusters that row `of` could plainly be merged with: centroid cosine >= `min_similarity` and a keyword in common.

    `centroids` are unit vectors, one per cluster, with `keywords` in the same order; the
    result is ordered most similar first and never includes `of` itself.
    """
    if len(centroids) == 0:
        return []
    similarities = np.asarray(centroids, dtype=np.float32) @ np.asarray(centroids[of], dtype=np.float32)
    own = set(keywords[of])
    found = []
    for index in np.argsort(-similarities, kind="stable"):
        if index == of or similarities[index] < min_similarity:
            continue
        shared = tuple(word for word in keywords[index] if word in own)
        if shared:
            found.append(MergeCandidate(int(index), float(similarities[index]), shared))
    return found
