"""Between full passes: give each new complaint to the existing issue it belongs to, or leave it unassigned.

A full pass re-clusters every complaint (UMAP, HDBSCAN, labels, tracking); on a busy app that
is minutes of work for a handful of new items. An incremental pass instead tests each new
item against the issues the last full pass found, by a rule that needs only the new item's
embedding and two numbers kept per issue: its centroid and its admission bar.

The rule, and why it is not `hdbscan.approximate_predict`:

- `approximate_predict` answers in the UMAP space of the clusterer that produced the labels,
  so it needs that clusterer kept per app with its prediction data (tens of MB at 100k points,
  unpickled every pass), the new items placed in that space first, and its labels are
  HDBSCAN's raw ones, before the pass assigned noise, chose `min_samples` and tracked clusters
  into issues. What it computes is still the notion to copy: a new point joins a cluster when
  it sits among that cluster's members at a density the cluster's own members reach, and is
  noise otherwise. The yardstick is the cluster's own spread, not a global threshold.
- Here the same yardstick is taken in the original embedding space, where issues are compared
  across passes (centroids are unit means of the members' embeddings): a new item joins its
  nearest issue (cosine to the centroid) when it is at least as close as the issue's
  `ADMISSION_QUANTILE` quantile of its own members' similarities, i.e. as typical as all but
  the loosest 5 % of them. Being relative to each issue, it needs no retuning for another
  embedding model, and a tight issue admits only close items while a broad one admits more.
- Why stricter than the full pass's own noise rule (`cluster.assign_noise_to_nearest`, which
  admits down to the least typical member): the two errors are not alike. An item wrongly
  admitted between full passes inflates an issue's growth, which opens review tasks and can
  reopen a resolved issue as a regression, and the next full pass takes it back out after the
  fact. An item wrongly left out is only late: it stays unassigned (noise) until the next full
  pass, which comes within `cluster_full_every_hours` or once `cluster_incremental_max_share`
  of the app has changed, and clusters it properly; new issues formed by new items wait for
  it too. So the fringe that HDBSCAN took in through density along an issue's edge is left to
  the full pass.
"""

from __future__ import annotations

import numpy as np

from clustering.cluster import NOISE

__all__ = ["ADMISSION_QUANTILE", "admission_similarity", "assign_to_issues"]

# An item as close to an issue's centroid as all but this share of the issue's own members joins it.
ADMISSION_QUANTILE = 0.05


def admission_similarity(member_similarities: np.ndarray) -> float:
    """The cosine to an issue's centroid from which a new item joins it: the members' `ADMISSION_QUANTILE` quantile."""
    similarities = np.asarray(member_similarities, dtype=np.float64)
    if len(similarities) == 0:
        # No members to measure against: nothing is typical of nothing.
        return float("inf")
    return float(np.quantile(similarities, ADMISSION_QUANTILE))


def assign_to_issues(embeddings: np.ndarray, centroids: np.ndarray, bars: np.ndarray) -> np.ndarray:
    """For each unit row of `embeddings`, the row of its nearest centroid if it clears that issue's bar, else -1.

    `centroids` are the issues' unit centroids (one row each) and `bars` their admission
    similarities. Only the nearest issue is tried, as in the full pass's noise rule: an item
    between two issues belongs to the closer one or to neither, never to the one it is
    further from just because that one is broader.
    """
    embeddings = np.asarray(embeddings, dtype=np.float32)
    labels = np.full(len(embeddings), NOISE, dtype=int)
    if len(embeddings) == 0 or len(centroids) == 0:
        return labels
    similarities = embeddings @ np.asarray(centroids, dtype=np.float32).T
    nearest = similarities.argmax(axis=1)
    close_enough = similarities[np.arange(len(embeddings)), nearest] >= np.asarray(bars)[nearest]
    labels[close_enough] = nearest[close_enough]
    return labels
