"""KnowledgePolicy: adds an app's entries relevant to the end user's last message to its request.

Claimed calls are chat completions and Responses API requests of apps whose snapshot holds
active entries (asked of memory only); every other call pays nothing. The question is embedded
in a worker thread (cached for repeats); the search is a matrix product over the app's vectors.
No match: the request passes as it is, its note naming the closest entry, its score and the
threshold it missed (so a person can see why a fix did not apply). A failure is the decide step's to catch:
the call goes on without knowledge.
"""

from __future__ import annotations

from collections.abc import Callable

from gateway.discovery.items import last_user_message
from gateway.knowledge.index import KnowledgeIndex, Match, RetrievalSettings
from gateway.knowledge.injection import CHAT, RESPONSES, InjectionFormat, with_reference
from gateway.knowledge.query import QueryEmbedder, retrieval_question
from gateway.proxy.policy import PASS, AfterResult, Decision, Pass, PolicyAnswer, PolicyRequest, ReplaceBody

ENDPOINTS = frozenset({CHAT, RESPONSES})


class KnowledgePolicy:
    """Retrieval-augmented requests from each app's knowledge base."""

    name = "knowledge"

    def __init__(
        self,
        snapshot: Callable[[str], KnowledgeIndex | None],
        queries: QueryEmbedder,
        retrieval: RetrievalSettings,
        injection: InjectionFormat,
    ) -> None:
        self._snapshot = snapshot
        self._queries = queries
        self.retrieval = retrieval
        self._injection = injection

    def applies_to(self, app: str, endpoint: str) -> bool:
        """Whether `app` has active entries and `endpoint` takes a system message (from memory)."""
        if endpoint not in ENDPOINTS:
            return False
        index = self._snapshot(app)
        return index is not None and len(index) > 0

    async def before(self, request: PolicyRequest) -> Decision:
        """Add the entries that match the end user's last message as one reference message, or pass."""
        index = self._snapshot(request.app)
        if index is None or not len(index):
            return PASS
        question = retrieval_question(last_user_message(request.json))
        if not question:
            return PASS
        vector = await self._queries.embed(question)
        matches, closest = index.searched(vector, question, self.retrieval)
        if not matches:
            return PASS if closest is None else Pass(note=closest_note(closest, self.retrieval.threshold))
        body = with_reference(request.json, request.endpoint, self._injection.message(matches))
        if body is None:
            return PASS
        entries = [{"id": match.entry.id, "version": match.entry.version, "score": match.score} for match in matches]
        return ReplaceBody(body, note={"entries": entries})

    async def after(self, request: PolicyRequest, answer: PolicyAnswer) -> AfterResult:
        """Nothing to observe."""
        return None


def closest_note(closest: Match, threshold: float) -> dict[str, object]:
    """The note of a search that added nothing: the closest entry (as the interaction records it) and the threshold."""
    entry = closest.entry
    return {
        "threshold": threshold,
        "closest": {"id": entry.id, "version": entry.version, "title": entry.title, "score": closest.score},
    }
