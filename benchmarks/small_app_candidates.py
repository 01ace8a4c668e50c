"""A small app's candidate clusterings as settings, to build each again on other samples (small_apps_stability.py).

A candidate (min_samples m, j closest-first merges) is re-run as: the same m, the minimum cluster
size the pass would use on that many points, noise assigned, then merges while the closest
pair's centroid cosine is at least the candidate's `merge_from`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from clustering.cluster import (  # noqa: E402
    MIN_SAMPLES_CANDIDATES,
    _hdbscan_labels,
    adaptive_min_cluster_size,
    assign_noise_to_nearest,
)
from clustering.merge import MergeStep, merge_steps, typical_member_similarity  # noqa: E402


@dataclass(frozen=True, slots=True)
class Candidate:
    """One (density scale, merges) candidate within the bar, and the cosine from which its construction merges."""

    min_samples: int
    merges: int
    issues: int
    silhouette: float
    merge_from: float
    labels: np.ndarray = field(repr=False)


def construction(
    reduced: np.ndarray, embeddings: np.ndarray, min_samples: int, similarities: np.ndarray | None = None
) -> tuple[list[MergeStep], float | None]:
    """HDBSCAN at `min_samples` (the pass's min cluster size for this many points), noise assigned, every closest-first merge; and the bar."""
    min_cluster_size = adaptive_min_cluster_size(len(embeddings))
    if min_samples >= len(reduced):
        return [], None
    labels = assign_noise_to_nearest(
        embeddings, _hdbscan_labels(reduced, min_cluster_size, min_samples, selection_method="eom")
    )
    return list(merge_steps(embeddings, labels, -np.inf, similarities)), typical_member_similarity(embeddings, labels)


def merged_from(steps: list[MergeStep], cosine: float) -> np.ndarray | None:
    """The labels after merging closest first while the pair's cosine is at least `cosine` (None: no clusters)."""
    if not steps:
        return None
    chosen = steps[0]
    for step in steps[1:]:
        if step.similarity is None or step.similarity < cosine:
            break
        chosen = step
    return chosen.labels


def candidates(reduced: np.ndarray, embeddings: np.ndarray) -> list[Candidate]:
    """The product's candidates: each density scale and its merges within the bar of "close"."""
    similarities = embeddings @ embeddings.T
    found = []
    for min_samples in MIN_SAMPLES_CANDIDATES:
        steps, bar = construction(reduced, embeddings, min_samples, similarities)
        lowest = 1.0
        for number, step in enumerate(steps):
            if step.similarity is not None:
                if bar is None or step.similarity < bar:
                    break
                lowest = min(lowest, step.similarity)
            following = steps[number + 1].similarity if number + 1 < len(steps) else None
            next_pair = lowest if following is None else min(lowest, following)
            issues = len(set(step.labels.tolist()) - {-1})
            found.append(
                Candidate(min_samples, step.merges, issues, step.separation, (lowest + next_pair) / 2, step.labels)
            )
    return found


def rebuilt(reduced: np.ndarray, embeddings: np.ndarray, found: list[Candidate]) -> list[np.ndarray | None]:
    """Each candidate's construction re-run on these points (reduced and original vectors)."""
    similarities = embeddings @ embeddings.T
    steps = {m: construction(reduced, embeddings, m, similarities)[0] for m in {c.min_samples for c in found}}
    return [merged_from(steps[c.min_samples], c.merge_from) for c in found]
