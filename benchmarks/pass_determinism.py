"""Whether a discovery pass gives the same issues twice: one small banking77 draw clustered in fresh processes.

Each run is a new Python process (numba's JIT, BLAS and onnxruntime threads, hash seeds all start
afresh) that takes one seeded small-app draw (small_app_draws.py), embeds its documents, reduces them
with UMAP and clusters them as the product's pass does (`discover_clusters`), and writes the
embeddings, UMAP coordinates and labels. The parent compares every run with the first, stage by stage:
the largest difference in the embeddings and in the coordinates, whether the labels are identical,
and the ARI between the two labellings (1.0: the same issues).

`--embedder` picks what embeds in each process: `cache` (the benchmarks' cached .npy of banking77,
so every run sees the very same vectors: the clustering alone is tested), `onnx` (the product's
default, the bundled model in onnxruntime on every core) or `torch` (sentence-transformers).
`--hashseed random` gives every process its own PYTHONHASHSEED (set and dict order of strings).

    .venv/bin/python benchmarks/pass_determinism.py --seed 4 --runs 3 --embedder onnx
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from small_app_draws import draw_small_app  # noqa: E402


def one_run(seed: int, embedder_name: str, cache_dir: Path, out: Path) -> None:
    """Embed, reduce and cluster one draw in this process; write embeddings, coordinates, labels and seconds to `out`."""
    from cluster_quality import as_items
    from small_apps import cached_embeddings, pooled_banking

    from clustering import DiscoveryParams, SentenceTransformerEmbedder, build_documents, discover_clusters
    from clustering.embed_local import LocalEmbedder
    from clustering.reduce import reduce_embeddings

    warnings.filterwarnings("ignore")
    texts, intents = pooled_banking()
    draw = draw_small_app(intents, seed)
    items = as_items([texts[row] for row in draw.rows], f"draw{seed}")
    if embedder_name == "cache":
        vectors = cached_embeddings(texts, cache_dir)[draw.rows]
    elif embedder_name == "onnx":
        vectors = LocalEmbedder(Path.home() / ".cache" / "feedgate").embed(build_documents(items))
    else:
        vectors = SentenceTransformerEmbedder().embed(build_documents(items))
    start = time.perf_counter()
    clusters = discover_clusters(items, vectors, params=DiscoveryParams())
    seconds = time.perf_counter() - start
    labels = np.full(len(items), -1)
    for number, cluster in enumerate(clusters):
        labels[list(cluster.member_indices)] = number
    coordinates = reduce_embeddings(vectors, DiscoveryParams().reduction)
    np.savez(out, embeddings=vectors, coordinates=coordinates, labels=labels, seconds=seconds)


def compare(first: dict[str, np.ndarray], other: dict[str, np.ndarray]) -> str:
    """One line: how far `other` is from `first` at each stage."""
    from sklearn.metrics import adjusted_rand_score

    embedding_gap = float(np.abs(first["embeddings"] - other["embeddings"]).max())
    coordinate_gap = float(np.abs(first["coordinates"] - other["coordinates"]).max())
    same = bool(np.array_equal(first["labels"], other["labels"]))
    ari = float(adjusted_rand_score(first["labels"], other["labels"]))
    return (
        f"embeddings max |diff| {embedding_gap:.2e}, UMAP coordinates max |diff| {coordinate_gap:.2e}, "
        f"labels {'identical' if same else 'differ'}, ARI to run 1 {ari:.4f}, "
        f"issues {len(set(other['labels'].tolist()) - {-1})}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the draw `--runs` times in fresh processes and print how the runs differ; 0 when all labels are identical."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=4, help="small-app draw seed (small_app_draws.py)")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--embedder", choices=("cache", "onnx", "torch"), default="cache")
    parser.add_argument("--hashseed", choices=("fixed", "random"), default="random")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/feedgate-banking77-embeddings"))
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        one_run(args.seed, args.embedder, args.cache_dir, args.child)
        return 0
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for number in range(args.runs):
            out = Path(folder) / f"run{number}.npz"
            env = dict(os.environ, PYTHONHASHSEED=str(number + 1) if args.hashseed == "random" else "0")
            command = [sys.executable, __file__, "--seed", str(args.seed), "--embedder", args.embedder]
            subprocess.run([*command, "--cache-dir", str(args.cache_dir), "--child", str(out)], env=env, check=True)
            with np.load(out) as saved:
                results.append({name: saved[name] for name in saved.files})
    print(f"draw seed {args.seed}: {len(results[0]['labels'])} items, embedder {args.embedder}")
    print(f"  run 1: {float(results[0]['seconds']):.1f} s, issues {len(set(results[0]['labels'].tolist()) - {-1})}")
    for number, other in enumerate(results[1:], start=2):
        print(f"  run {number}: {float(other['seconds']):.1f} s, {compare(results[0], other)}")
    return 0 if all(np.array_equal(results[0]["labels"], r["labels"]) for r in results[1:]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
