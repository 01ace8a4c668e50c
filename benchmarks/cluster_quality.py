"""How well Feedgate's clustering recovers known issues, and how fast it runs.

Banking77 stands in for negative feedback: each of its 77 intents plays one recurring
issue. The product's own pipeline (`clustering.discover_clusters`, never told the number
of issues) is scored against two references computed in the same run on the same
embeddings: KMeans told the true number of intents, and BERTopic's default recipe.

It is scored on test.csv and, to catch tuning to test.csv, on a seeded stratified sample
of train.csv that the parameters were never chosen on. Then it times a cold run on all
of train.csv (model load and embedding included) and a re-run after 1% new items, with
the embedding cache and the fitted reducer from the cold run.

    .venv/bin/python benchmarks/cluster_quality.py --json results.json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from banking77 import DATA, read_banking  # noqa: E402

from clustering import (  # noqa: E402
    DiscoveryParams,
    FeedbackItem,
    IncrementalReducer,
    InMemoryEmbeddingCache,
    SentenceTransformerEmbedder,
    build_documents,
    discover_clusters,
    embed_with_cache,
)

DEFAULT_DATA = DATA / "test.csv"


@dataclass
class Score:
    """One method's result on one dataset."""

    method: str
    told_k: bool
    v_measure: float
    ari: float
    noise_share: float
    issues: int
    seconds: float


def as_items(texts: Sequence[str], prefix: str) -> list[FeedbackItem]:
    """Banking queries as feedback items: the query is what the user asked."""
    return [FeedbackItem(interaction_id=f"{prefix}-{i}", app="banking77", user_message=t) for i, t in enumerate(texts)]


def stratified_sample(labels: Sequence[str], size: int, seed: int) -> np.ndarray:
    """Indices of a seeded sample of `size` rows keeping each label's share."""
    from sklearn.model_selection import train_test_split

    indices = np.arange(len(labels))
    sample, _ = train_test_split(indices, train_size=size, stratify=labels, random_state=seed)
    return np.sort(sample)


def score(method: str, told_k: bool, truth: Sequence[str], labels: np.ndarray, seconds: float) -> Score:
    """V-measure and ARI of `labels` against `truth`; noise (-1) counts as its own group."""
    from sklearn.metrics import adjusted_rand_score, v_measure_score

    return Score(
        method=method,
        told_k=told_k,
        v_measure=float(v_measure_score(truth, labels)),
        ari=float(adjusted_rand_score(truth, labels)),
        noise_share=float(np.mean(labels == -1)),
        issues=len(set(labels.tolist()) - {-1}),
        seconds=seconds,
    )


def feedgate_labels(
    items: list[FeedbackItem], embeddings: np.ndarray, params: DiscoveryParams | None = None
) -> np.ndarray:
    """Per-item cluster labels from the product pipeline (-1 = noise); `params` default to the product's recipe."""
    labels = np.full(len(items), -1)
    for number, cluster in enumerate(discover_clusters(items, embeddings, params=params or DiscoveryParams())):
        labels[list(cluster.member_indices)] = number
    return labels


def kmeans_labels(embeddings: np.ndarray, k: int, seed: int) -> np.ndarray:
    """KMeans told the true number of issues."""
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(embeddings)


def bertopic_labels(embeddings: np.ndarray, seed: int) -> np.ndarray:
    """BERTopic's default recipe: UMAP(15 neighbours, 5 dims, cosine) then HDBSCAN(10, euclidean, eom)."""
    import hdbscan
    import umap

    reduced = umap.UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed).fit_transform(
        embeddings
    )
    return hdbscan.HDBSCAN(min_cluster_size=10, metric="euclidean", cluster_selection_method="eom").fit_predict(reduced)


def timed(run: Callable[[], np.ndarray]) -> tuple[np.ndarray, float]:
    """The result of `run()` and its wall time in seconds."""
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def evaluate(name: str, items: list[FeedbackItem], truth: list[str], embeddings: np.ndarray, seed: int) -> list[Score]:
    """Score Feedgate and the two references on one dataset."""
    k = len(set(truth))
    ours, ours_s = timed(lambda: feedgate_labels(items, embeddings))
    km, km_s = timed(lambda: kmeans_labels(embeddings, k, seed))
    bt, bt_s = timed(lambda: bertopic_labels(embeddings, seed))
    print(f"  scored {name}", file=sys.stderr)
    return [
        score("Feedgate pipeline", False, truth, ours, ours_s),
        score(f"KMeans, true k={k}", True, truth, km, km_s),
        score("BERTopic default recipe", False, truth, bt, bt_s),
    ]


def markdown_table(scores: list[Score]) -> str:
    """Scores as a Markdown table."""
    lines = [
        "| Method | Told number of issues | V-measure | ARI | Noise | Issues found | Time (s) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for s in scores:
        lines.append(
            f"| {s.method} | {'yes' if s.told_k else 'no'} | {s.v_measure:.3f} | {s.ari:.3f} "
            f"| {s.noise_share:.1%} | {s.issues} | {s.seconds:.1f} |"
        )
    return "\n".join(lines)


def meets_target(scores: list[Score]) -> bool:
    """Whether Feedgate beats both references on V and ARI with at most 10% noise."""
    ours, *references = scores
    return ours.noise_share <= 0.10 and all(ours.v_measure > ref.v_measure and ours.ari > ref.ari for ref in references)


def time_scale(
    embedder: SentenceTransformerEmbedder,
    cache: InMemoryEmbeddingCache,
    texts: list[str],
    truth: list[str],
    new_texts: list[str],
) -> dict[str, float]:
    """Cold run on `texts` (model load and embedding included), then a re-run with `new_texts` added."""
    reducer = IncrementalReducer()

    items = as_items(texts, "train")
    start = time.perf_counter()
    documents = build_documents(items)
    embeddings = embed_with_cache(embedder, cache, documents)
    embedded = time.perf_counter()
    reduced = reducer.reduce([item.interaction_id for item in items], embeddings)
    clusters = discover_clusters(items, embeddings, documents=documents, coordinates=reduced)
    cold_done = time.perf_counter()

    more_items = items + as_items(new_texts, "new")
    rerun_start = time.perf_counter()
    more_documents = build_documents(more_items)
    more_embeddings = embed_with_cache(embedder, cache, more_documents)
    rerun_embedded = time.perf_counter()
    more_reduced = reducer.reduce([item.interaction_id for item in more_items], more_embeddings)
    more_clusters = discover_clusters(more_items, more_embeddings, documents=more_documents, coordinates=more_reduced)
    rerun_done = time.perf_counter()

    labels = np.full(len(items), -1)
    for number, cluster in enumerate(clusters):
        labels[list(cluster.member_indices)] = number
    quality = score("Feedgate pipeline, cold run", False, truth, labels, cold_done - start)
    return {
        "items": len(items),
        "cold_seconds": cold_done - start,
        "cold_embedding_seconds": embedded - start,
        "cold_clustering_seconds": cold_done - embedded,
        "cold_issues": len(clusters),
        "cold_v_measure": quality.v_measure,
        "cold_ari": quality.ari,
        "cold_noise_share": quality.noise_share,
        "new_items": len(new_texts),
        "rerun_seconds": rerun_done - rerun_start,
        "rerun_embedding_seconds": rerun_embedded - rerun_start,
        "rerun_clustering_seconds": rerun_done - rerun_embedded,
        "rerun_refitted_reducer": float(reducer.last_run_refitted),
        "rerun_issues": len(more_clusters),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print Markdown tables; return 0 if the quality target is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="banking77 test.csv")
    parser.add_argument("--train", type=Path, default=None, help="banking77 train.csv (default: beside --data)")
    parser.add_argument("--sample-size", type=int, default=3000, help="size of the held-out train sample")
    parser.add_argument("--seed", type=int, default=42, help="seed for sampling and the references")
    parser.add_argument("--new-share", type=float, default=0.01, help="share of new items in the re-run")
    parser.add_argument("--skip-timing", action="store_true", help="skip the 10k cold/re-run timing")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    train_path = args.train or args.data.with_name("train.csv")

    test_texts, test_truth = read_banking(args.data)
    train_texts, train_truth = read_banking(train_path)
    rng = np.random.default_rng(args.seed)

    results: dict[str, object] = {"machine": {"python": platform.python_version(), "cpus": _cpu_count()}}
    # The model loads lazily, so the timed cold run below pays for loading it.
    embedder = SentenceTransformerEmbedder()
    cache = InMemoryEmbeddingCache()
    if not args.skip_timing:
        # First, while nothing is loaded yet: the cold run must pay for model load and imports.
        new_count = max(1, round(args.new_share * len(train_texts)))
        new_texts = [test_texts[i] for i in rng.choice(len(test_texts), new_count, replace=False)]
        results["timing"] = timing = time_scale(embedder, cache, train_texts, train_truth, new_texts)
        print(f"  timed {timing['items']} items", file=sys.stderr)

    sample = stratified_sample(train_truth, args.sample_size, args.seed)
    datasets = {
        "test": (test_texts, test_truth),
        "train_sample": ([train_texts[i] for i in sample], [train_truth[i] for i in sample]),
    }
    for name, (texts, truth) in datasets.items():
        items = as_items(texts, name)
        embeddings = embed_with_cache(embedder, cache, build_documents(items))
        scores = evaluate(name, items, truth, embeddings, args.seed)
        results[name] = {
            "rows": len(texts),
            "meets_target": meets_target(scores),
            "scores": [asdict(s) for s in scores],
        }

    _print_report(results, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0 if all(results[name]["meets_target"] for name in datasets) else 1


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _print_report(results: dict, args: argparse.Namespace) -> None:
    titles = {
        "test": f"banking77 test.csv ({results['test']['rows']} queries, 77 intents)",
        "train_sample": (
            f"Held-out: stratified sample of banking77 train.csv "
            f"({results['train_sample']['rows']} queries, seed {args.seed})"
        ),
    }
    for name, title in titles.items():
        scores = [Score(**s) for s in results[name]["scores"]]
        verdict = "met" if results[name]["meets_target"] else "NOT met"
        print(f"\n### {title}\n\n{markdown_table(scores)}\n")
        print(
            f"Target (beat both references on V and ARI, noise <= 10%): **{verdict}**. "
            "Times exclude embedding (shared by all methods)."
        )
    if "timing" in results:
        t = results["timing"]
        print(f"\n### Speed ({results['machine']['cpus']} CPUs)\n")
        print("| Run | Items | Total (s) | Embedding (s) | Clustering + labels (s) |")
        print("|---|---:|---:|---:|---:|")
        print(
            f"| Cold: model load, embed all, fit | {t['items']} | {t['cold_seconds']:.1f} "
            f"| {t['cold_embedding_seconds']:.1f} | {t['cold_clustering_seconds']:.1f} |"
        )
        print(
            f"| Re-run with {t['new_items']} new items (cache + fitted reducer) | {t['items'] + t['new_items']} "
            f"| {t['rerun_seconds']:.1f} | {t['rerun_embedding_seconds']:.1f} | {t['rerun_clustering_seconds']:.1f} |"
        )
        print(
            f"\nCold run on all of train.csv: {t['cold_issues']} issues, V {t['cold_v_measure']:.3f}, "
            f"ARI {t['cold_ari']:.3f}, noise {t['cold_noise_share']:.1%}."
        )


if __name__ == "__main__":
    raise SystemExit(main())
