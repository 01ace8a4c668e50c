"""The same complaints give the same issues: a pass repeated in this process and in a fresh one (benchmarks/pass_determinism.py)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from clustering import DiscoveryParams, FeedbackItem, build_documents, discover_clusters

BANKING77 = Path(__file__).resolve().parents[3] / "shared" / "data" / "banking77" / "train.csv"
# A fresh process imports UMAP and numba anew: seconds on a quiet machine, minutes on a loaded one.
pytestmark = [pytest.mark.timeout(400), pytest.mark.umap]
# Enough complaints for UMAP and the small-app choice of density scale and merges (50-2,000).
COUNT = 120

CHILD = """
import sys
import numpy as np
from clustering import DiscoveryParams, FeedbackItem, discover_clusters
texts = open(sys.argv[1], encoding="utf-8").read().split("\\n")
vectors = np.load(sys.argv[2])
items = [FeedbackItem(interaction_id=str(i), app="bank", user_message=t) for i, t in enumerate(texts)]
clusters = discover_clusters(items, vectors, params=DiscoveryParams())
for cluster in clusters:
    print(" ".join(cluster.member_ids) + "|" + cluster.title)
"""


def banking_complaints() -> list[str]:
    """Real end-user questions from banking77's train.csv: 15 of each of 8 intents (every 9th intent), in file order."""
    by_intent: dict[str, list[str]] = {}
    with BANKING77.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_intent.setdefault(row["category"], []).append(row["text"].strip())
    intents = sorted(by_intent)[::9][:8]
    return [text for intent in intents for text in list(dict.fromkeys(by_intent[intent]))[:15]]


def issues(texts: list[str], vectors: np.ndarray) -> list[str]:
    items = [FeedbackItem(interaction_id=str(i), app="bank", user_message=t) for i, t in enumerate(texts)]
    return [" ".join(c.member_ids) + "|" + c.title for c in discover_clusters(items, vectors, params=DiscoveryParams())]


def test_a_pass_gives_the_same_issues_again_here_and_in_a_fresh_process(embedder, tmp_path: Path) -> None:
    texts = banking_complaints()
    assert len(texts) == COUNT and "\n" not in "".join(texts)
    items = [FeedbackItem(interaction_id=str(i), app="bank", user_message=t) for i, t in enumerate(texts)]
    vectors = embedder.embed(build_documents(items))
    here = issues(texts, vectors)
    assert len(here) >= 5
    assert issues(texts, vectors) == here
    (tmp_path / "texts.txt").write_text("\n".join(texts), encoding="utf-8")
    np.save(tmp_path / "vectors.npy", vectors)
    # Another hash seed: set and dict order of strings differ there; numba, BLAS and UMAP start afresh.
    env = dict(os.environ, PYTHONHASHSEED="12345", PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    fresh = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "texts.txt"), str(tmp_path / "vectors.npy")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=380,
    )
    assert fresh.stdout.splitlines() == here
