"""Fixtures for the knowledge base: the real bundled embedder, loaded once per session, and its ONNX copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from clustering import SentenceTransformerEmbedder
from clustering.embed_onnx import OnnxEmbedder, load_onnx_embedder
from gateway.config import Settings
from gateway.embedder import LazyEmbedder


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The packaged all-MiniLM-L6-v2 (loading takes seconds)."""
    model = SentenceTransformerEmbedder()
    model.embed(["warm up"])
    return model


@pytest.fixture(scope="session")
def onnx_embedder(onnx_cache_dir: Path) -> OnnxEmbedder:
    """The bundled model through onnxruntime, from the session's cache."""
    return load_onnx_embedder(onnx_cache_dir)


@pytest.fixture(scope="session")
def int8_embedder(onnx_cache_dir: Path) -> OnnxEmbedder:
    """The int8 copy of the bundled model, quantised into the session's cache the first time (seconds)."""
    return load_onnx_embedder(onnx_cache_dir, variant="int8")


# Exporting takes tens of seconds, more on a busy machine; the first test that needs it pays for it.
EXPORT_TIMEOUT_SECONDS = 400


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that need the session's ONNX export get time for it on top of their own."""
    for item in items:
        if "onnx_cache_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.timeout(EXPORT_TIMEOUT_SECONDS))


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """Questions go to the product's embedder: only tests of the ONNX path (which ask for it) pay for its export."""
    return settings.model_copy(update={"knowledge_query_embedder": "model", "model_cache_dir": tmp_path / "models"})


@pytest.fixture
def onnx_settings(settings: Settings, onnx_cache_dir: Path, int8_embedder: OnnxEmbedder) -> Settings:
    """The default question path: the int8 ONNX copy, found already made (as after a gateway's first start)."""
    return settings.model_copy(update={"knowledge_query_embedder": "onnx-int8", "model_cache_dir": onnx_cache_dir})


@pytest.fixture
def gateway_embedder(
    monkeypatch: pytest.MonkeyPatch, embedder: SentenceTransformerEmbedder
) -> SentenceTransformerEmbedder:
    """Gateways started in this test embed with the session's model instead of loading their own."""
    monkeypatch.setattr(
        "gateway.services_setup.product_embedder", lambda settings, environ: LazyEmbedder.holding(embedder)
    )
    return embedder
