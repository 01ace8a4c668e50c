"""A full pass's optional LLM judge, cutting: ask whether a cluster's two halves are one problem, cut those it calls two.

With `merge_judge_model` set, on an app of 50-2,000 complaints, after clustering and before the
merge judge (`gateway.discovery.merge_judging`), each cluster whose 2-means halves are not close by
the pass's own bar (`clustering.split_judge.splits_to_judge`: most distinct first) is put to the same judge with the
same question as a merge, "are these two groups one problem?", about its two halves (their
keywords among the pass's clusters and three typical complaints each). Halves it calls two
problems become two clusters; the merge judge then asks about the pass's closest pairs, never
joining a cut cluster's halves again. Both steps share one bound, `merge_judge_max_questions` a
pass: cuts are asked first, merges get what is left.

What people did holds: a cluster holding complaints of an issue a person acted on (renamed,
merged into, resolved or dismissed: `merge_judging.acted_on_issues`) is never put to the judge.
A failed or malformed answer leaves the cluster whole. Answers are kept as merge answers are.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from clustering.cluster import (
    adaptive_min_cluster_size,
)
from clustering.label import ctfidf_keywords, representative_indices
from clustering.llm_judge import IssueExhibit
from clustering.pipeline import DiscoveredCluster
from clustering.split_judge import SplitToJudge, split_bar, split_judged, splits_to_judge
from gateway.counted import counted
from gateway.discovery.merge_judging import (
    JudgedComplaints,
    MergeJudging,
    acted_on_issues,
    cluster_labels,
    judge_answers,
    judge_merges,
    kept_apart,
)
from gateway.store.issue_records import TrackedIssue
from gateway.store.merge_judgements import MergeJudgementStore

__all__ = ["JudgedSplits", "held_by_acted_on", "judge_clusters", "judge_splits"]

logger = logging.getLogger("feedgate.discovery")


@dataclass(frozen=True, slots=True)
class JudgedSplits:
    """The clusters after the cuts, how many questions were asked, and the positions of cut halves (kept apart)."""

    clusters: list[DiscoveredCluster]
    questions: int
    apart: set[frozenset[int]]


def held_by_acted_on(clusters: Sequence[DiscoveredCluster], tracked: Mapping[str, TrackedIssue]) -> set[int]:
    """Positions of the clusters holding any complaint filed under an issue a person acted on: never cut."""
    acted_on = acted_on_issues(tracked)
    filed = {member for issue in tracked.values() if issue.id in acted_on for member in issue.member_ids}
    return {position for position, cluster in enumerate(clusters) if filed.intersection(cluster.member_ids)}


async def judge_clusters(
    clusters: list[DiscoveredCluster],
    complaints: JudgedComplaints,
    judging: MergeJudging,
    tracked: Mapping[str, TrackedIssue],
    kept: MergeJudgementStore | None = None,
) -> list[DiscoveredCluster]:
    """`clusters` after the judge's cuts, then its merges, within one bound of questions (see the module docstring)."""
    cut = await judge_splits(clusters, complaints, judging, held_by_acted_on(clusters, tracked), kept)
    apart = kept_apart(cut.clusters, tracked) | cut.apart
    left = replace(judging, max_questions=judging.max_questions - cut.questions)
    return await judge_merges(cut.clusters, complaints, left, apart, kept)


async def judge_splits(
    clusters: list[DiscoveredCluster],
    complaints: JudgedComplaints,
    judging: MergeJudging,
    keep_whole: set[int],
    kept: MergeJudgementStore | None = None,
) -> JudgedSplits:
    """`clusters` with those the judge calls two problems cut in two (as given when it cuts none).

    `keep_whole` holds positions never put to the judge. `kept` holds answers earlier passes stored.
    """
    if not complaints.judged() or not clusters:
        return JudgedSplits(clusters, 0, set())
    labels = cluster_labels(len(complaints.ids), clusters)
    splits = await asyncio.to_thread(
        splits_to_judge,
        complaints.vectors,
        labels,
        min_size=adaptive_min_cluster_size(len(complaints.ids)),
        max_splits=judging.max_questions,
        distinct_below=split_bar(clusters),
        keep_whole=keep_whole,
    )
    if not splits:
        return JudgedSplits(clusters, 0, set())
    shown = await asyncio.to_thread(_halves_shown, splits, labels, complaints)
    questions = [judging.judge.question(first, second) for first, second in shown]
    answers = await judge_answers(judging.judge, questions, kept)
    cut, apart = split_judged(labels, splits, answers)
    cuts = len(apart)
    logger.info(
        "merge judge: %s asked about cutting, %d answered two problems, %d without an answer",
        counted(len(splits), "cluster"),
        cuts,
        sum(answer is None for answer in answers),
    )
    if not cuts:
        return JudgedSplits(clusters, len(splits), set())
    described = await asyncio.to_thread(complaints.described, cut, clusters[0].merge_similarity)
    at = {int(cut[c.member_indices[0]]): n for n, c in enumerate(described)}
    return JudgedSplits(described, len(splits), {frozenset(at[label] for label in pair) for pair in apart})


def _halves_shown(
    splits: Sequence[SplitToJudge],
    labels: np.ndarray,
    complaints: JudgedComplaints,
) -> list[tuple[IssueExhibit, IssueExhibit]]:
    """What the judge is shown of each split's halves: keywords among all clusters (every candidate cut), typical texts."""
    # Keywords set each half apart from the other clusters and from its sibling, as a merge question's do.
    documents, params = complaints.documents, complaints.params
    every_cut, _ = split_judged(labels, splits, [False] * len(splits))
    keywords = ctfidf_keywords(documents, every_cut, top_n=params.keywords_per_cluster, topics=complaints.topics)
    shown = []
    for split in splits:
        halves = []
        for members in (split.first, split.second):
            label = int(every_cut[members[0]])
            typical = representative_indices(complaints.vectors, members, top_n=params.examples_per_cluster)
            halves.append(IssueExhibit(tuple(keywords.get(label, [])), tuple(documents[i] for i in typical)))
        shown.append((halves[0], halves[1]))
    return shown
