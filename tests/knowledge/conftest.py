"""Fixtures for the knowledge base: the real bundled embedder, loaded once per session."""

from __future__ import annotations

import pytest

from clustering import SentenceTransformerEmbedder
from gateway.embedder import LazyEmbedder


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The packaged all-MiniLM-L6-v2 (loading takes seconds)."""
    model = SentenceTransformerEmbedder()
    model.embed(["warm up"])
    return model


@pytest.fixture
def gateway_embedder(monkeypatch: pytest.MonkeyPatch, embedder: SentenceTransformerEmbedder) -> SentenceTransformerEmbedder:
    """Gateways started in this test embed with the session's model instead of loading their own."""
    monkeypatch.setattr("gateway.services.product_embedder", lambda settings, environ: LazyEmbedder.holding(embedder))
    return embedder
