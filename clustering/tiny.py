"""Issues in a tiny app (fewer than 50 complaints): split top-down while the parts are distinct issues.

A new app's first complaints are a few dozen about one to a handful of problems. The pass for
bigger apps does not fit them: UMAP is skipped below 50 points, and HDBSCAN on the raw vectors,
with its smallest cluster at 3, cuts one problem along its phrasings ("close" / "cancel" /
"delete my account": five issues for one in the demo) and leaves many complaints as noise. It
also never answers "one issue": without `allow_single_cluster` it must find at least two, and
with it, it merged two clear topics of ten complaints. The question a tiny app asks is the other
way round: is this one issue or two? So the pass starts from all complaints as one group and
splits a group in two (2-means on the unit vectors) only where the two parts are distinct:

    r = mean cosine across the parts / sqrt(mean cosine within part A x within part B)

Within-part means leave out each complaint's similarity to itself, so r does not depend on how
many complaints a part has: it is the cosine between the parts' centres with the sampling noise
of small parts taken out (for two large groups it is their centroid cosine). Two halves of one
issue score near 1 (cut at random, exactly 1 in expectation; 2-means cuts along the issue's widest
spread, which lowers it); two unrelated issues score near 0. The parts are distinct below
`DISTINCT_BELOW`, 0.6: that is where banking77's intents sit, taken whole (the model's idea of
distinct issues, not a tiny draw): 90 % of its 2,926 intent pairs have centres at cosine below
0.60 (median 0.33), while all-MiniLM-L6-v2 puts a member at cosine 0.77 from its own intent's
centre on average. Being a ratio of cosines, the bar holds for another model as long as unrelated
texts sit near cosine 0 (true of MiniLM-style sentence models; a model whose unrelated texts sit
at 0.7 would need its own bar).

A distinct part smaller than `min_size` (3, the pass's smallest issue) is set aside and the rest
tried again: two odd complaints are not an issue and should not stop the others from being split;
set aside, they are noise, and join the nearest issue afterwards if they are as close to it as its
members (`cluster.assign_noise_to_nearest`, as in every pass).
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["DISTINCT_BELOW", "MAX_POINTS", "bisect_while_distinct", "halves", "part_similarity"]

# Below this many complaints a pass clusters with `bisect_while_distinct` (the same boundary below
# which UMAP is skipped: ReductionParams.min_points_for_umap, cluster.MIN_POINTS_FOR_SELECTION).
MAX_POINTS = 50
# Two parts whose debiased centre cosine is below this are two issues (module docstring says why).
DISTINCT_BELOW = 0.6
NOISE = -1


def _within(vectors: np.ndarray) -> float:
    # Mean cosine over distinct pairs: a complaint's similarity to itself (1) would make small parts look tight.
    count = len(vectors)
    total = vectors.sum(axis=0)
    return float((total @ total - np.einsum("ij,ij->", vectors, vectors)) / (count * (count - 1)))


def part_similarity(first: np.ndarray, second: np.ndarray) -> float:
    """How alike two parts are, from 1 (one issue cut at random) to 0 (unrelated): see the module docstring.

    A part of one complaint has no spread of its own: it is taken to be as spread as the other
    part (two single complaints: their cosine). A part whose members are not alike at all (mean
    cosine <= 0) is no issue to compare with, and scores 0.
    """
    first_within = _within(first) if len(first) > 1 else None
    second_within = _within(second) if len(second) > 1 else None
    within = (first_within or second_within or 1.0) * (second_within or first_within or 1.0)
    if (first_within is not None and first_within <= 0) or (second_within is not None and second_within <= 0):
        return 0.0
    across = float(first.sum(axis=0) @ second.sum(axis=0)) / (len(first) * len(second))
    return across / float(np.sqrt(within))


def halves(vectors: np.ndarray) -> np.ndarray:
    """0 or 1 per vector: a seeded 2-means cut of `vectors` along their widest spread."""
    from sklearn.cluster import KMeans

    with warnings.catch_warnings():
        # Identical complaints give fewer distinct points than clusters; KMeans warns and copes.
        warnings.simplefilter("ignore")
        found = KMeans(n_clusters=2, n_init=10, random_state=0).fit_predict(vectors)
    return np.asarray(found, dtype=int)


def bisect_while_distinct(
    embeddings: np.ndarray, min_size: int = 3, distinct_below: float = DISTINCT_BELOW
) -> np.ndarray:
    """Labels for a tiny app's unit vectors: 0..k-1 per issue, -1 for complaints set aside (noise).

    Starting from all complaints as one issue, each group is cut in two and kept cut only when the
    parts are distinct (`part_similarity` below `distinct_below`), then each part is tried again.
    A group of fewer than `min_size` complaints is noise; a distinct part of fewer than `min_size`
    is set aside as noise and the rest tried again.
    """
    vectors = np.asarray(embeddings, dtype=np.float64)
    labels = np.full(len(vectors), NOISE, dtype=int)
    pending = [np.arange(len(vectors))]
    issues = 0
    while pending:
        group = pending.pop()
        while len(group) >= 2 * min_size:
            halves_of = halves(vectors[group])
            first, second = group[halves_of == 0], group[halves_of == 1]
            smaller, larger = (first, second) if len(first) < len(second) else (second, first)
            if len(smaller) == 0 or part_similarity(vectors[first], vectors[second]) >= distinct_below:
                break  # one issue
            if len(smaller) < min_size:
                group = larger  # the few are set aside; see whether the rest still holds two issues
                continue
            pending += [second, first]
            group = group[:0]
        if len(group) >= min_size:
            labels[group] = issues
            issues += 1
    return labels
