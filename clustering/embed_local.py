"""The bundled model for embedding in bulk: onnxruntime's float graph, or sentence-transformers until it can be.

Measured on 2,000 banking77 queries on two quiet cores (benchmarks/embedding_speed.py, best of 3
rounds, docs/discovery.md): sentence-transformers embedded 360 texts/s for 10.9 s of CPU; the same model's
float ONNX graph on two threads embedded 720 texts/s for 5.1 s. Its vectors are the sentence-transformers model's
(cosine > 0.9999, tests/knowledge/test_onnx_embedder.py), so it keeps that model's name and every
cached vector stays valid. The graph is exported once into the model cache (a child process,
seconds of CPU); should that fail, sentence-transformers embeds instead and the failure is logged.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from clustering.built_once import BuiltOnce
from clustering.embed import Embedder, SentenceTransformerEmbedder

logger = logging.getLogger(__name__)

__all__ = ["LocalEmbedder"]

# Builds the ONNX embedder from the cache folder and a thread count (tests pass a failing one).
OnnxLoader = Callable[[Path, int], Embedder]


def _load_float_graph(cache_dir: Path, threads: int) -> Embedder:
    from clustering.embed_onnx import load_onnx_embedder

    return load_onnx_embedder(cache_dir, intra_op_threads=threads)


class LocalEmbedder:
    """all-MiniLM-L6-v2, bundled, run by onnxruntime on `threads` cores (default: all); loaded on first use."""

    def __init__(self, cache_dir: Path, *, threads: int | None = None, load: OnnxLoader = _load_float_graph) -> None:
        self._cache_dir = cache_dir
        self._threads = threads or os.cpu_count() or 1
        self._load = load
        self.model_name = SentenceTransformerEmbedder().model_name
        self._embedder: BuiltOnce[Embedder] = BuiltOnce(self._build)

    @property
    def runtime(self) -> str:
        """What embeds: "onnxruntime", "sentence-transformers", or "" before the first use."""
        embedder = self._embedder.built
        if embedder is None:
            return ""
        return "sentence-transformers" if isinstance(embedder, SentenceTransformerEmbedder) else "onnxruntime"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` as float32 unit rows of shape (len(texts), 384)."""
        return self._embedder.get().embed(texts)

    def _build(self) -> Embedder:
        try:
            embedder = self._load(self._cache_dir, self._threads)
        except Exception as exc:  # noqa: BLE001 - no exporter, a full disk, onnxruntime's own errors
            logger.warning("embedding with sentence-transformers: the ONNX graph could not be made or loaded (%s)", exc)
            return SentenceTransformerEmbedder()
        if embedder.model_name != self.model_name:  # pragma: no cover - a loader for another model
            raise ValueError(f"{embedder.model_name} is not a stand-in for {self.model_name}")
        return embedder
