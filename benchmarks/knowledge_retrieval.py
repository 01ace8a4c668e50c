"""Knowledge-base retrieval on banking77: quality per recipe, blend and threshold, and its cost per request.

One entry per intent, written from train.csv (title: the intent name humanised; content: a
sentence built from three train queries; example questions: four other train queries). Every
seventh intent is left out of the knowledge base: its test queries are out of scope, so any entry
injected for them is unrelated. Queries are test.csv (40 per intent).

Reported:
- recall@1 / recall@3 for in-scope queries (ranking only, no threshold), per embedding recipe and
  lexical weight;
- at each threshold (top-k 3, margin 0.05): the share of in-scope queries that get their own
  entry, the share of injected entries whose intent is wrong (also without the margin), and the
  share of out-of-scope queries that get any;
- the request-time cost with 1,000 active entries (benchmarks/knowledge_latency.py): p50/p95/p99
  and CPU time of KnowledgePolicy.before() for questions never seen (embedded in a worker thread
  by each ONNX copy of the model and, turn about on the same questions, by sentence-transformers)
  and repeated (LRU hit), each copy's embedding of one question alone, and the event loop's
  stalls meanwhile (a 1 ms ticker), against the same embedding run on the loop.

Entries are embedded by sentence-transformers, as the gateway's product embedder does; questions
by `--query-embedder` (the `knowledge_query_embedder` setting: "onnx-int8", "onnx" or "model";
default: the gateway's), one question per call as on the request path (int8 vectors depend a
little on what shares a batch). `--entries-too` embeds the entries with it as well, to compare.

    .venv/bin/python benchmarks/knowledge_retrieval.py [--query-embedder onnx-int8] [--latency-runs 300]
        [--vector-cache /tmp/kb.npz] [--model-cache-dir DIR]   (where the ONNX copies are made;
        default: the gateway's model_cache_dir)
    taskset -c 0 .venv/bin/python benchmarks/knowledge_retrieval.py --skip-quality   (latency on one core)
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import get_args

import numpy as np

from clustering.embed import Embedder, SentenceTransformerEmbedder
from clustering.embed_onnx import OnnxVariant, load_onnx_embedder
from gateway.config import Settings
from gateway.knowledge.index import (
    IndexedEntry,
    KnowledgeIndex,
    build_index,
    index_texts,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "banking77"
LEFT_OUT_EVERY = 7
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75)
LEXICAL_WEIGHTS = (0.0, 0.2, 0.35)
TOP_K = 3
MARGIN = 0.05
# `knowledge_query_embedder` settings that run an ONNX copy, and which copy.
ONNX_VARIANTS: dict[str, OnnxVariant] = {"onnx-int8": "int8", "onnx": "float"}
QUERY_EMBEDDERS: tuple[str, ...] = get_args(Settings.model_fields["knowledge_query_embedder"].annotation)


def read(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return [(row["text"].strip(), row["category"]) for row in csv.DictReader(file)]


def humanised(intent: str) -> str:
    words = intent.replace("_", " ").replace("-", " ")
    return words[:1].upper() + words[1:]


def entry_for(intent: str, examples: Sequence[str], entry_id: str | None = None) -> IndexedEntry:
    """An entry written from train queries of `intent`: 3 make the content, the next 4 are example questions."""
    title = humanised(intent)
    quoted = "; ".join(f'"{text.rstrip("?.! ")}"' for text in examples[:3])
    content = f"{title}. Customers ask about this in words like {quoted}."
    return IndexedEntry(entry_id or intent, 1, title, content, tuple(examples[3:7]))


def joined(entry: IndexedEntry) -> list[str]:
    return ["\n".join([entry.title, *entry.example_questions, entry.content])]


def title_content(entry: IndexedEntry) -> list[str]:
    return [f"{entry.title}\n{entry.content}"]


def each_example(entry: IndexedEntry) -> list[str]:
    return [f"{entry.title}\n{entry.content}", *entry.example_questions]


def layout_index(recipe: Callable[[IndexedEntry], list[str]]) -> Callable[..., KnowledgeIndex]:
    """An index with the vectors of `recipe`'s texts per entry (the entry scores its best)."""

    def build(entries: Sequence[IndexedEntry], embed: Callable[[Sequence[str]], np.ndarray]) -> KnowledgeIndex:
        texts = [recipe(entry) for entry in entries]
        owners = [position for position, group in enumerate(texts) for _ in group]
        return KnowledgeIndex(entries, embed([text for group in texts for text in group]), owners)

    return build


def gateway_index(entries: Sequence[IndexedEntry], embed: Callable[[Sequence[str]], np.ndarray]) -> KnowledgeIndex:
    """The gateway's own index (gateway.knowledge.index): title+content, and the mean of the examples."""
    return build_index(entries, embed(index_texts(entries)))


CHOSEN = "title+content, mean of examples (best of 2)"
RECIPES: dict[str, Callable[..., KnowledgeIndex]] = {
    "title+content (1 vector)": layout_index(title_content),
    "title, examples, content joined (1 vector)": layout_index(joined),
    "title+content, each example (best of 5)": layout_index(each_example),
    CHOSEN: gateway_index,
}


class Embeddings:
    """Each distinct text embedded once across the whole run (and across runs, with a `cache` file)."""

    def __init__(self, embedder: Embedder, cache: Path | None = None, *, one_per_call: bool = False) -> None:
        self._embedder = embedder
        self._cache = cache
        self._one_per_call = one_per_call  # as questions are embedded on the request path
        self._known: dict[str, np.ndarray] = {}
        if cache is not None and cache.exists():
            stored = np.load(cache, allow_pickle=False)
            # A file from another embedder (or from before files named theirs) is not used.
            if "model" in stored.files and str(stored["model"]) == embedder.model_name:
                self._known = dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in self._known]
        if missing:
            if self._one_per_call:
                vectors = np.stack([self._embedder.embed([text])[0] for text in missing])
            else:
                vectors = self._embedder.embed(missing)
            self._known.update(zip(missing, vectors, strict=True))
            if self._cache is not None:
                known = list(self._known)
                vectors = np.stack([self._known[t] for t in known])
                np.savez(self._cache, texts=np.asarray(known), vectors=vectors, model=self._embedder.model_name)
        return np.stack([self._known[text] for text in texts])


def closeness(reference: Embeddings, other: Embeddings) -> None:
    """Print how close `other`'s vectors of the test queries are to `reference`'s (cosine)."""
    texts = list(dict.fromkeys(text for text, _ in read(DATA / "test.csv")))
    cosines = np.einsum("ij,ij->i", other(texts), reference(texts))
    print(
        f"\n{len(texts)} test queries' vectors against sentence-transformers' (cosine): mean {cosines.mean():.4f}, "
        f"1st percentile {np.percentile(cosines, 1):.4f}, min {cosines.min():.4f}"
    )


def quality(embed: Embeddings, embed_questions: Embeddings) -> None:
    """Print the ranking and injection tables: entries embedded by `embed`, questions by `embed_questions`."""
    train, test = read(DATA / "train.csv"), read(DATA / "test.csv")
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in train:
        by_intent[intent].append(text)
    intents = sorted(by_intent)
    left_out = {intent for position, intent in enumerate(intents) if position % LEFT_OUT_EVERY == LEFT_OUT_EVERY - 1}
    entries = [entry_for(intent, by_intent[intent]) for intent in intents if intent not in left_out]
    in_scope = [(text, intent) for text, intent in test if intent not in left_out]
    out_of_scope = [text for text, intent in test if intent in left_out]
    started = time.perf_counter()
    query_vectors = dict(zip([t for t, _ in test], embed_questions([t for t, _ in test]), strict=True))
    print(
        f"{len(entries)} entries ({len(left_out)} intents left out), {len(in_scope)} in-scope and "
        f"{len(out_of_scope)} out-of-scope test queries; queries embedded in {time.perf_counter() - started:.1f} s\n"
    )

    print("### Ranking (no threshold), in-scope queries\n")
    print("| what is embedded per entry | lexical weight | recall@1 | recall@3 |")
    print("|---|---:|---:|---:|")
    indexes = {name: build(entries, embed) for name, build in RECIPES.items()}
    chosen: dict[float, tuple[float, float]] = {}
    for name, index in indexes.items():
        for weight in LEXICAL_WEIGHTS:
            at1 = at3 = 0
            for text, intent in in_scope:
                scores = index.scores(query_vectors[text], text, weight)
                top = [index.entries[row].id for row in np.argsort(-scores)[:3]]
                at1 += top[0] == intent
                at3 += intent in top
            print(f"| {name} | {weight} | {at1 / len(in_scope):.3f} | {at3 / len(in_scope):.3f} |")
            if name == CHOSEN:
                chosen[weight] = (at1 / len(in_scope), at3 / len(in_scope))
    print(
        "\nThe gateway's recipe, recall@1 / recall@3 by lexical weight: "
        + ", ".join(f"{weight}: {at1:.4f} / {at3:.4f}" for weight, (at1, at3) in chosen.items())
    )

    index = indexes[CHOSEN]
    print(f"\n### Injection at a threshold (top-k {TOP_K}, margin {MARGIN}; {CHOSEN})\n")
    print(
        "| lexical weight | threshold | in-scope queries given their entry | in-scope queries given any |"
        " injected entries that are wrong | (same, without the margin) | out-of-scope queries given any |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for weight in LEXICAL_WEIGHTS[:2]:
        in_scores = [(index.scores(query_vectors[t], t, weight), intent) for t, intent in in_scope]
        out_scores = [index.scores(query_vectors[t], t, weight) for t in out_of_scope]
        for threshold in THRESHOLDS:
            hit = anything = 0
            injected = [0, 0]
            wrong = [0, 0]
            for scores, intent in in_scores:
                top = np.argsort(-scores)[:TOP_K]
                passing = [row for row in top if scores[row] >= threshold]
                near = [row for row in passing if scores[row] >= scores[top[0]] - MARGIN]
                chosen = [index.entries[row].id for row in near]
                hit += intent in chosen
                anything += bool(chosen)
                for variant, rows in enumerate((near, passing)):
                    injected[variant] += len(rows)
                    wrong[variant] += sum(1 for row in rows if index.entries[row].id != intent)
            oos = sum(1 for scores in out_scores if scores.max() >= threshold)
            print(
                f"| {weight} | {threshold} | {hit / len(in_scores):.3f} | {anything / len(in_scores):.3f} | "
                f"{wrong[0] / max(injected[0], 1):.3f} | {wrong[1] / max(injected[1], 1):.3f} | "
                f"{oos / len(out_scores):.3f} |"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-runs", type=int, default=300)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--vector-cache", type=Path, help="an .npz file keeping embeddings between runs")
    parser.add_argument("--model-cache-dir", type=Path, help="where the ONNX copies are kept (default: the gateway's)")
    parser.add_argument(
        "--query-embedder", choices=QUERY_EMBEDDERS, help="what embeds questions (default: the gateway's setting)"
    )
    parser.add_argument("--entries-too", action="store_true", help="embed the entries with --query-embedder as well")
    args = parser.parse_args()
    settings = Settings()
    cache_dir = args.model_cache_dir or settings.model_cache_dir
    setting = args.query_embedder or settings.knowledge_query_embedder
    embedder = SentenceTransformerEmbedder()
    embedder.embed(["warm up"])
    embed = Embeddings(embedder, args.vector_cache)
    cpus = sorted(os.sched_getaffinity(0))
    print(
        f"# Knowledge retrieval on banking77 ({os.cpu_count()} cores, this process on {cpus}, "
        f"load average {os.getloadavg()[0]:.2f})\n"
    )
    if not args.skip_quality:
        questions = embed
        if setting in ONNX_VARIANTS:
            copy = load_onnx_embedder(cache_dir, variant=ONNX_VARIANTS[setting])
            questions = Embeddings(copy, one_per_call=True)
        print(
            f"Questions embedded by `{setting}`; entries by {'it too' if args.entries_too else 'sentence-transformers'}\n"
        )
        quality(questions if args.entries_too else embed, questions)
        if questions is not embed:
            closeness(embed, questions)
    if not args.skip_latency:
        from knowledge_latency import latency  # the script's folder is on sys.path

        train, test = read(DATA / "train.csv"), read(DATA / "test.csv")
        asked = [text for text, _ in test]
        copies = {
            name: partial(load_onnx_embedder, cache_dir, variant=variant) for name, variant in ONNX_VARIANTS.items()
        }
        asyncio.run(latency(args.latency_runs, embedder, embed, train, asked, entry_for, copies))
        print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
