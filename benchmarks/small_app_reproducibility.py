"""Whether a small app's candidate clusterings come back: subsample stability, prediction strength, layout reproducibility.

The measures small_apps_stability.py weighs its rules by; its docstring says how each is taken.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from small_app_candidates import Candidate, rebuilt  # noqa: E402

from clustering.reduce import ReductionParams, reduce_embeddings  # noqa: E402

SUBSAMPLES = 5
SUBSAMPLE_SHARE = 0.8
HALVINGS = 2
LAYOUTS = 5
# One fixed seed per pass, as UMAP's random_state: the same app gives the same subsamples.
SEED = 42


def agreement(first: np.ndarray, second: np.ndarray | None) -> float:
    """ARI of two labellings of the same items, over the items both cluster (0 when either has none)."""
    from sklearn.metrics import adjusted_rand_score

    if second is None:
        return 0.0
    kept = (first >= 0) & (second >= 0)
    if kept.sum() < 2:
        return 0.0
    return float(adjusted_rand_score(first[kept], second[kept]))


def stability(
    reduced: np.ndarray, embeddings: np.ndarray, found: list[Candidate], refit: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate, the mean and standard error of its ARI with its re-run on 80 % subsamples."""
    rng = np.random.default_rng(SEED)
    n = len(embeddings)
    scores = np.zeros((SUBSAMPLES, len(found)))
    for number in range(SUBSAMPLES):
        rows = np.sort(rng.choice(n, size=round(SUBSAMPLE_SHARE * n), replace=False))
        vectors = embeddings[rows]
        coordinates = reduce_embeddings(vectors, ReductionParams()) if refit else reduced[rows]
        again = rebuilt(np.asarray(coordinates, dtype=np.float64), vectors, found)
        scores[number] = [agreement(c.labels[rows], labels) for c, labels in zip(found, again, strict=True)]
    return scores.mean(axis=0), scores.std(axis=0, ddof=1) / np.sqrt(SUBSAMPLES)


def kept_together(
    train_vectors: np.ndarray, train_labels: np.ndarray | None, test_vectors: np.ndarray, test_labels: np.ndarray | None
) -> tuple[float, float]:
    """Prediction strength of one split: the min and the member-weighted mean over test clusters of pairs kept together."""
    if train_labels is None or test_labels is None:
        return 0.0, 0.0
    ids = np.array(sorted(set(train_labels.tolist()) - {-1}))
    if len(ids) == 0:
        return 0.0, 0.0
    centroids = np.stack([train_vectors[train_labels == i].mean(axis=0) for i in ids])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    predicted = (test_vectors @ centroids.T).argmax(axis=1)
    shares, sizes = [], []
    for cluster in set(test_labels.tolist()) - {-1}:
        members = predicted[test_labels == cluster]
        if len(members) < 2:
            continue
        counts = np.bincount(members)
        shares.append(float((counts * (counts - 1)).sum()) / (len(members) * (len(members) - 1)))
        sizes.append(len(members))
    if not shares:
        return 0.0, 0.0
    return min(shares), float(np.average(shares, weights=sizes))


def prediction_strength(embeddings: np.ndarray, found: list[Candidate]) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate, the mean over two halvings (both ways) of its min and member-weighted prediction strength."""
    rng = np.random.default_rng(SEED)
    n = len(embeddings)
    minimum = np.zeros((2 * HALVINGS, len(found)))
    weighted = np.zeros((2 * HALVINGS, len(found)))
    for number in range(HALVINGS):
        order = rng.permutation(n)
        halves = [np.sort(order[: n // 2]), np.sort(order[n // 2 :])]
        labels = []
        for rows in halves:
            vectors = embeddings[rows]
            labels.append(
                rebuilt(np.asarray(reduce_embeddings(vectors, ReductionParams()), np.float64), vectors, found)
            )
        for way, (train, test) in enumerate(((0, 1), (1, 0))):
            for index in range(len(found)):
                low, mean = kept_together(
                    embeddings[halves[train]], labels[train][index], embeddings[halves[test]], labels[test][index]
                )
                minimum[2 * number + way, index] = low
                weighted[2 * number + way, index] = mean
    return minimum.mean(axis=0), weighted.mean(axis=0)


def layout_reproducibility(
    reduced: np.ndarray, embeddings: np.ndarray, found: list[Candidate]
) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate, the mean and standard error of its ARI with its re-run on five other UMAP layouts of all items."""
    scores = np.zeros((LAYOUTS, len(found)))
    for number in range(LAYOUTS):
        coordinates = reduce_embeddings(embeddings, ReductionParams(random_state=SEED + 1 + number))
        again = rebuilt(np.asarray(coordinates, dtype=np.float64), embeddings, found)
        scores[number] = [agreement(c.labels, labels) for c, labels in zip(found, again, strict=True)]
    return scores.mean(axis=0), scores.std(axis=0, ddof=1) / np.sqrt(LAYOUTS)
