"""Turn negative feedback into issues: embed it, cluster it, label the clusters, track them over runs.

Pure and synchronous: no web framework, no database. Heavy libraries (torch, umap,
hdbscan, scikit-learn) are imported only when first used.
"""

from clustering.cluster import ClusteringParams, cluster_points
from clustering.documents import DEFAULT_RECIPE, DocumentRecipe, FeedbackItem, build_document, build_documents
from clustering.embed import (
    Embedder,
    EmbeddingCache,
    InMemoryEmbeddingCache,
    OpenAIEmbedder,
    SentenceTransformerEmbedder,
    embed_with_cache,
)
from clustering.label import ClusterTitle, LLMTitler
from clustering.pipeline import DiscoveredCluster, DiscoveryParams, discover_clusters
from clustering.reduce import IncrementalReducer, Reduction, ReductionFit, ReductionParams, reduce_with_fit
from clustering.track import (
    ClusterOutcome,
    ExistingIssue,
    IssueStatus,
    MergeRecord,
    NewCluster,
    SplitRecord,
    TrackingParams,
    TrackingResult,
    match_clusters,
)

__all__ = [
    "DEFAULT_RECIPE",
    "ClusterOutcome",
    "ClusterTitle",
    "ClusteringParams",
    "DiscoveredCluster",
    "DiscoveryParams",
    "DocumentRecipe",
    "Embedder",
    "EmbeddingCache",
    "ExistingIssue",
    "FeedbackItem",
    "InMemoryEmbeddingCache",
    "IncrementalReducer",
    "IssueStatus",
    "LLMTitler",
    "MergeRecord",
    "NewCluster",
    "OpenAIEmbedder",
    "Reduction",
    "ReductionFit",
    "ReductionParams",
    "SentenceTransformerEmbedder",
    "SplitRecord",
    "TrackingParams",
    "TrackingResult",
    "build_document",
    "build_documents",
    "cluster_points",
    "discover_clusters",
    "embed_with_cache",
    "match_clusters",
    "reduce_with_fit",
]
