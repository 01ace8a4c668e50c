"""Which new interactions belong to an issue's topic: the cosine threshold to the issue's question centroid, on banking77.

Each intent stands in for an issue: its question centroid is the normalised mean of the embeddings
of `--members` train.csv queries of that intent (seeded sample), as gateway.effect.topic builds it
from an issue's members. Every seventh intent gets no issue: its test queries are traffic about
something else. test.csv queries (40 per intent) are the new interactions to place.

Reported per threshold:
- one issue alone (the hardest case for the threshold: no other issue's centroid competes): the
  share of the issue's own-intent test queries kept, and the share of every other test query let in,
  averaged over issues;
- all issues live (the product's rule: at least the threshold, and above every other issue): the
  share of in-scope queries placed on their own issue, placed on a wrong one, and the share of
  queries of intents without an issue placed anywhere.
Then the chosen threshold (the highest keeping >= 90 % alone) for other member counts.

    .venv/bin/python benchmarks/issue_topic.py [--members 20]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.banking77 import DATA, read_banking
from clustering.embed import SentenceTransformerEmbedder
from gateway.effect.topic import on_topic, question_centroid

THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65)
LEFT_OUT_EVERY = 7
TARGET_KEPT = 0.9


def centroids_for(
    intents: list[str], pools: dict[str, list[str]], members: int, vectors: dict[str, np.ndarray]
) -> np.ndarray:
    """Each intent's question centroid from the first `members` questions of its shuffled pool."""
    rows = []
    for intent in intents:
        chosen = pools[intent][:members]
        centroid = question_centroid(np.stack([vectors[text] for text in chosen]))
        assert centroid is not None
        rows.append(centroid)
    return np.stack(rows)


def alone(
    test_vectors: np.ndarray, test_labels: np.ndarray, intents: list[str], centroids: np.ndarray, t: float
) -> tuple[float, float]:
    """(own-intent share kept, other queries' share let in), each issue alone, averaged over issues."""
    kept, let_in = [], []
    cosines = test_vectors @ centroids.T
    for column, intent in enumerate(intents):
        passes = cosines[:, column] >= t
        own = test_labels == intent
        kept.append(passes[own].mean())
        let_in.append(passes[~own].mean())
    return float(np.mean(kept)), float(np.mean(let_in))


def all_live(
    test_vectors: np.ndarray, test_labels: np.ndarray, intents: list[str], centroids: np.ndarray, t: float
) -> tuple[float, float, float]:
    """(in-scope placed on own issue, in-scope placed on a wrong issue, out-of-scope placed anywhere)."""
    placed_on = np.full(len(test_vectors), -1)
    for column in range(len(intents)):
        others = np.delete(centroids, column, axis=0)
        placed = on_topic(test_vectors, centroids[column], others, t)
        placed_on[placed] = column
    in_scope = np.isin(test_labels, intents)
    own = np.array([placed_on[i] >= 0 and intents[placed_on[i]] == test_labels[i] for i in range(len(test_labels))])
    wrong = (placed_on >= 0) & ~own
    return float(own[in_scope].mean()), float(wrong[in_scope].mean()), float((placed_on[~in_scope] >= 0).mean())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=20, help="member questions per issue (default 20)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    train_texts, train_labels = read_banking(DATA / "train.csv")
    test_texts, test_labels_list = read_banking(DATA / "test.csv")
    all_intents = sorted(set(test_labels_list))
    intents = [intent for index, intent in enumerate(all_intents) if index % LEFT_OUT_EVERY]
    train: dict[str, list[str]] = defaultdict(list)
    for text, label in zip(train_texts, train_labels, strict=True):
        train[label].append(text)

    embedder = SentenceTransformerEmbedder()
    member_counts = sorted({5, args.members, 50})
    rng = random.Random(args.seed)
    # Members come from one seeded pool per intent, so only their number changes between runs.
    pools = {intent: rng.sample(train[intent], len(train[intent]))[: max(member_counts)] for intent in intents}
    needed = set(test_texts) | {text for pool in pools.values() for text in pool}
    texts = sorted(needed)
    started = time.perf_counter()
    embedded = embedder.embed(texts)
    vectors = dict(zip(texts, embedded, strict=True))
    print(f"embedded {len(texts)} texts in {time.perf_counter() - started:.1f} s ({embedder.model_name})")

    test_vectors = np.stack([vectors[text] for text in test_texts])
    test_labels = np.array(test_labels_list)

    def run(members: int) -> np.ndarray:
        return centroids_for(intents, pools, members, vectors)

    centroids = run(args.members)
    print(
        f"\n{len(intents)} issues ({args.members} member questions each); {len(test_texts)} test queries, "
        f"{int((~np.isin(test_labels, intents)).sum())} of them about the {len(all_intents) - len(intents)} intents without an issue\n"
    )
    print(
        "| threshold | alone: own kept | alone: others let in | all live: on own issue | all live: wrong issue | no-issue queries placed |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    chosen = THRESHOLDS[0]
    for t in THRESHOLDS:
        kept, let_in = alone(test_vectors, test_labels, intents, centroids, t)
        own, wrong, stray = all_live(test_vectors, test_labels, intents, centroids, t)
        if kept >= TARGET_KEPT:
            chosen = t
        print(f"| {t:.2f} | {kept:.1%} | {let_in:.2%} | {own:.1%} | {wrong:.1%} | {stray:.1%} |")
    print(f"\nchosen: {chosen:.2f} (the highest threshold keeping >= {TARGET_KEPT:.0%} of own-intent queries alone)\n")
    print("| members | alone: own kept | alone: others let in | all live: on own issue | all live: wrong issue |")
    print("|---:|---:|---:|---:|---:|")
    for members in member_counts:
        centroids = run(members)
        kept, let_in = alone(test_vectors, test_labels, intents, centroids, chosen)
        own, wrong, _ = all_live(test_vectors, test_labels, intents, centroids, chosen)
        print(f"| {members} | {kept:.1%} | {let_in:.2%} | {own:.1%} | {wrong:.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
