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
    """The bundled model through onnxruntime, from the run's cache."""
    return load_onnx_embedder(onnx_cache_dir)


@pytest.fixture(scope="session")
def int8_embedder(onnx_cache_dir: Path) -> OnnxEmbedder:
    """The int8 copy of the bundled model, quantised into the run's cache by the first test needing it (seconds)."""
    return load_onnx_embedder(onnx_cache_dir, variant="int8")


# The float export is made once per run outside every test's time (tests/onnx_cache.py), but the int8 copy is
# quantised from it in the setup of the first test needing `int8_embedder` (a test of another worker waits for
# it on the cache's lock): 35 s with its load on the 2 shared cores at load average 16, more on a busier machine,
# where the quantising child process runs at low priority as the product runs it. Those tests get time for it on
# top of their own.
QUANTISE_TIMEOUT_SECONDS = 400


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that need the run's int8 copy get time for quantising it on top of their own."""
    for item in items:
        if "int8_embedder" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.timeout(QUANTISE_TIMEOUT_SECONDS))


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
