"""A full pass's optional LLM merge judge: ask about the closest pairs of a small app's clusters, join those it calls one.

Off unless `merge_judge_model` is set. On an app of 50-2,000 complaints (where the pass already
merges close clusters: `clustering.cluster`), after clustering and the judge's cuts
(`gateway.discovery.split_judging`, which share the bound) and before tracking, each cluster's
nearest clusters are put to the judge (`clustering.merge_judge.pairs_to_judge`, at most
`merge_judge_max_questions` a pass), a few at a time on worker threads; the pairs it calls one
problem are joined as the pass's own merges are (they bind no later pass, unlike a person's).
A failed or malformed answer leaves its pair apart and is logged; answers are kept by their
question's hash, by the judge for the process's life (`clustering.llm_judge`) and in the database
(`gateway.store.merge_judgements`), so a pass showing it the same issues again asks nothing.

What people did holds: complaints a person merged were joined before (`clustering.kept_together`),
and two clusters holding two issues a person has acted on (triaged, renamed or merged into) are
never put to the judge: they looked at both and kept them as two.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from clustering.cluster import MAX_POINTS_FOR_SELECTION, MIN_POINTS_FOR_SELECTION, NOISE
from clustering.llm_judge import IssueExhibit, JudgeQuestion, LLMMergeJudge
from clustering.merge_judge import DEFAULT_NEIGHBOURS, judged_labels, pairs_to_judge
from clustering.pipeline import DiscoveredCluster, DiscoveryParams, describe_clusters
from gateway.counted import counted
from gateway.store.issue_records import TrackedIssue
from gateway.store.merge_judgements import MergeJudgementStore

__all__ = [
    "JUDGE_CONCURRENCY",
    "JudgedComplaints",
    "MergeJudging",
    "acted_on_issues",
    "cluster_labels",
    "judge_answers",
    "judge_merges",
    "kept_apart",
]

# Questions in flight at once: enough to keep a pass short, few enough not to flood the model's rate limit.
JUDGE_CONCURRENCY = 4


@dataclass(frozen=True, slots=True)
class JudgedComplaints:
    """A pass's complaints as the judge's questions and the clusters it reshapes are built from."""

    ids: Sequence[str]
    documents: Sequence[str]
    vectors: np.ndarray
    params: DiscoveryParams
    # Each document's lines that say what it is about, whose words the keywords rank first (None: all alike).
    topics: Sequence[str] | None = None

    def judged(self) -> bool:
        """Whether the app is one the judge is for: 50-2,000 complaints, where the pass merges close clusters."""
        return MIN_POINTS_FOR_SELECTION <= len(self.ids) <= MAX_POINTS_FOR_SELECTION

    def described(self, labels: np.ndarray, merge_bar: float | None) -> list[DiscoveredCluster]:
        """The clusters `labels` draw, described as the pass describes its own."""
        return describe_clusters(self.ids, self.documents, self.vectors, labels, self.params, merge_bar, self.topics)


def cluster_labels(size: int, clusters: Sequence[DiscoveredCluster]) -> np.ndarray:
    """Each complaint's cluster position (NOISE for none), as the judge's rules take clusters."""
    labels = np.full(size, NOISE, dtype=int)
    for position, cluster in enumerate(clusters):
        labels[list(cluster.member_indices)] = position
    return labels


logger = logging.getLogger("feedgate.discovery")


@dataclass(frozen=True, slots=True)
class MergeJudging:
    """The judge, how many questions a pass may ask it, and how long its answer to one stands."""

    judge: LLMMergeJudge
    max_questions: int
    # `merge_judge_answer_days`: an older answer is asked again (gateway.store.merge_judgements).
    answer_lifetime: timedelta


def acted_on_issues(tracked: Mapping[str, TrackedIssue]) -> set[str]:
    """Ids of the issues a person acted on: renamed, merged into, resolved or dismissed."""
    return {
        issue.id
        for issue in tracked.values()
        if issue.renamed or issue.merged_by_person or issue.status in ("resolved", "dismissed")
    }


def kept_apart(clusters: Sequence[DiscoveredCluster], tracked: Mapping[str, TrackedIssue]) -> set[frozenset[int]]:
    """Pairs of cluster positions whose filed complaints are mostly those of two different issues a person acted on."""
    acted_on = acted_on_issues(tracked)
    filed = {member: issue.id for issue in tracked.values() for member in issue.member_ids}
    holder: dict[int, str] = {}
    for position, cluster in enumerate(clusters):
        held = Counter(filed[member] for member in cluster.member_ids if member in filed)
        if not held:
            continue
        issue_id, count = held.most_common(1)[0]
        if issue_id in acted_on and 2 * count > held.total():
            holder[position] = issue_id
    return {
        frozenset((first, second))
        for first in holder
        for second in holder
        if first < second and holder[first] != holder[second]
    }


async def judge_merges(
    clusters: list[DiscoveredCluster],
    complaints: JudgedComplaints,
    judging: MergeJudging,
    apart: set[frozenset[int]],
    kept: MergeJudgementStore | None = None,
) -> list[DiscoveredCluster]:
    """`clusters` with the pairs the judge calls one problem joined (as given when it joins none).

    `kept` holds answers earlier passes stored; the answers asked for now are stored there too.
    """
    if not complaints.judged() or len(clusters) < 2:
        return clusters
    labels = cluster_labels(len(complaints.ids), clusters)
    pairs = pairs_to_judge(
        complaints.vectors, labels, neighbours=DEFAULT_NEIGHBOURS, max_pairs=judging.max_questions, kept_apart=apart
    )
    shown = [IssueExhibit(c.keywords, c.representative_texts) for c in clusters]
    questions = [judging.judge.question(shown[pair.left], shown[pair.right]) for pair in pairs]
    answers = await judge_answers(judging.judge, questions, kept)
    merged = await asyncio.to_thread(judged_labels, complaints.vectors, labels, pairs, answers, apart)
    joined = len(clusters) - len(set(merged.tolist()) - {NOISE})
    logger.info(
        "merge judge: %s asked about, %d answered same, %d without an answer; %s joined",
        counted(len(pairs), "pair"),
        sum(answer is True for answer in answers),
        sum(answer is None for answer in answers),
        counted(joined, "cluster"),
    )
    if not joined:
        return clusters
    return await asyncio.to_thread(complaints.described, merged, clusters[0].merge_similarity)


async def judge_answers(
    judge: LLMMergeJudge, questions: Sequence[JudgeQuestion], kept: MergeJudgementStore | None
) -> list[bool | None]:
    """Each question's answer (stored in `kept`, kept by the judge or asked now); None where none came.

    Answers asked for now are stored in `kept`, so a later pass showing the same asks nothing.
    """
    stored = await kept.answers([q.key for q in questions]) if kept is not None else {}
    answers = await _answers(judge, questions, stored)
    new = {q.key: a for q, a in zip(questions, answers, strict=True) if a is not None and q.key not in stored}
    if kept is not None and new:
        await kept.keep(judge.model, new)
    return answers


async def _answers(
    judge: LLMMergeJudge, questions: Sequence[JudgeQuestion], stored: Mapping[str, bool]
) -> list[bool | None]:
    """Each question's answer (stored, kept or asked now, a few at a time off the event loop); None where none came."""
    gate = asyncio.Semaphore(JUDGE_CONCURRENCY)

    async def answer(question: JudgeQuestion) -> bool | None:
        if question.key in stored:
            return stored[question.key]
        kept = judge.kept_answer(question)
        if kept is not None:
            return kept
        async with gate:
            try:
                return await asyncio.to_thread(judge.ask, question)
            except Exception as error:  # noqa: BLE001 - any model, network or format failure changes nothing
                logger.warning("merge judge gave no answer, nothing changes: %s", error)
                return None

    return list(await asyncio.gather(*(answer(question) for question in questions)))
