"""benchmarks/small_apps.py's kept banking77 vectors: one file per runtime, never read as another runtime's."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


class ConstantEmbedder:
    """Every text -> the same unit vector (value tells the runtimes apart); counts its calls."""

    model_name = "sentence-transformers/all-MiniLM-L6-v2@128"

    def __init__(self, value: float) -> None:
        self.value = value
        self.calls = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        return np.full((len(texts), 4), self.value, dtype=np.float32)


@pytest.fixture
def small_apps(monkeypatch: pytest.MonkeyPatch):
    """The benchmark module, with each runtime faked by a ConstantEmbedder under its own fingerprint."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import benchmark_embedders
    import small_apps

    fakes = {"torch": ConstantEmbedder(0.5), "onnx": ConstantEmbedder(0.25)}

    def fake(runtime: str, cache_dir: Path | None = None) -> benchmark_embedders.BenchmarkEmbedder:
        return benchmark_embedders.BenchmarkEmbedder(runtime, f"{runtime}-bits", lambda: fakes[runtime])

    monkeypatch.setattr(small_apps, "benchmark_embedder", fake)
    small_apps.fakes = fakes
    yield small_apps
    for name in ("small_apps", "benchmark_embedders"):
        sys.modules.pop(name, None)


def test_each_runtime_keeps_its_own_vectors(small_apps, tmp_path: Path) -> None:
    texts = ["my card was declined", "where is my refund"]
    torch_vectors = small_apps.cached_embeddings(texts, tmp_path, "torch")
    onnx_vectors = small_apps.cached_embeddings(texts, tmp_path, "onnx")
    assert torch_vectors[0, 0] == pytest.approx(0.5)
    assert onnx_vectors[0, 0] == pytest.approx(0.25)
    names = sorted(path.name for path in tmp_path.glob("*.npy"))
    assert len(names) == 2
    assert any("-torch-" in name for name in names)
    assert any("-onnx-" in name for name in names)


def test_a_kept_file_is_read_again_by_its_own_runtime(small_apps, tmp_path: Path) -> None:
    texts = ["my card was declined"]
    first = small_apps.cached_embeddings(texts, tmp_path, "onnx")
    again = small_apps.cached_embeddings(texts, tmp_path, "onnx")
    assert np.array_equal(first, again)
    assert small_apps.fakes["onnx"].calls == 1


def test_the_default_runtime_is_torch(small_apps, tmp_path: Path) -> None:
    vectors = small_apps.cached_embeddings(["my card was declined"], tmp_path)
    assert vectors[0, 0] == pytest.approx(0.5)


def test_an_unknown_runtime_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import benchmark_embedders

    with pytest.raises(ValueError, match="unknown embedder"):
        benchmark_embedders.benchmark_embedder("tensorflow")
    sys.modules.pop("benchmark_embedders", None)
