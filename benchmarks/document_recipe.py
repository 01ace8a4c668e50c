"""Which parts of a piece of negative feedback to embed: the recipes, measured.

A thumbs-down arrives with the user's question, the assistant's answer, and sometimes a
comment or correction. Banking77 gives real questions with known issues (intents) but
no answers or comments, so this builds feedback around each real question, seeded and
documented, and scores the product's pipeline on each recipe:

- the question: the banking77 query itself;
- a comment on half of the items: on half of those a *specific* complaint, another real
  query of the same intent (a user restating the problem in their own words); on the
  other half a *generic* one ("this is wrong", "useless answer"), which says nothing
  about the topic, as most real thumbs-down comments do;
- the answer, in one of two shapes: *on-topic* (the assistant restates the question,
  then pads with the same polite support text for every item, as assistants do), or
  *off-topic* (it restates a real query of another intent, then the same padding: the
  answer drifted, a common reason for a thumbs-down). The intent names never appear
  in any document.

For each recipe it reports V-measure, ARI, noise, issues found and embedding time
(cost grows with tokens: answers are the longest part).

    .venv/bin/python benchmarks/document_recipe.py [--data test.csv] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from banking77 import DATA, read_banking  # noqa: E402

from clustering import (  # noqa: E402
    DocumentRecipe,
    FeedbackItem,
    InMemoryEmbeddingCache,
    SentenceTransformerEmbedder,
    build_documents,
    discover_clusters,
    embed_with_cache,
)

DEFAULT_DATA = DATA / "test.csv"
GENERIC_COMPLAINTS = [
    "this is wrong",
    "useless answer",
    "that did not help at all",
    "not what I asked",
    "wrong, please fix",
    "bad answer",
    "this makes no sense",
    "incorrect information",
]
BOILERPLATE = (
    "Thank you for reaching out, I am happy to help. I understand how frustrating this can be. "
    "Please make sure your app is updated to the latest version and that you are logged in. "
    "If the problem continues, you can contact our support team through the help section at any time."
)

RECIPES = {
    "question only": DocumentRecipe(include_comment=False, include_correction=False),
    "comment only": DocumentRecipe(include_user_message=False),
    "comment + question (default)": DocumentRecipe(),
    "comment + question + answer": DocumentRecipe(include_answer=True),
    "question + answer": DocumentRecipe(include_comment=False, include_correction=False, include_answer=True),
}


@dataclass
class RecipeScore:
    """One recipe's result on one answer shape."""

    recipe: str
    answers: str
    v_measure: float
    ari: float
    noise_share: float
    issues: int
    embed_seconds: float
    mean_words: float


def build_items(texts: list[str], intents: list[str], answers: str, seed: int) -> list[FeedbackItem]:
    """Feedback around each real question, as the module docstring describes."""
    rng = random.Random(seed)
    by_intent: dict[str, list[int]] = {}
    for index, intent in enumerate(intents):
        by_intent.setdefault(intent, []).append(index)
    items = []
    for index, (text, intent) in enumerate(zip(texts, intents, strict=True)):
        comment = None
        if rng.random() < 0.5:
            if rng.random() < 0.5:
                comment = texts[rng.choice([i for i in by_intent[intent] if i != index])]
            else:
                comment = rng.choice(GENERIC_COMPLAINTS)
        if answers == "on-topic":
            restated = text
        else:
            restated = texts[rng.choice([i for i in range(len(texts)) if intents[i] != intent])]
        answer = f"About your question, {restated!r}: {BOILERPLATE}"
        items.append(
            FeedbackItem(interaction_id=str(index), app="bench", user_message=text, answer=answer, comment=comment)
        )
    return items


def score_recipe(
    name: str,
    recipe: DocumentRecipe,
    items: list[FeedbackItem],
    intents: list[str],
    embedder: SentenceTransformerEmbedder,
    cache: InMemoryEmbeddingCache,
    answers: str,
) -> RecipeScore:
    """Embed `items` with `recipe` and score the clusters against the intents."""
    from sklearn.metrics import adjusted_rand_score, v_measure_score

    documents = build_documents(items, recipe)
    start = time.perf_counter()
    embeddings = embed_with_cache(embedder, cache, documents)
    embed_seconds = time.perf_counter() - start
    labels = np.full(len(items), -1)
    for number, cluster in enumerate(discover_clusters(items, embeddings, documents=documents)):
        labels[list(cluster.member_indices)] = number
    return RecipeScore(
        recipe=name,
        answers=answers,
        v_measure=float(v_measure_score(intents, labels)),
        ari=float(adjusted_rand_score(intents, labels)),
        noise_share=float(np.mean(labels == -1)),
        issues=len(set(labels.tolist()) - {-1}),
        embed_seconds=embed_seconds,
        mean_words=float(np.mean([len(d.split()) for d in documents])),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    texts, intents = read_banking(args.data)
    embedder = SentenceTransformerEmbedder()
    cache = InMemoryEmbeddingCache()
    embedder.embed(["warm up"])
    scores = []
    for answers in ("on-topic", "off-topic"):
        items = build_items(texts, intents, answers, args.seed)
        for name, recipe in RECIPES.items():
            if answers == "off-topic" and not recipe.include_answer:
                continue  # same documents as with on-topic answers: already scored
            scores.append(score_recipe(name, recipe, items, intents, embedder, cache, answers))
            print(f"  {answers}: {name}", file=sys.stderr)
    print("| Recipe | Answers | V-measure | ARI | Noise | Issues | Words per document | Embedding (s) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for s in scores:
        shown = s.answers if "answer" in s.recipe else "-"
        print(
            f"| {s.recipe} | {shown} | {s.v_measure:.3f} | {s.ari:.3f} | {s.noise_share:.1%} | {s.issues} "
            f"| {s.mean_words:.0f} | {s.embed_seconds:.1f} |"
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(s) for s in scores], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
