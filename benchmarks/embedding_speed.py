"""How fast the bundled model embeds in bulk, by runtime, and how close each runtime's vectors are.

Clustering, the review rules and effect measurement embed many texts at once through the product's
embedder (`local_embedding_runtime`). This times each way of running the bundled all-MiniLM-L6-v2
over the same banking77 queries, in one process, one after the other, each after a warm-up batch:

- sentence-transformers (torch, its default threads);
- the float ONNX graph in onnxruntime on 1 thread and on every core (the product's default:
  clustering/embed_local.py);
- the int8 copy (what embeds knowledge-base questions) on every core, for comparison only.

Reported per runtime: texts per second (wall), CPU seconds, and the cosine of each vector to
sentence-transformers' (mean and minimum). Runs alternate runtimes `--rounds` times, so that a
noisy neighbour hurts all of them alike; the table shows each runtime's best and worst round.

    .venv/bin/python benchmarks/embedding_speed.py [--texts 2000] [--rounds 3] [--model-cache-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from banking77 import DATA, read_banking  # noqa: E402

from clustering.embed import Embedder, SentenceTransformerEmbedder  # noqa: E402
from clustering.embed_onnx import load_onnx_embedder  # noqa: E402
from gateway.config import Settings  # noqa: E402


def runtimes(cache_dir: Path) -> dict[str, Callable[[], Embedder]]:
    """Each runtime by its row label, built on call (loading is not timed)."""
    cores = os.cpu_count() or 1
    return {
        "sentence-transformers (torch)": SentenceTransformerEmbedder,
        "onnxruntime float, 1 thread": lambda: load_onnx_embedder(cache_dir, intra_op_threads=1),
        f"onnxruntime float, {cores} threads (default)": lambda: load_onnx_embedder(cache_dir, intra_op_threads=cores),
        f"onnxruntime int8, {cores} threads": lambda: load_onnx_embedder(
            cache_dir, variant="int8", intra_op_threads=cores
        ),
    }


def timed(embedder: Embedder, texts: list[str]) -> tuple[np.ndarray, float, float]:
    """The vectors, wall seconds and CPU seconds (this process, all threads) of one bulk embedding."""
    wall, cpu = time.perf_counter(), time.process_time()
    vectors = embedder.embed(texts)
    return vectors, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    """Run the rounds and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=2000, help="banking77 train queries to embed (default 2000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model-cache-dir", type=Path, default=Settings().model_cache_dir)
    args = parser.parse_args()
    texts = read_banking(DATA / "train.csv")[0][: args.texts]
    embedders = {label: build() for label, build in runtimes(args.model_cache_dir).items()}
    for embedder in embedders.values():
        embedder.embed(texts[:64])
    reference = next(iter(embedders.values())).embed(texts)
    rates: dict[str, list[float]] = {label: [] for label in embedders}
    cpus: dict[str, list[float]] = {label: [] for label in embedders}
    agreement: dict[str, np.ndarray] = {}
    for round_number in range(args.rounds):
        for label, embedder in embedders.items():
            vectors, wall, cpu = timed(embedder, texts)
            rates[label].append(len(texts) / wall)
            cpus[label].append(cpu)
            agreement[label] = np.sum(vectors * reference, axis=1)
            print(f"round {round_number + 1} {label}: {len(texts) / wall:.0f} texts/s, {cpu:.1f} s CPU", flush=True)
    load = os.getloadavg()[0]
    print(
        f"\n{len(texts):,} banking77 queries, {args.rounds} rounds, {os.cpu_count()} cores, load average {load:.1f}\n"
    )
    print("| Runtime | texts/s (best / worst) | CPU s (best / worst) | cosine to sentence-transformers (mean / min) |")
    print("|---|---:|---:|---:|")
    for label in embedders:
        cosine = agreement[label]
        print(
            f"| {label} | {max(rates[label]):,.0f} / {min(rates[label]):,.0f} "
            f"| {min(cpus[label]):.1f} / {max(cpus[label]):.1f} | {cosine.mean():.5f} / {cosine.min():.5f} |"
        )


if __name__ == "__main__":
    main()
