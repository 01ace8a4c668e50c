"""A judge's splits: which of a pass's clusters may hold two problems, and cutting those it calls two.

A join-only judge (`clustering.merge_judge`) mends a problem cut into pieces, not two problems in
one cluster: on the held-out small-app draws it left, with a perfect judge, 4 of 12 draws with too
few issues (0.54-0.79 per true group). This module is pure: it picks the clusters to ask about and
applies the answers; the judge is asked elsewhere, with the same question as a merge ("are these
two groups one problem?") about the cluster's two halves.

**Which clusters.** Each cluster is cut in two by 2-means on its members' unit vectors
(`clustering.tiny.halves`, as a tiny app's pass cuts). It is a candidate when

- each half holds at least `min_size` complaints: the smallest issue the pass itself keeps
  (`cluster.adaptive_min_cluster_size` of the app: 4-8 on 300-1,000 complaints), so neither
  half is something the pass would not call an issue; and
- the halves are not "close" by the pass's own bar (`split_bar`: the run's
  `merge.typical_member_similarity`, 0.79-0.85 on banking77, under which the pass never merges
  two clusters), measured as `tiny.part_similarity` (their centre cosine, small halves' sampling
  noise taken out). Halves as distinct as two clusters the pass would keep apart may be two
  issues; halves closer than that are one issue's spread, and are not asked about.

Why not the bar a tiny app's pass cuts at (`tiny.DISTINCT_BELOW`, 0.6, where unrelated intents
sit)? The two problems the pass puts in one cluster are neighbours: on the development draws
(benchmarks/small_apps_judge.py) the halves of clusters whose second intent has 5 or more members
sat at 0.5-0.6 for 9 of 134, at 0.7-0.9 for 108, the range of one intent's own spread. With 0.6,
0.3 clusters a pass were asked about and no draw changed; a bar on the halves cannot tell two
neighbouring problems from one, someone reading their complaints can, so the bar only keeps the
questions to halves the pass would not have merged.

Candidates are asked about most distinct first, at most `max_splits` a pass; one level only (a
half is not cut again in the same pass: the next pass clusters anew and, with the answer kept,
cuts the same way).

**Which cuts.** A cluster the judge calls two problems (answer False) is cut: its second half
takes a new label. "Same" or no answer (the call failed) leaves it whole. The halves of a cut
cluster were judged apart, so the merge step after it is told to keep them apart.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from clustering.cluster import NOISE
from clustering.merge import MERGE_SUGGESTION_SIMILARITY
from clustering.pipeline import DiscoveredCluster
from clustering.tiny import halves, part_similarity

__all__ = ["SplitToJudge", "split_bar", "split_judged", "splits_to_judge"]


@dataclass(frozen=True, slots=True)
class SplitToJudge:
    """A cluster (its label) cut in two: the item indices of each half, and how alike the halves are."""

    label: int
    first: tuple[int, ...]
    second: tuple[int, ...]
    similarity: float


def split_bar(clusters: Sequence[DiscoveredCluster]) -> float:
    """The bar under which a cluster's halves are asked about: the pass's bar of "close" (the fallback one if unmeasured)."""
    measured = clusters[0].merge_similarity if clusters else None
    return MERGE_SUGGESTION_SIMILARITY if measured is None else measured


def splits_to_judge(
    embeddings: np.ndarray,
    labels: np.ndarray,
    *,
    min_size: int,
    max_splits: int,
    distinct_below: float,
    keep_whole: Collection[int] = (),
) -> list[SplitToJudge]:
    """The clusters to ask a judge about, cut in halves, most distinct first (see the module docstring).

    `embeddings` are unit vectors, `labels` their clusters (negative: noise). Halves are asked about when
    their `part_similarity` is below `distinct_below` (`split_bar`). Labels in `keep_whole` are never cut.
    """
    if max_splits < 1:
        return []
    vectors = np.asarray(embeddings, dtype=np.float64)
    given = np.asarray(labels)
    found: list[SplitToJudge] = []
    for label in sorted(set(given.tolist()) - {NOISE} - set(keep_whole)):
        members = np.flatnonzero(given == label)
        if len(members) < 2 * min_size:
            continue
        cut = halves(vectors[members])
        first, second = members[cut == 0], members[cut == 1]
        if min(len(first), len(second)) < min_size:
            continue
        similarity = part_similarity(vectors[first], vectors[second])
        if similarity < distinct_below:
            found.append(SplitToJudge(int(label), tuple(first.tolist()), tuple(second.tolist()), similarity))
    found.sort(key=lambda split: (split.similarity, split.label))
    return found[:max_splits]


def split_judged(
    labels: np.ndarray, splits: Sequence[SplitToJudge], answers: Sequence[bool | None]
) -> tuple[np.ndarray, set[frozenset[int]]]:
    """`labels` with each cluster judged two problems cut (its second half a new label), and the cut pairs' labels.

    `answers[i]` is the judge's answer on `splits[i]`'s halves: True (one problem: left whole),
    False (two: cut), None (no answer: left whole). Other labels and noise are unchanged.
    """
    if len(splits) != len(answers):
        raise ValueError(f"{len(splits)} splits but {len(answers)} answers")
    cut = np.array(labels, copy=True)
    next_label = int(cut.max()) + 1 if len(cut) else 0
    apart: set[frozenset[int]] = set()
    for split, answer in zip(splits, answers, strict=True):
        # bool(): numpy's booleans are answers too; only a definite "two problems" cuts.
        if answer is None or bool(answer):
            continue
        cut[list(split.second)] = next_label
        apart.add(frozenset((split.label, next_label)))
        next_label += 1
    return cut, apart
