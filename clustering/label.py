"""Describe clusters for humans: c-TF-IDF keywords, typical examples, a short title."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import openai

__all__ = [
    "MAX_ISSUE_TITLE",
    "ClusterTitle",
    "LLMTitler",
    "capped_title",
    "ctfidf_keywords",
    "keyword_terms",
    "representative_indices",
    "title_from_keywords",
]


# What gateway.privacy.redaction writes in place of a match (rule names are [a-z0-9_-]): with redaction on,
# every complaint quoting an address holds "[redacted:email]", and issues were titled "Card, redacted, email".
REDACTED = re.compile(r"\[redacted:[a-z0-9_-]{1,40}\]")


@functools.cache
def _line_terms() -> Callable[[str], list[str]]:
    from sklearn.feature_extraction.text import CountVectorizer

    analyzer: Callable[[str], list[str]] = CountVectorizer(stop_words="english", ngram_range=(1, 2)).build_analyzer()
    return analyzer


def keyword_terms(text: str) -> list[str]:
    """The terms a keyword can be, as `ctfidf_keywords` counts them in `text`: words and bigrams, line by line.

    Lower-cased words of two or more characters without English stop words, and pairs of
    neighbouring ones; a bigram never spans two lines (two documents or two document parts),
    and a word next to itself ("refund refund") is no phrase. What redaction put in place of personal
    data ("[redacted:email]") is no term, and breaks its line as a new line would.
    """
    found = (term for line in REDACTED.sub("\n", text).split("\n") for term in _line_terms()(line))
    return [term for term in found if len(set(term.split())) == len(term.split())]


def ctfidf_keywords(
    documents: Sequence[str],
    labels: Sequence[int] | np.ndarray,
    top_n: int = 8,
    topics: Sequence[str] | None = None,
) -> dict[int, list[str]]:
    """The `top_n` words and bigrams that set each cluster (label >= 0) apart from the others.

    Class-based TF-IDF (as in BERTopic): each cluster's documents are treated as one
    document; a term scores its frequency in the cluster times log(1 + A / f), where f is
    its frequency across all clusters and A the average number of words per cluster.
    Words every cluster uses ("please", "help") score low even if frequent. Noise is
    included in f so that words common to everything are penalised, but gets no keywords.

    `topics` (one per document, its lines that say what it is about: clustering.documents.topic_text)
    rank a cluster's terms that none of its topic texts use after those that one does. The comments
    of an app's complaints share the words that say an answer is bad, and in an app with one or two
    topics c-TF-IDF cannot tell them from the topic: a cluster about transfer fees whose comments
    said "wrong answer" was titled "Answer, fee, wrong". A word of the comment that the questions
    use too ("fee") keeps its rank; a cluster whose topic texts are empty ranks as before.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    labels_array = np.asarray(labels, dtype=int)
    cluster_labels = sorted(set(labels_array.tolist()) - {-1})
    if not cluster_labels:
        return {}
    groups = cluster_labels + ([-1] if (labels_array == -1).any() else [])
    # One line per document part (see build_document), terms taken line by line: a bigram
    # never spans two documents or two parts ("arrived refund" from "...never arrived" and
    # "Refund on..."), and a word next to itself ("refund refund") is no phrase.
    joined = _joined(documents, labels_array, groups)
    vectorizer = CountVectorizer(analyzer=keyword_terms)
    try:
        counts = vectorizer.fit_transform(joined).toarray().astype(np.float64)
    except ValueError:
        # Nothing but stop words (or empty texts): there is no vocabulary to rank.
        return {label: [] for label in cluster_labels}
    vocabulary = vectorizer.get_feature_names_out()
    term_frequency = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    average_words = counts.sum() / len(groups)
    idf = np.log1p(average_words / np.maximum(counts.sum(axis=0), 1.0))
    scores = term_frequency * idf
    topical = None
    if topics is not None:
        if len(topics) != len(documents):
            raise ValueError(f"{len(documents)} documents but {len(topics)} topic texts")
        # Per cluster (row), the terms (columns) its members' topic texts use: lines of its documents, so
        # every one is in the documents' vocabulary.
        topical = vectorizer.transform(_joined(topics, labels_array, cluster_labels)).toarray() > 0
    keywords: dict[int, list[str]] = {}
    for row, label in enumerate(cluster_labels):
        if topical is not None and topical[row].any():
            # By score within each rank: the topic texts' terms first, then the rest (np.lexsort: last key first).
            ranked = np.lexsort((-scores[row], ~topical[row]))
        else:
            ranked = np.argsort(-scores[row], kind="stable")
        keywords[label] = [str(vocabulary[i]) for i in ranked[:top_n] if scores[row, i] > 0]
    return keywords


def _joined(texts: Sequence[str], labels: np.ndarray, groups: list[int]) -> list[str]:
    """Each group's texts as one, a line each (so that no bigram spans two of them)."""
    return ["\n".join(texts[int(i)] for i in np.flatnonzero(labels == group)) for group in groups]


def representative_indices(
    embeddings: np.ndarray, member_indices: Sequence[int] | np.ndarray, top_n: int = 3
) -> list[int]:
    """The `top_n` members closest (cosine) to the members' mean: the most typical examples.

    One of several identical documents (the same complaint sent again, the same correction on the
    same question: one vector) stands for them all, so the examples show `top_n` different things.
    """
    members = np.asarray(member_indices, dtype=int)
    if len(members) == 0:
        return []
    vectors = embeddings[members]
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    closest: list[int] = []
    for position in np.argsort(-(vectors @ centroid), kind="stable"):
        if len(closest) == top_n:
            break
        if any(np.array_equal(vectors[position], embeddings[chosen]) for chosen in closest):
            continue
        closest.append(int(members[position]))
    return closest


def title_from_keywords(keywords: Sequence[str], max_terms: int = 3) -> str:
    """A short title from ranked keywords, skipping words already inside a chosen phrase."""
    chosen: list[str] = []
    for keyword in keywords:
        words = set(keyword.split())
        # "card arrive" already says "card": do not spend a slot repeating it.
        if any(words <= set(taken.split()) or set(taken.split()) <= words for taken in chosen):
            if len(keyword.split()) > 1:
                # A phrase beats the single word it contains: keep the more specific one.
                chosen = [taken for taken in chosen if not set(taken.split()) <= words]
                chosen.append(keyword)
            continue
        chosen.append(keyword)
        if len(chosen) == max_terms:
            break
    if not chosen:
        return "Unlabelled issue"
    title = ", ".join(chosen[:max_terms])
    return capped_title(title[0].upper() + title[1:])


# The longest issue title, whoever gives it: a person renaming it (gateway.domain.issues), an LLM, or
# the keywords. Generated titles are cut to it (`capped_title`), so every title a clustering run
# stores fits the forms and the `expected_title` a triage sends back.
MAX_ISSUE_TITLE = 200


def capped_title(title: str) -> str:
    """`title` with its runs of spaces folded, cut to MAX_ISSUE_TITLE characters (ending in "…" when cut)."""
    folded = " ".join(title.split())
    if len(folded) <= MAX_ISSUE_TITLE:
        return folded
    return folded[: MAX_ISSUE_TITLE - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class ClusterTitle:
    """A human title and a one-line summary for a cluster."""

    title: str
    summary: str


_TITLER_INSTRUCTIONS = (
    "You name recurring problems reported by users of an AI assistant. Given keywords and "
    "example complaints from one group, reply with JSON only: "
    '{"title": "<at most 8 words, names the problem>", "summary": "<one sentence>"}.'
)


class LLMTitler:
    """Asks an OpenAI-compatible chat model, through the sync SDK `client`, for a cluster's title and summary."""

    def __init__(self, client: openai.OpenAI, model: str, *, max_example_chars: int = 300) -> None:
        # The caller builds the client: where it points, its key and timeouts are configuration.
        self._client = client
        self.model = model
        self.max_example_chars = max_example_chars

    def title(self, keywords: Sequence[str], examples: Sequence[str]) -> ClusterTitle:
        """A title and summary for the cluster described by `keywords` and `examples`."""
        listed = "\n".join(f"- {example[: self.max_example_chars]}" for example in examples)
        prompt = f"Keywords: {', '.join(keywords)}\nExamples:\n{listed}"
        response = self._client.chat.completions.create(
            model=self.model,
            messages=[
                {"role": "system", "content": _TITLER_INSTRUCTIONS},
                {"role": "user", "content": prompt},
            ],
            temperature=0,
        )
        content = (response.choices[0].message.content or "").strip()
        return _parse_title(content, fallback=title_from_keywords(keywords))


def _parse_title(content: str, fallback: str) -> ClusterTitle:
    # Models often wrap JSON in a code fence or add prose; take the outermost braces.
    start, end = content.find("{"), content.rfind("}")
    if start != -1 and end > start:
        try:
            parsed = json.loads(content[start : end + 1])
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            title = capped_title(str(parsed.get("title") or "")) or fallback
            return ClusterTitle(title=title, summary=str(parsed.get("summary") or "").strip())
    # Not JSON: treat the first line as the title, so a chatty model still helps.
    first_line = content.splitlines()[0].strip() if content else ""
    return ClusterTitle(title=capped_title(first_line.strip('"# ')) or fallback, summary="")
