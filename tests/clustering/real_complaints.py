"""Real complaint texts and discovery over them with the bundled model, shared by the clustering tests."""

from __future__ import annotations

from clustering import DiscoveryParams, FeedbackItem, SentenceTransformerEmbedder, build_documents, discover_clusters
from clustering.pipeline import DiscoveredCluster

CARD_DELIVERY = [
    "My new card still has not arrived",
    "I ordered a card two weeks ago and it never came",
    "Where is my card? It was supposed to be delivered last week",
    "The replacement card hasn't been delivered yet",
    "Card delivery is taking far too long",
    "Still waiting for my card to show up",
    "How long until my card gets here?",
    "My card was posted ages ago and is not here",
]


def discovered(
    items: list[FeedbackItem], embedder: SentenceTransformerEmbedder, params: DiscoveryParams | None = None
) -> list[DiscoveredCluster]:
    """The issues discovery finds in `items`, embedded as the pipeline embeds them."""
    vectors = embedder.embed(build_documents(items))
    return discover_clusters(items, vectors, params=params or DiscoveryParams())
