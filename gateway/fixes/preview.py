"""Fix previews: replay some of an issue's interactions with a candidate fix applied, before it goes live.

For up to `limit` (default 10, at most 50) of the issue's newest member interactions (chat
completions and Responses API calls), the request as the app sent it gets the candidate (see
gateway.fixes.candidates) and goes once, as a whole answer, to the upstream the gateway routes
its model to, a few at a time. Each item shows the original answer, the new answer and the end
users' correction, if any. The preview is stored and can be read back.

Cost: one upstream call per replayed interaction (a knowledge candidate that does not match a
question costs none for it). Credential: in gateway-key mode, the routed upstream's own key
from the settings (`api_key_env`); in pass-through mode the gateway holds no key, so the caller
may give one (`authorization`) for the replay; it is used for these calls only and never stored
(the preview records only which kind of credential was used). Without one the calls go out
without an Authorization header.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

import uuid_utils

from gateway.discovery.items import last_user_message
from gateway.domain.blank_text import said_name, says_nothing, without_blank_ends
from gateway.domain.errors import InvalidQuery
from gateway.domain.issue_scope import issue_scope
from gateway.domain.quoting import quoted
from gateway.effect.links import IssueNotFound
from gateway.fixes.candidates import Candidate, CandidateApplier, PromptCandidate, score_text
from gateway.fixes.replay import replay
from gateway.prompts.records import Mode
from gateway.proxy.routing import UpstreamRouter
from gateway.proxy.upstream import UpstreamClient
from gateway.store.fix_previews import FixPreviewStore
from gateway.store.issue_edits import IssueEditStore

Row = dict[str, Any]
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
# How many of an issue's previews a listing shows (newest first).
LISTED = 20
# Replays in flight at once: enough to finish 50 in seconds, few enough not to trip rate limits.
CONCURRENCY = 4
Credential = Literal["routed_upstream_key", "caller_given", "none"]
ItemStatus = Literal["replayed", "failed", "not_matched"]


class NothingToReplay(LookupError):
    """The issue holds no chat or Responses API interaction to replay (a 409 over HTTP): a preview would be empty."""

    def __init__(self, issue_id: str) -> None:
        super().__init__(
            f"issue {issue_id!r} has no chat completion or Responses API interaction to replay: its complaints "
            "vanished, or were all of other endpoints; preview the fix on an issue that holds some"
        )
        self.issue_id = issue_id


@dataclass(frozen=True, slots=True)
class PreviewItem:
    """One interaction replayed: what the user asked, the answer they got, the new one, and their correction."""

    interaction_id: str
    question: str
    original_answer: str | None
    new_answer: str | None
    correction: str | None
    status: ItemStatus
    error: str | None = None
    # A knowledge candidate's retrieval score for the question (None for prompts).
    score: float | None = None
    # Whether an upstream call was made for it (what the preview cost).
    called: bool = False
    # The tool calls the answer they got made, and those of the new answer, as recorded (None: none): a model
    # that answers by calling the app's tools often says no text, and the calls are what the fix changes.
    original_tool_calls: list[Row] | None = None
    new_tool_calls: list[Row] | None = None

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> PreviewItem:
        """An item as stored."""
        return cls(**{name: item.get(name) for name in cls.__slots__})  # type: ignore[arg-type]  # the JSON as_json wrote

    @property
    def score_text(self) -> str | None:
        """The score as the pages show it, on the side of the retrieval bar the question fell (None: no score)."""
        return None if self.score is None else score_text(self.score, matched=self.status != "not_matched")

    def json(self) -> Row:
        """The item as stored and shown."""
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class FixPreview:
    """A stored preview: the candidate, which credential the replays used, and the items."""

    id: str
    issue_id: str
    app: str
    kind: str
    candidate: Row
    requested: int
    credential: Credential
    items: tuple[PreviewItem, ...]
    created_by: str
    created_at: datetime
    # The link its newest make-live made (None: not made live yet, as far as recorded).
    live_link_id: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> FixPreview:
        """A preview from its stored row."""
        items = tuple(PreviewItem.from_json(item) for item in row["items"])
        # The row of a preview just stored has no `live_link_id` yet (never made live).
        fields: dict[str, Any] = {name: row.get(name) for name in cls.__slots__ if name != "items"}
        return cls(items=items, **fields)

    def counts(self) -> dict[str, int]:
        """How many items were replayed, failed or left alone (not matched), and how many calls were made."""
        statuses = ("replayed", "failed", "not_matched")
        counts = {status: sum(item.status == status for item in self.items) for status in statuses}
        counts["upstream_calls"] = sum(item.called for item in self.items)
        return counts


class FixPreviewService:
    """Replays an issue's interactions with a candidate fix and keeps the result."""

    def __init__(
        self,
        store: FixPreviewStore,
        router: UpstreamRouter,
        client: UpstreamClient,
        applier: Callable[[Candidate], CandidateApplier],
        app_mode: Callable[[str], Mode],
        *,
        gateway_mode: bool,
        upstream_keys: Mapping[str, bytes | None],
        issue_heads: IssueEditStore,
        concurrency: int = CONCURRENCY,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._router = router
        self._client = client
        self._applier = applier
        self._app_mode = app_mode
        self._gateway_mode = gateway_mode
        self._upstream_keys = upstream_keys
        # Which issue a preview asked on an issue merged away is about, and what an issue's previews cover.
        self._issue_heads = issue_heads
        self._concurrency = concurrency
        self._clock = clock

    async def preview(
        self,
        issue_id: str,
        candidate: Candidate,
        limit: int = DEFAULT_LIMIT,
        *,
        authorization: str | None = None,
        author: str,
    ) -> FixPreview:
        """Replay up to `limit` of the issue's interactions with `candidate`; IssueNotFound for an unknown issue,
        NothingToReplay when it holds none that can be replayed (nothing is stored then).

        An issue merged away stands for the issue holding its complaints now (the end of its chain of merges,
        gateway.domain.issue_scope): its interactions are replayed and the preview is kept as that issue's, the
        one a fix made live from it is linked to.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise InvalidQuery("limit", f"'limit' must be an integer from 1 to {MAX_LIMIT}; got {quoted(limit)}")
        author = said_name("created_by", author, "name who previews the fix")
        app = await self._store.issue_app(issue_id)
        if app is None:
            raise IssueNotFound(issue_id)
        issue_id = (await issue_scope(self._issue_heads, issue_id)).holder
        if isinstance(candidate, PromptCandidate) and candidate.mode is None:
            candidate = replace(candidate, mode=self._app_mode(app))
        members = await self._store.members_to_replay(issue_id, limit)
        if not members:
            raise NothingToReplay(issue_id)
        applier = self._applier(candidate)
        given = _bearer(authorization)
        credential: Credential = "caller_given" if given else "none"
        if self._gateway_mode:
            credential = "routed_upstream_key" if any(self._upstream_keys.values()) else "none"
        slots = asyncio.Semaphore(self._concurrency)

        async def one(member: Row) -> PreviewItem:
            async with slots:
                return await self._replay_one(member, applier, given)

        items = await asyncio.gather(*(one(member) for member in members))
        row = {
            "id": str(uuid_utils.uuid7()), "issue_id": issue_id, "app": app, "kind": candidate.kind,
            "candidate": candidate.fields(), "requested": limit, "credential": credential,
            "items": [item.json() for item in items], "created_by": author, "created_at": self._clock(),
        }  # fmt: skip
        return FixPreview.from_row(await self._store.insert(row))

    async def get(self, preview_id: str) -> FixPreview | None:
        """A stored preview (None: no such preview)."""
        row = await self._store.get(preview_id)
        return FixPreview.from_row(row) if row is not None else None

    async def for_issue(self, issue_id: str, limit: int = LISTED) -> list[FixPreview]:
        """The newest previews of the issues a filter on `issue_id` covers (its own and those of every issue merged
        into it; for an issue merged away, its survivor's: gateway.domain.issue_scope), newest first; IssueNotFound
        for an unknown issue."""
        if await self._store.issue_app(issue_id) is None:
            raise IssueNotFound(issue_id)
        scope = await issue_scope(self._issue_heads, issue_id)
        return [FixPreview.from_row(row) for row in await self._store.for_issues(scope.issue_ids, limit)]

    async def _replay_one(self, member: Row, applier: CandidateApplier, given: bytes | None) -> PreviewItem:
        request, endpoint = member["request"], member["endpoint"]
        question = last_user_message(request)
        correction = "\n".join(member["corrections"]) or None
        base = {
            "interaction_id": member["id"], "question": question, "original_answer": member["response_text"],
            "original_tool_calls": member["tool_calls"] or None,
        }  # fmt: skip
        applied = await applier.apply(request, endpoint, question)
        if applied.body is None:
            status: ItemStatus = "not_matched" if applied.not_matched else "failed"
            return PreviewItem(**base, new_answer=None, correction=correction, status=status, error=applied.reason,
                               score=applied.score)  # fmt: skip
        model = request.get("model")
        upstream = self._router.route(model if isinstance(model, str) else None)
        key = self._upstream_keys.get(upstream.name) if self._gateway_mode else given
        result = await replay(self._client, upstream, endpoint, applied.body, key)
        status = "replayed" if result.error is None else "failed"
        return PreviewItem(
            **base, new_answer=result.answer, correction=correction, status=status, error=result.error,
            score=applied.score, called=True, new_tool_calls=result.tool_calls,
        )  # fmt: skip


def _bearer(authorization: str | None) -> bytes | None:
    """The Authorization value for a caller-given key: "Bearer <key>" (a bare key is prefixed); None for no key.

    A key that says nothing by the one rule (gateway.domain.blank_text), zero-width spaces alone, bare or after
    "Bearer ", is no key, as an empty one: it went upstream as "Bearer ?", and the preview named it the caller's.
    """
    key = without_blank_ends(authorization or "")
    if key[:6].lower() == "bearer" and says_nothing(key[6:7]):  # "Bearer" then a blank, or nothing at all
        key = without_blank_ends(key[6:])
    if says_nothing(key):
        return None
    return ("Bearer " + key).encode("latin-1", errors="replace")
