"""One app's retrieval index: its active entries' vectors (and words), searched for a question.

Each entry has two vectors: its title with its content, and the mean (re-normalised) of its
example questions' vectors; it scores the better of the two. Measured in
benchmarks/knowledge_retrieval.py: on banking77 this ties one vector of everything joined
(recall@1 0.816 vs 0.822 with lexical matching) and beats one vector per example question
(0.800), while a question phrased like an example still scores high when the content is a long
answer (one joined vector dilutes it: 0.52 against 0.84 in tests/knowledge). Lexical overlap
blended in at 0.2 adds 3-4 points of recall@1 and injects fewer unrelated entries at the same
hit rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from clustering.embed import normalise_rows
from gateway.knowledge.lexical import LexicalIndex


@dataclass(frozen=True, slots=True)
class IndexedEntry:
    """An active entry as the index keeps it (the version is what the interaction records)."""

    id: str
    version: int
    title: str
    content: str
    example_questions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    """An entry relevant to a question, with its score (cosine, or the blend with lexical matching)."""

    entry: IndexedEntry
    score: float


@dataclass(frozen=True, slots=True)
class RetrievalSettings:
    """How many entries may be added (`top_k`), how relevant they must be, and how much words count."""

    threshold: float
    top_k: int
    # score = (1 - w) * cosine + w * lexical; 0 is dense only.
    lexical_weight: float = 0.0
    # Only entries within this much of the best match's score are added (None: no such cut):
    # near-ties are kept, a distant second is not.
    margin: float | None = None


def entry_texts(entry: IndexedEntry) -> list[str]:
    """What is embedded for an entry: its title with its content, then each example question."""
    return [f"{entry.title}\n{entry.content}", *entry.example_questions]


def lexical_text(entry: IndexedEntry) -> str:
    """The words lexical matching looks at: title, content and example questions."""
    return "\n".join([entry.title, entry.content, *entry.example_questions])


class KnowledgeIndex:
    """Searchable vectors of some entries; `vectors` row i belongs to entry `owners[i]` (grouped, ascending)."""

    def __init__(self, entries: Sequence[IndexedEntry], vectors: np.ndarray, owners: Sequence[int]) -> None:
        if len(vectors) != len(owners):
            raise ValueError(f"{len(vectors)} vectors for {len(owners)} owners")
        self.entries = tuple(entries)
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        owner_array = np.asarray(owners, dtype=np.int64)
        if len(owner_array) and (np.any(np.diff(owner_array) < 0) or set(owner_array) != set(range(len(entries)))):
            raise ValueError("every entry needs at least one vector, grouped in entry order")
        # Where each entry's rows start, for a per-entry maximum in one numpy call.
        self._starts = np.flatnonzero(np.r_[True, np.diff(owner_array) != 0]) if len(owner_array) else owner_array
        self._lexical = LexicalIndex([lexical_text(entry) for entry in self.entries])

    def __len__(self) -> int:
        return len(self.entries)

    def scores(self, query: np.ndarray, question: str, lexical_weight: float = 0.0) -> np.ndarray:
        """Every entry's score for a question (its unit `query` vector and its text)."""
        if not self.entries:
            return np.zeros(0, dtype=np.float32)
        # einsum, not `@`: a matrix-vector product this small goes to BLAS's thread pool, whose
        # threads must be woken for every request (23 ms wall, 6 ms CPU on a busy 2-core host,
        # against 0.8 ms in one thread for 5,000 vectors: benchmarks/knowledge_latency.py).
        similarities = np.einsum("ij,j->i", self._vectors, np.asarray(query, dtype=np.float32))
        dense = np.maximum.reduceat(similarities, self._starts)
        if lexical_weight <= 0:
            return dense
        return (1 - lexical_weight) * dense + lexical_weight * self._lexical.scores(question)

    def search(self, query: np.ndarray, question: str, settings: RetrievalSettings) -> list[Match]:
        """The at most `top_k` entries scoring at least `threshold`, best first (ties: by id, for a stable order)."""
        return self.searched(query, question, settings)[0]

    def searched(
        self, query: np.ndarray, question: str, settings: RetrievalSettings
    ) -> tuple[list[Match], Match | None]:
        """`search`'s matches, and when there are none the closest entry below the threshold (None: no entries)."""
        scores = self.scores(query, question, settings.lexical_weight)
        matches = self._passing(scores, settings)
        if matches or not len(scores):
            return matches, None
        # One pass over the scores already computed: what a person needs to see why nothing was added.
        best = int(np.argmax(scores))
        return matches, Match(self.entries[best], round(float(scores[best]), 4))

    def _passing(self, scores: np.ndarray, settings: RetrievalSettings) -> list[Match]:
        passing = np.flatnonzero(scores >= settings.threshold)
        ranked = sorted(passing.tolist(), key=lambda row: (-float(scores[row]), self.entries[row].id))[: settings.top_k]
        if ranked and settings.margin is not None:
            floor = float(scores[ranked[0]]) - settings.margin
            ranked = [row for row in ranked if scores[row] >= floor]
        return [Match(self.entries[row], round(float(scores[row]), 4)) for row in ranked]


def index_texts(entries: Sequence[IndexedEntry]) -> list[str]:
    """The texts to embed for `entries`, in order (see `entry_texts`)."""
    return [text for entry in entries for text in entry_texts(entry)]


def build_index(entries: Sequence[IndexedEntry], text_vectors: np.ndarray) -> KnowledgeIndex:
    """The index of `entries` from the vectors of `index_texts(entries)`: title+content, and the questions' mean."""
    vectors: list[np.ndarray] = []
    owners: list[int] = []
    row = 0
    for position, entry in enumerate(entries):
        vectors.append(text_vectors[row])
        owners.append(position)
        questions = len(entry.example_questions)
        if questions:
            vectors.append(normalise_rows(text_vectors[row + 1 : row + 1 + questions].mean(axis=0, keepdims=True))[0])
            owners.append(position)
        row += 1 + questions
    if row != len(text_vectors):
        raise ValueError(f"{len(text_vectors)} vectors for {row} texts")
    dims = text_vectors.shape[1] if text_vectors.ndim == 2 else 0
    stacked = np.stack(vectors) if vectors else np.zeros((0, dims), dtype=np.float32)
    return KnowledgeIndex(entries, stacked, owners)
