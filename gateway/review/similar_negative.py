"""The similar-negative rule: a negative answer whose nearest recent neighbours are often negative too needs a person.

On a new negative feedback, the interaction's end-user message is compared with the app's recent
traffic (the traffic index). Among its `neighbours` (10) most similar interactions, the
interaction itself excluded (it is always negative, and would count itself), if more than
`share` (30 %) have negative current feedback, a task is opened or updated for the interaction
and its negative neighbours; high priority when more than `high_above` (5) are negative.
"At least one user's current feedback on it is negative" makes an interaction negative.
A neighbour less similar than `min_similarity` (cosine 0.3) is not similar, however near it is
in a small app; with fewer than `neighbours` recent interactions that similar, the rule does not judge.
The task takes only the negative neighbours at `task_similarity` (0.45) or more: 0.3 tells a neighbourhood from
unrelated questions, not one topic from the next in the same app (a close-account question's nearest were
transfer-fee questions at 0.30-0.35), and a finding joins the open task holding any interaction it names, so one
loose neighbour carried a whole second topic into the first topic's task.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from gateway.review.findings import RuleFinding
from gateway.review.neighbours import Neighbour
from gateway.review.records import Priority, Source
from gateway.review.stored_neighbours import StoredLookup, look_among_stored
from gateway.review.traffic_index import TrafficIndex

# Which of these interactions have negative current feedback (the store's query, or a fake).
NegativeLookup = Callable[[Sequence[str]], Awaitable[set[str]]]


@dataclass(frozen=True, slots=True)
class SimilarNegativeSettings:
    """How many neighbours to look at, the share of negatives that opens a task, and the count that makes it urgent."""

    neighbours: int = 10
    share: float = 0.3
    high_above: int = 5
    # Nearest neighbours on one topic sit above it (banking77's test queries, 1,500 with the bundled
    # model: none of each one's 10 nearest below 0.3; 12 refund questions' nearest: 0.37 and up);
    # the unrelated questions that can be a small app's nearest were 0.12-0.26.
    min_similarity: float = 0.3
    # A negative neighbour joins the complaint's task only this similar (it still counts above min_similarity):
    # 14 transfer-fee and 14 close-account complaints, asked in either order, made one task of 28 below it, two
    # of 14 from 0.45 to 0.6; 7 refund complaints among other topics stay one task up to 0.45 (their nearest
    # other refund can be 0.54).
    task_similarity: float = 0.45


@dataclass(frozen=True, slots=True)
class JudgedNeighbour:
    """A neighbour as the evidence shows it."""

    interaction_id: str
    similarity: float
    negative: bool


def judge_similar_negative(
    app: str, interaction_id: str, neighbours: Sequence[JudgedNeighbour], rule: SimilarNegativeSettings
) -> RuleFinding | None:
    """The finding for a negative interaction and its judged neighbours (most similar first), or None (pure).

    None when fewer than `rule.neighbours` are similar enough, or too few of them are negative. The finding names the
    interaction and its negative neighbours at `rule.task_similarity` or more (the evidence lists every one counted).
    """
    considered = [n for n in neighbours if n.similarity >= rule.min_similarity][: rule.neighbours]
    if len(considered) < rule.neighbours:
        return None
    negative = [n for n in considered if n.negative]
    rate = len(negative) / len(considered)
    # "More than 30 %": 3 of 10 is not enough, 4 is (the epsilon keeps 0.3 * 10 from rounding either way).
    if not len(negative) > rule.share * len(considered) + 1e-9:
        return None
    priority = Priority.HIGH if len(negative) > rule.high_above else Priority.MEDIUM
    reason = f"{len(negative)} of the {len(considered)} most similar recent answers got negative feedback"
    evidence = {
        "interaction_id": interaction_id,
        "negative": len(negative),
        "considered": len(considered),
        "negative_rate": round(rate, 4),
        "neighbours": [
            {"interaction_id": n.interaction_id, "similarity": round(n.similarity, 4), "negative": n.negative}
            for n in considered
        ],
    }
    # The task groups the complaint with the answers like it, not with every neighbour the share counted.
    grouped = (n.interaction_id for n in negative if n.similarity >= rule.task_similarity)
    ids = (interaction_id, *grouped)
    return RuleFinding(app, Source.SIMILAR_NEGATIVE, reason, priority, tuple(dict.fromkeys(ids)), evidence, (app,))


class SimilarNegativeRule:
    """Evaluates the rule for one negative feedback against the app's traffic index (which the caller keeps fresh)."""

    def __init__(
        self,
        index: TrafficIndex,
        negative_among: NegativeLookup,
        rule: SimilarNegativeSettings,
        stored_among: StoredLookup,
    ) -> None:
        self._index = index
        self._negative_among = negative_among
        self.rule = rule
        self._stored_among = stored_among

    async def evaluate(self, app: str, interaction_id: str) -> RuleFinding | None:
        """The finding for a new negative feedback on `interaction_id`, or None (also when the app is quiet)."""
        vectors = self._index.vectors(app)
        # Other interactions only: whether the index holds this one yet (a refresh may not have taken it in) must not
        # decide whether there are enough to judge.
        if vectors is None or len(vectors) - (interaction_id in vectors) < self.rule.neighbours:
            return None
        query = await self._index.vector_for(app, interaction_id)
        if query is None:
            return None
        cutoff = self._index.cutoff()
        # ~10-20 ms over 100k rows: in a thread, so the loop keeps serving requests. The index is in memory: an
        # interaction pruned or erased since it was indexed is no neighbour (it would count as an answer nobody
        # complained about, and the task's evidence would name it).
        found: list[Neighbour] = await look_among_stored(
            vectors,
            self._stored_among,
            functools.partial(vectors.nearest, query, self.rule.neighbours, interaction_id, cutoff),
            lambda neighbours: [n.interaction_id for n in neighbours],
        )
        negative = await self._negative_among([n.interaction_id for n in found])
        judged = [JudgedNeighbour(n.interaction_id, n.similarity, n.interaction_id in negative) for n in found]
        return judge_similar_negative(app, interaction_id, judged, self.rule)
