"""Candidate fixes for a preview, and applying one to a recorded request with the policies' own injection.

A knowledge candidate is placed exactly as KnowledgePolicy places an entry: a one-entry index of the
candidate (built by gateway.knowledge.index) is searched with the live retrieval settings, and a
match goes in through gateway.knowledge.injection; a question it does not match is left alone, as
the live policy would. A prompt candidate goes in through gateway.prompts.policy.INJECTORS.
Only the candidate is applied: the app's other live fixes are not part of the replay.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from clustering.embed import Embedder
from gateway.domain.blank_text import says_nothing
from gateway.domain.errors import InvalidQuery
from gateway.domain.fixed_values import not_one_of
from gateway.domain.kind_fields import refuse_other_kinds_fields
from gateway.knowledge.fields import checked_content, checked_questions, checked_title
from gateway.knowledge.index import IndexedEntry, KnowledgeIndex, RetrievalSettings, build_index, index_texts
from gateway.knowledge.injection import InjectionFormat, with_reference
from gateway.knowledge.query import retrieval_question
from gateway.prompts.policy import INJECTORS
from gateway.prompts.records import DEFAULT_MODE, MODES, Mode, is_mode
from gateway.prompts.service import MAX_TEXT

Json = dict[str, Any]
EmbedderSource = Callable[[], Awaitable[Embedder]]
# The id and version a not-yet-stored entry carries in the reference message.
CANDIDATE_ID = "candidate"


@dataclass(frozen=True, slots=True)
class KnowledgeCandidate:
    """A knowledge-base entry as it would be created (nothing is stored)."""

    title: str
    content: str
    example_questions: tuple[str, ...] = ()

    kind = "knowledge"

    def fields(self) -> Json:
        """The candidate as stored with the preview."""
        return {"title": self.title, "content": self.content, "example_questions": list(self.example_questions)}


@dataclass(frozen=True, slots=True)
class PromptCandidate:
    """An instruction version as it would be published, with the mode it would be applied in (None: the app's)."""

    text: str
    mode: Mode | None = None

    kind = "prompt"

    def fields(self) -> Json:
        """The candidate as stored with the preview."""
        return {"text": self.text, "mode": self.mode}


Candidate = KnowledgeCandidate | PromptCandidate


def knowledge_candidate(title: str, content: str, example_questions: Sequence[str] = ()) -> KnowledgeCandidate:
    """A checked knowledge candidate (the entry's own field rules); InvalidQuery names a bad field."""
    return KnowledgeCandidate(checked_title(title), checked_content(content), checked_questions(example_questions))


def prompt_candidate(text: str, mode: str | None = None) -> PromptCandidate:
    """A checked prompt candidate; InvalidQuery names a bad field."""
    if not isinstance(text, str) or says_nothing(text):
        raise InvalidQuery("text", "'text' must be the instructions: a non-empty string")
    if len(text) > MAX_TEXT:
        raise InvalidQuery("text", f"'text' may be at most {MAX_TEXT} characters")
    if mode is None or is_mode(mode):
        return PromptCandidate(text, mode)
    raise not_one_of("mode", MODES, mode)


# The fields each kind of candidate takes: one of the other kind is refused, not silently left out
# (gateway.domain.kind_fields).
KNOWLEDGE_FIELDS = ("title", "content", "example_questions")
PROMPT_FIELDS = ("text", "mode")


def candidate_from(
    kind: str,
    *,
    title: str | None = None,
    content: str | None = None,
    example_questions: Sequence[str] = (),
    text: str | None = None,
    mode: str | None = None,
) -> Candidate:
    """The candidate these fields describe; InvalidQuery names a missing or bad field, or one of the other kind."""
    given = {"title": title, "content": content, "example_questions": example_questions, "text": text, "mode": mode}
    if kind not in ("knowledge", "prompt"):
        raise not_one_of("kind", ("knowledge", "prompt"), kind)
    refuse_other_kinds_fields(kind, given, KNOWLEDGE_FIELDS if kind == "knowledge" else PROMPT_FIELDS, "candidate")
    if kind == "knowledge":
        if title is None or content is None:
            raise InvalidQuery("content", "a knowledge candidate needs 'title' and 'content'")
        return knowledge_candidate(title, content, example_questions)
    if text is None:
        raise InvalidQuery("text", "a prompt candidate needs 'text': the instructions")
    return prompt_candidate(text, mode)


@dataclass(frozen=True, slots=True)
class Applied:
    """A request with the candidate in it (`body`), or None with why (`reason`); `score` for knowledge."""

    body: Json | None
    reason: str | None = None
    score: float | None = None
    # The entry scored below the live retrieval's bar for this question: the live policy would leave it alone.
    not_matched: bool = False


class CandidateApplier:
    """Applies one candidate to recorded requests, as the live policy would."""

    def __init__(
        self,
        candidate: Candidate,
        embed: Callable[[Sequence[str]], Awaitable[np.ndarray]],
        retrieval: RetrievalSettings,
        injection: InjectionFormat,
    ) -> None:
        self.candidate = candidate
        self._embed = embed
        self._retrieval = retrieval
        self._injection = injection
        self._index: KnowledgeIndex | None = None

    async def apply(self, request: Json, endpoint: str, question: str) -> Applied:
        """`request` with the candidate applied; a question the entry does not match stays as it is (body None)."""
        candidate = self.candidate
        if isinstance(candidate, PromptCandidate):
            return Applied(INJECTORS[endpoint](request, candidate.text, candidate.mode or DEFAULT_MODE))
        index = await self._candidate_index(candidate)
        question = retrieval_question(question)  # what the live policy reads of it
        vector = (await self._embed([question]))[0]
        matches = index.search(vector, question, self._retrieval)
        if not matches:
            score = float(index.scores(vector, question, self._retrieval.lexical_weight)[0])
            threshold = self._retrieval.threshold
            shown = score_text(score, matched=False, places=4)
            return Applied(None, f"the entry does not match this question (score {shown} < {threshold})", score, True)
        body = with_reference(request, endpoint, self._injection.message(matches))
        if body is None:
            return Applied(None, "the request has no place for a system message", matches[0].score)
        return Applied(body, None, matches[0].score)

    async def _candidate_index(self, candidate: KnowledgeCandidate) -> KnowledgeIndex:
        if self._index is None:
            entry = IndexedEntry(CANDIDATE_ID, 0, candidate.title, candidate.content, candidate.example_questions)
            vectors = await self._embed(index_texts([entry]))
            self._index = await asyncio.to_thread(build_index, [entry], vectors)
        return self._index


def score_text(score: float, *, matched: bool, places: int = 2) -> str:
    """A retrieval score as a person reads it, never rounded across the bar: one below it is rounded down."""
    # 0.5994 rounded to "0.60" read as a match at a 0.6 bar, beside a question the entry was said to miss.
    if matched:
        return f"{score:.{places}f}"
    return f"{math.floor(score * 10**places) / 10**places:.{places}f}"


def embed_with(source: EmbedderSource) -> Callable[[Sequence[str]], Awaitable[np.ndarray]]:
    """Texts to unit vectors with the product's embedder, in a worker thread."""

    async def embed(texts: Sequence[str]) -> np.ndarray:
        embedder = await source()
        return await asyncio.to_thread(embedder.embed, list(texts))

    return embed
