"""Lexical matching: how much of a question's weighted vocabulary an entry shares (BM25's idf, no length terms).

The score is query-normalised, so it lies in [0, 1] and means the same for every question:
the idf-weighted share of the question's words that appear in the entry.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"[a-z0-9]+")
# Words that carry no topic; without this list "how do i ..." matches everything a little.
STOPWORDS = frozenset(
    "a an and are as at be been but by can could did do does for from had has have how i if in into is it its "
    "me my no not of on or our so than that the their them then there these they this to too up us was we were "
    "what when where which who why will with would you your yours im ive dont cant".split()
)


def tokens(text: str) -> set[str]:
    """The distinct content words of `text`, lower-cased, plural "s" stripped."""
    words = _WORD.findall(text.lower().replace("'", ""))
    return {_stem(word) for word in words if word not in STOPWORDS}


def _stem(word: str) -> str:
    # Just enough to make "cards" meet "card"; a real stemmer buys little on short questions.
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


class LexicalIndex:
    """Each entry's words, with an inverted index, for scoring a question against every entry at once."""

    def __init__(self, documents: Sequence[str]) -> None:
        self.size = len(documents)
        postings: dict[str, list[int]] = {}
        for position, document in enumerate(documents):
            for token in tokens(document):
                postings.setdefault(token, []).append(position)
        self._postings = {token: np.asarray(rows, dtype=np.int64) for token, rows in postings.items()}
        # A word no entry has gets the rarest idf: a question full of unknown words scores low everywhere.
        self._unknown_idf = self._idf(0)

    def _idf(self, document_frequency: int) -> float:
        return math.log(1 + (self.size - document_frequency + 0.5) / (document_frequency + 0.5))

    def scores(self, question: str) -> np.ndarray:
        """Per entry, the idf-weighted share of the question's words it contains, in [0, 1]."""
        result = np.zeros(self.size, dtype=np.float32)
        total = 0.0
        for token in tokens(question):
            rows = self._postings.get(token)
            if rows is None:
                total += self._unknown_idf
                continue
            weight = self._idf(len(rows))
            total += weight
            result[rows] += weight
        return result / total if total else result
