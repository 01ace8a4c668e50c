"""Recording feedback: who is asking, on which interaction, and storing it once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any


from gateway.feedback.submission import InvalidSubmission, MalformedBody, Submission, parse_submission
from gateway.feedback.token import FeedbackTokens, InvalidToken
from gateway.proxy.credentials import CallerResolver, UnknownKey, bearer_token
from gateway.store.feedback import FeedbackStore

Row = dict[str, Any]


class FeedbackRefused(Exception):
    """Feedback that is not accepted: `status` is the HTTP status that says why."""

    def __init__(self, status: int, message: str, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.field = field


@dataclass(frozen=True, slots=True)
class Submitter:
    """Who posts feedback: an app with its own credential, or a browser holding a token for one interaction."""

    via: str  # "app" or "token"
    app: str | None = None
    interaction_id: str | None = None


@dataclass(frozen=True, slots=True)
class Recorded:
    """The stored event, and whether this request stored it (False: an idempotent replay)."""

    event: Row
    created: bool


class FeedbackService:
    """Authenticates, validates, resolves the interaction and appends the event."""

    def __init__(
        self,
        *,
        store: FeedbackStore,
        find_interaction: Callable[[str], Awaitable[Row | None]],
        flush_interactions: Callable[[], Awaitable[None]],
        resolver: CallerResolver,
        tokens: FeedbackTokens,
        max_text_chars: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._find_interaction = find_interaction
        self._flush_interactions = flush_interactions
        self._resolver = resolver
        self._tokens = tokens
        self._max_text_chars = max_text_chars
        self._clock = clock

    async def record(self, body: bytes, *, authorization: str | None, token: str | None) -> Recorded:
        """Store the feedback in `body`; raises FeedbackRefused with the status and reason otherwise."""
        submitter = await self._authenticate(authorization, token)
        try:
            submission = parse_submission(body, self._max_text_chars)
        except InvalidSubmission as exc:
            status = 400 if isinstance(exc, MalformedBody) else 422
            raise FeedbackRefused(status, exc.message, "invalid_feedback", exc.field) from None
        interaction = await self._interaction(submission.interaction_id)
        _authorize(submitter, interaction)
        event = self._event(submission, interaction, submitter)
        stored, created = await self._store.append(event)
        return Recorded(stored, created)

    async def _authenticate(self, authorization: str | None, token: str | None) -> Submitter:
        if token is not None:
            try:
                return Submitter("token", interaction_id=self._tokens.verify(token))
            except InvalidToken as exc:
                raise FeedbackRefused(403, str(exc), "invalid_feedback_token") from None
        if bearer_token(authorization) is None:
            message = (
                "send the app's API key as 'Authorization: Bearer <key>', "
                "or the answer's feedback token as the 'x-feedgate-feedback-token' header"
            )
            raise FeedbackRefused(401, message, "missing_credentials")
        try:
            caller = await self._resolver.resolve(authorization)
        except UnknownKey as exc:
            raise FeedbackRefused(401, f"incorrect API key ({exc})", "invalid_api_key") from None
        return Submitter("app", app=caller.app)

    async def _interaction(self, interaction_id: str) -> Row:
        interaction = await self._find_interaction(interaction_id)
        if interaction is None:
            # Feedback can arrive right after the answer, before the batched writer stored it.
            await self._flush_interactions()
            interaction = await self._find_interaction(interaction_id)
        if interaction is None:
            raise FeedbackRefused(404, f"no interaction with id {interaction_id!r}", "interaction_not_found")
        return interaction

    def _event(self, submission: Submission, interaction: Row, submitter: Submitter) -> Row:
        now = self._clock()
        return submission.as_event(
            interaction,
            created_at=now,
            # The app may already have named the end user on the call (x-feedgate-user).
            user_id=submission.user_id if submission.user_id is not None else interaction.get("end_user"),
            submitted_via=submitter.via,
            seconds_after_answer=_seconds_after_answer(interaction, now),
        )


def _authorize(submitter: Submitter, interaction: Row) -> None:
    """Tokens reach only their own interaction; apps only interactions they made."""
    if submitter.via == "token" and submitter.interaction_id != interaction["id"]:
        raise FeedbackRefused(403, "the feedback token is for another interaction", "invalid_feedback_token")
    if submitter.via == "app" and submitter.app != interaction["app"]:
        raise FeedbackRefused(403, "this interaction belongs to another app", "forbidden")


def _seconds_after_answer(interaction: Row, now: datetime) -> float | None:
    created_at: datetime | None = interaction.get("created_at")
    if created_at is None:
        return None
    if created_at.tzinfo is None:  # SQLite hands back naive values that were stored as UTC
        created_at = created_at.replace(tzinfo=UTC)
    answered_at = created_at + timedelta(milliseconds=interaction.get("latency_ms") or 0.0)
    return max(0.0, (now - answered_at).total_seconds())
