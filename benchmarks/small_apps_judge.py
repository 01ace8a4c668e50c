"""What a merge judge could give on small apps: the pass's issues, then pairs of them judged by a simulated judge.

The same seeded banking77 draws as small_apps.py (300-1,000 complaints over 10-30 intents), the
product's pipeline and KMeans told the true k on the same embeddings. After the pass, the pairs
the product would ask its merge judge about (`clustering.merge_judge.pairs_to_judge`: each
issue's nearest issues by centroid cosine, at most --max-pairs a pass) are answered by a
*simulated* judge and merged as the product merges them (`judged_labels`):

- **oracle**: "same" exactly when the two issues' majority intents are equal (a perfect judge);
- **noisy p**: the oracle's answer flipped with probability p (seeded per draw), for each p in
  --error-rates.

Beside each judge, the same judge cutting too (", split too"), in the product's order
(gateway/discovery/split_judging.py): the clusters `clustering.split_judge.splits_to_judge` picks
(below the pass's bar of close, `split_bar`) answered "one problem" exactly when the halves' majority
intents are equal (flipped as above), cut, then the merge questions out of what is left of the bound.

This measures the mechanism (which pairs are asked, how answers are merged), not any model's
accuracy: a real LLM's error rate on these questions is not measured here.

    .venv/bin/python benchmarks/small_apps_judge.py [--seeds 4,...,15] [--neighbours 1,2,3] [--max-pairs 40]
        [--error-rates 0.1,0.2] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from benchmark_embedders import add_embedder_argument  # noqa: E402
from cluster_quality import as_items, kmeans_labels  # noqa: E402
from small_app_draws import Draw, draw_small_app  # noqa: E402
from small_apps import (  # noqa: E402
    EVALUATION_SEEDS,
    cached_embeddings,
    meets_aim,
    method_summary_cells,
    pooled_banking,
    score_draw,
)

from clustering.cluster import adaptive_min_cluster_size  # noqa: E402
from clustering.documents import FeedbackItem  # noqa: E402
from clustering.merge_judge import DEFAULT_MAX_PAIRS, DEFAULT_NEIGHBOURS, judged_labels, pairs_to_judge  # noqa: E402
from clustering.pipeline import discover_clusters  # noqa: E402
from clustering.split_judge import SplitToJudge, split_bar, split_judged, splits_to_judge  # noqa: E402

PIPELINE, KMEANS = "Feedgate pipeline", "KMeans, true k"


@dataclass
class JudgedScore:
    """One method on one draw, with the judge's questions and wrong answers (0 for the unjudged methods)."""

    seed: int
    items: int
    groups: int
    method: str
    v_measure: float
    ari: float
    noise_share: float
    issues_per_group: float
    aim_met: bool
    questions: int
    wrong_answers: int


def pass_labels(items: list[FeedbackItem], vectors: np.ndarray) -> tuple[np.ndarray, float]:
    """The product's pass: labels (-1 noise), and the bar of "close" it measured (what cuts are judged below)."""
    clusters = discover_clusters(items, vectors)
    labels = np.full(len(items), -1)
    for number, cluster in enumerate(clusters):
        labels[list(cluster.member_indices)] = number
    return labels, split_bar(clusters)


def majority_intents(labels: np.ndarray, truth: list[str]) -> dict[int, str]:
    """Each cluster's most common true intent."""
    found: dict[int, Counter[str]] = {}
    for label, intent in zip(labels.tolist(), truth, strict=True):
        if label >= 0:
            found.setdefault(label, Counter())[intent] += 1
    return {label: counts.most_common(1)[0][0] for label, counts in found.items()}


def judge_draw(
    draw: Draw,
    texts: list[str],
    embeddings: np.ndarray,
    neighbours: list[int],
    max_pairs: list[int],
    error_rates: list[float],
) -> list[JudgedScore]:
    """The pipeline, KMeans, and the pipeline followed by each simulated judge, on one draw."""
    vectors = embeddings[draw.rows]
    items = as_items([texts[row] for row in draw.rows], f"draw{draw.seed}")
    started = time.perf_counter()
    ours, bar = pass_labels(items, vectors)
    seconds = time.perf_counter() - started
    kmeans = score_draw(draw, KMEANS, kmeans_labels(vectors, draw.groups, draw.seed), 0.0)
    runs: dict[str, tuple[np.ndarray, int, int]] = {PIPELINE: (ours, 0, 0)}
    min_size = adaptive_min_cluster_size(len(draw.rows))
    for nearest, most in ((n, m) for n in neighbours for m in max_pairs):
        for rate in [0.0, *error_rates]:
            name = "+ oracle judge" if rate == 0 else f"+ judge wrong {rate:.0%}"
            if len(neighbours) > 1:
                name += f", {nearest} nearest"
            if len(max_pairs) > 1:
                name += f", at most {most}"
            for split in (False, True):
                labels, splits, apart = ours, [], set()
                split_wrong = 0
                if split:
                    # The product's order: cuts first (out of the same bound), then joins, the cut halves kept apart.
                    splits = splits_to_judge(vectors, ours, min_size=min_size, max_splits=most, distinct_below=bar)
                    split_truths = [_halves_same(split_, draw.truth) for split_ in splits]
                    split_flips = np.random.default_rng([draw.seed, round(rate * 1000), 1]).random(len(splits)) < rate
                    split_wrong = int(split_flips.sum())
                    cut_answers: list[bool | None] = [
                        bool(truth != flip) for truth, flip in zip(split_truths, split_flips, strict=True)
                    ]
                    labels, apart = split_judged(ours, splits, cut_answers)
                cut_intents = majority_intents(labels, draw.truth)
                pairs = pairs_to_judge(
                    vectors, labels, neighbours=nearest, max_pairs=most - len(splits), kept_apart=apart
                )
                truths = [cut_intents[pair.left] == cut_intents[pair.right] for pair in pairs]
                rng = np.random.default_rng([draw.seed, round(rate * 1000)])
                flips = rng.random(len(pairs)) < rate
                answers: list[bool | None] = [bool(truth != flip) for truth, flip in zip(truths, flips, strict=True)]
                joined = judged_labels(vectors, labels, pairs, answers, apart)
                runs[name + (", split too" if split else "")] = (
                    joined,
                    len(splits) + len(pairs),
                    split_wrong + int(flips.sum()),
                )
    scores = [_judged(kmeans, kmeans, 0, 0)]
    for method, (labels, questions, wrong) in runs.items():
        scores.append(_judged(score_draw(draw, method, labels, seconds), kmeans, questions, wrong))
    return scores


def _halves_same(split: SplitToJudge, truth: list[str]) -> bool:
    """The simulated judge's true answer on a split: the two halves' most common intents are the same."""
    first = Counter(truth[i] for i in split.first).most_common(1)[0][0]
    second = Counter(truth[i] for i in split.second).most_common(1)[0][0]
    return first == second


def _judged(score, kmeans, questions: int, wrong: int) -> JudgedScore:  # type: ignore[no-untyped-def]
    return JudgedScore(
        seed=score.seed,
        items=score.items,
        groups=score.groups,
        method=score.method,
        v_measure=score.v_measure,
        ari=score.ari,
        noise_share=score.noise_share,
        issues_per_group=score.issues_per_group,
        aim_met=score.method != KMEANS and meets_aim(score, kmeans),
        questions=questions,
        wrong_answers=wrong,
    )


def summary_markdown(scores: list[JudgedScore]) -> str:
    """Per method: draws meeting the aim, mean V / ARI / noise / issues per group, questions per pass."""
    lines = [
        "| Method | Aim met | V-measure | ARI | Noise | Issues per true group (range) | Questions per pass (max) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for method in dict.fromkeys(s.method for s in scores):
        mine = [s for s in scores if s.method == method]
        asked = [s.questions for s in mine]
        lines.append(
            f"| {method} {method_summary_cells(mine, counts_aim=method != KMEANS)}"
            f"| {f'{np.mean(asked):.1f} ({max(asked)})' if max(asked) else ''} |"
        )
    return "\n".join(lines)


def draws_markdown(scores: list[JudgedScore]) -> str:
    """One row per draw and method."""
    lines = [
        "| Draw (seed: items, groups) | Method | V-measure | ARI | Issues per true group | Aim | Questions (wrong) |",
        "|---|---|---:|---:|---:|---|---:|",
    ]
    for s in scores:
        lines.append(
            f"| {s.seed}: {s.items}, {s.groups} | {s.method} | {s.v_measure:.3f} | {s.ari:.3f} "
            f"| {s.issues_per_group:.2f} | {'met' if s.aim_met else ''} "
            f"| {f'{s.questions} ({s.wrong_answers})' if s.questions else ''} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Score every draw with and without the simulated judges and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=",".join(map(str, EVALUATION_SEEDS)), help="comma-separated draw seeds")
    parser.add_argument(
        "--neighbours", default=str(DEFAULT_NEIGHBOURS), help="comma-separated: nearest issues of each asked about"
    )
    parser.add_argument("--max-pairs", default=str(DEFAULT_MAX_PAIRS), help="comma-separated: most questions a pass")
    parser.add_argument("--error-rates", default="0.1,0.2", help="comma-separated chances of a wrong answer")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/feedgate-banking77-embeddings"))
    add_embedder_argument(parser)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    texts, intents = pooled_banking()
    embeddings = cached_embeddings(texts, args.cache_dir, args.embedder)
    rates = [float(r) for r in args.error_rates.split(",") if r]
    scores: list[JudgedScore] = []
    for seed in (int(s) for s in args.seeds.split(",")):
        draw = draw_small_app(intents, seed)
        nearest = [int(n) for n in args.neighbours.split(",")]
        most = [int(n) for n in args.max_pairs.split(",")]
        found = judge_draw(draw, texts, embeddings, nearest, most, rates)
        scores.extend(found)
        print(
            f"  seed {seed}: {len(draw.rows)} items, {draw.groups} groups; aim met by: "
            + (", ".join(s.method for s in found if s.aim_met) or "none"),
            file=sys.stderr,
            flush=True,
        )
    print(draws_markdown(scores))
    print("\n" + summary_markdown(scores))
    if args.json:
        args.json.write_text(json.dumps([asdict(s) for s in scores], indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
