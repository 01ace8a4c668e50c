"""From feedback items and their embeddings to labelled clusters: reduce, cluster, label."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from clustering.assign import admission_similarity
from clustering.cluster import NOISE, ClusteringParams, cluster_with_merge_bar
from clustering.documents import DEFAULT_RECIPE, DocumentRecipe, FeedbackItem, build_documents, topic_texts
from clustering.kept_together import KeptTogether, join_kept_together
from clustering.label import ctfidf_keywords, representative_indices, title_from_keywords
from clustering.reduce import ReductionParams, reduce_embeddings

__all__ = ["DiscoveredCluster", "DiscoveryParams", "describe_clusters", "discover_clusters"]


@dataclass(frozen=True, slots=True)
class DiscoveryParams:
    """Everything that shapes a clustering run; the defaults are the product's recipe."""

    reduction: ReductionParams = ReductionParams()
    clustering: ClusteringParams = ClusteringParams()
    recipe: DocumentRecipe = DEFAULT_RECIPE
    keywords_per_cluster: int = 8
    examples_per_cluster: int = 3


@dataclass(frozen=True, slots=True)
class DiscoveredCluster:
    """One recurring issue found in a run, described well enough to show and to track."""

    member_indices: tuple[int, ...]
    member_ids: tuple[str, ...]
    # Unit-length mean of the members' embeddings (original space, not the reduced one),
    # so later runs and other reducers can compare it.
    centroid: np.ndarray = field(repr=False)
    keywords: tuple[str, ...]
    title: str
    representative_ids: tuple[str, ...]
    representative_texts: tuple[str, ...]
    # The cosine to `centroid` from which a new item joins this cluster's issue between full
    # passes (clustering.assign); None: not measured, the issue takes no new items that way.
    admission_similarity: float | None = None
    # The centroid cosine from which this run counts two issues as close (clustering.merge): it
    # merged close clusters where that separated them better, and the merge-candidates API
    # offers the close pairs it left apart. None: not measured (no clusters).
    merge_similarity: float | None = None

    @property
    def size(self) -> int:
        """How many items the cluster holds."""
        return len(self.member_indices)


def discover_clusters(
    items: Sequence[FeedbackItem],
    embeddings: np.ndarray,
    *,
    params: DiscoveryParams = DiscoveryParams(),
    documents: Sequence[str] | None = None,
    coordinates: np.ndarray | None = None,
    kept_together: KeptTogether | None = None,
) -> list[DiscoveredCluster]:
    """Find recurring issues among `items` (row i of `embeddings` is item i), largest first.

    CPU-bound and synchronous: run it in a worker thread or process, not on the event
    loop. `coordinates` reduced beforehand (`reduce_with_fit`, or an `IncrementalReducer`
    shared across runs) reuse a UMAP fit, so a re-run only places the new items; without
    them UMAP is fitted here. `documents` are the texts that were embedded; by default
    they are rebuilt from `items` with `params.recipe`. `kept_together` holds groups of item ids a
    person put in one issue: clusters made mostly of one group are joined (`join_kept_together`).
    Items fitting no cluster are left out: they are noise, not an issue.
    """
    embeddings = np.asarray(embeddings, dtype=np.float32)
    if len(items) != len(embeddings):
        raise ValueError(f"{len(items)} items but {len(embeddings)} embeddings")
    if len(items) == 0:
        return []
    texts = list(documents) if documents is not None else build_documents(items, params.recipe)
    ids = [item.interaction_id for item in items]

    if coordinates is not None:
        if len(coordinates) != len(items):
            raise ValueError(f"{len(items)} items but {len(coordinates)} reduced coordinates")
        reduced = np.asarray(coordinates, dtype=np.float32)
    else:
        reduced = reduce_embeddings(embeddings, params.reduction)
    clustering = cluster_with_merge_bar(reduced, embeddings, params.clustering)
    labels = join_kept_together(clustering.labels, ids, kept_together) if kept_together else clustering.labels
    topics = topic_texts(items, params.recipe)
    return describe_clusters(ids, texts, embeddings, labels, params, clustering.merge_similarity, topics)


def describe_clusters(
    ids: Sequence[str],
    texts: Sequence[str],
    embeddings: np.ndarray,
    labels: np.ndarray,
    params: DiscoveryParams = DiscoveryParams(),
    merge_similarity: float | None = None,
    topics: Sequence[str] | None = None,
) -> list[DiscoveredCluster]:
    """Turn per-item cluster labels into `DiscoveredCluster`s with keywords and examples, largest first.

    `topics`: each text's lines that say what it is about (clustering.documents.topic_text), whose words
    the keywords rank first; None ranks every word of `texts` alike.
    """
    keywords = ctfidf_keywords(texts, labels, top_n=params.keywords_per_cluster, topics=topics)
    clusters = []
    for label in sorted(set(labels.tolist()) - {NOISE}):
        members = np.flatnonzero(labels == label)
        centroid = embeddings[members].mean(axis=0)
        centroid = (centroid / (np.linalg.norm(centroid) or 1.0)).astype(np.float32)
        admission = admission_similarity(embeddings[members] @ centroid)
        typical = representative_indices(embeddings, members, top_n=params.examples_per_cluster)
        cluster_keywords = keywords.get(label, [])
        clusters.append(
            DiscoveredCluster(
                member_indices=tuple(int(i) for i in members),
                member_ids=tuple(ids[int(i)] for i in members),
                centroid=centroid,
                keywords=tuple(cluster_keywords),
                title=title_from_keywords(cluster_keywords),
                representative_ids=tuple(ids[i] for i in typical),
                representative_texts=tuple(texts[i] for i in typical),
                admission_similarity=admission,
                merge_similarity=merge_similarity,
            )
        )
    # Largest first, then by first member, so the order is stable run to run.
    clusters.sort(key=lambda cluster: (-cluster.size, cluster.member_indices[0]))
    return clusters
