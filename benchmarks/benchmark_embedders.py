"""The bundled model for the banking77 benchmarks, run by torch or onnxruntime, with a fingerprint of its vectors' bits.

A clustering pass is deterministic for the same vectors but chaotic in them, and the two runtimes
differ in the last bits (~2.5e-7; torch's vectors also move by up to 2e-7 with what a text is
batched beside). So kept vectors are named by everything that changes those bits: the runtime and
its version, the model's files, the ONNX graph's bytes (float variant), the tokenizer and, for
torch, the batch size. Vectors made by one runtime are then never read as the other's.

- "torch": sentence-transformers (`SentenceTransformerEmbedder`), what docs/discovery.md's small-app
  figures were measured with (all texts in one call, batches of 32, sorted by length).
- "onnx": the product's default (`FEEDGATE_LOCAL_EMBEDDING_RUNTIME=onnxruntime`): the float graph
  exported into the product's model cache (`FEEDGATE_MODEL_CACHE_DIR`, default ~/.cache/feedgate),
  on every core, as `LocalEmbedder` runs it; it gives a text the same bits whatever its batch.
  Unlike the product it never falls back to torch: a failed export is an error here, so a row is
  never labelled with the wrong runtime.
"""

from __future__ import annotations

import argparse
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clustering.embed import Embedder

EMBEDDERS = ("torch", "onnx")
# Keeps docs/discovery.md's small-app figures reproducible: they were measured on torch's vectors.
DEFAULT_EMBEDDER = "torch"


@dataclass(frozen=True)
class BenchmarkEmbedder:
    """A runtime's name, the fingerprint of the bits it gives, and how to build it (only on a cache miss)."""

    runtime: str
    fingerprint: str
    build: Callable[[], Embedder]


def add_embedder_argument(parser: argparse.ArgumentParser) -> None:
    """Add `--embedder torch|onnx` to a benchmark's command line."""
    parser.add_argument(
        "--embedder",
        choices=EMBEDDERS,
        default=DEFAULT_EMBEDDER,
        help="runtime of the bundled model: torch (sentence-transformers, the docs' figures) or onnx "
        "(onnxruntime's float graph, the product's default); each has its own kept vectors",
    )


def model_cache_dir() -> Path:
    """The product's model cache folder, where the ONNX export is kept."""
    configured = os.environ.get("FEEDGATE_MODEL_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "feedgate"


def folder_digest(folder: Path) -> str:
    """Hex sha256 over a folder's file names and bytes."""
    from clustering.onnx_export import file_digest

    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(folder).as_posix()}={file_digest(path)}\n".encode())
    return digest.hexdigest()


def benchmark_embedder(runtime: str, cache_dir: Path | None = None) -> BenchmarkEmbedder:
    """The bundled model in `runtime` ("torch" or "onnx"); for onnx, the graph is exported into `cache_dir` first if needed."""
    from clustering.embed import SentenceTransformerEmbedder, bundled_model_path
    from clustering.onnx_export import file_digest, installed_version

    model_dir = bundled_model_path()
    torch_embedder = SentenceTransformerEmbedder()

    def versions(*packages: str) -> str:
        return ";".join(f"{package}={installed_version(package)}" for package in packages)

    if runtime == "torch":
        fingerprint = (
            f"torch;{torch_embedder.model_name};batch={torch_embedder.batch_size};"
            f"model={folder_digest(model_dir)};{versions('torch', 'sentence-transformers', 'transformers', 'tokenizers')}"
        )
        return BenchmarkEmbedder("torch", fingerprint, lambda: torch_embedder)
    if runtime == "onnx":
        from clustering.embed_onnx import OnnxEmbedder
        from clustering.onnx_export import cached_onnx_file

        onnx_file = cached_onnx_file(model_dir, cache_dir or model_cache_dir())
        tokenizer_file = model_dir / "tokenizer.json"
        fingerprint = (
            f"onnxruntime;float;{torch_embedder.model_name};graph={file_digest(onnx_file)};"
            f"tokenizer={file_digest(tokenizer_file)};{versions('onnxruntime', 'tokenizers')}"
        )
        threads = os.cpu_count() or 1
        return BenchmarkEmbedder(
            "onnx", fingerprint, lambda: OnnxEmbedder(onnx_file, tokenizer_file, intra_op_threads=threads)
        )
    raise ValueError(f"unknown embedder {runtime!r}: one of {', '.join(EMBEDDERS)}")
