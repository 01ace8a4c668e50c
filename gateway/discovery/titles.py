"""Titles and summaries for a run's clusters: keyword titles, or an LLM's where one is configured."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from clustering.label import ClusterTitle, LLMTitler, capped_title
from clustering.pipeline import DiscoveredCluster
from clustering.track import TrackingResult
from gateway.store.issue_records import TrackedIssue

logger = logging.getLogger("feedgate.discovery")

# An issue keeps its LLM title while at least this share of its keywords stays the same:
# asking again every pass would cost a model call per issue per pass and make titles flicker.
MIN_KEYWORDS_KEPT = 0.5


def _keywords_kept(before: Sequence[str], after: Sequence[str]) -> float:
    if not before or not after:
        return 0.0
    return len(set(before) & set(after)) / min(len(before), len(after))


def title_clusters(
    clusters: Sequence[DiscoveredCluster],
    tracking: TrackingResult,
    tracked: dict[str, TrackedIssue],
    titler: LLMTitler | None,
) -> list[ClusterTitle]:
    """One title per cluster, in order (blocking: the LLM is called synchronously).

    An issue a person renamed keeps their title. Otherwise, without a titler, the keyword title. With one, an issue that already has an LLM title
    keeps it while its keywords hold; others are asked for, and a failed call falls back
    to the keyword title (the pass must not fail because a model is down).
    """
    titles = [ClusterTitle(title=cluster.title, summary="") for cluster in clusters]
    for outcome in tracking.outcomes:
        previous = tracked.get(outcome.issue_id) if outcome.issue_id else None
        if previous is not None and previous.renamed:
            # A person chose this title: no run replaces it (they can rename it again).
            titles[outcome.cluster_index] = ClusterTitle(title=previous.title, summary=previous.summary or "")
    if titler is None:
        return _capped(titles)
    for outcome in tracking.outcomes:
        cluster = clusters[outcome.cluster_index]
        previous = tracked.get(outcome.issue_id) if outcome.issue_id else None
        if previous is not None and previous.renamed:
            continue
        if (
            previous is not None
            and previous.summary
            and _keywords_kept(previous.keywords, cluster.keywords) >= MIN_KEYWORDS_KEPT
        ):
            titles[outcome.cluster_index] = ClusterTitle(title=previous.title, summary=previous.summary)
            continue
        try:
            titles[outcome.cluster_index] = titler.title(cluster.keywords, cluster.representative_texts)
        except Exception as error:  # noqa: BLE001 - any model or network failure
            logger.warning("LLM title failed, keeping the keyword title %r: %s", cluster.title, error)
    return _capped(titles)


def _capped(titles: list[ClusterTitle]) -> list[ClusterTitle]:
    """Every run title at most clustering.label.MAX_ISSUE_TITLE characters: a model's, and one kept from before the cap existed."""
    return [ClusterTitle(title=capped_title(t.title), summary=t.summary) for t in titles]
