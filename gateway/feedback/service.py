"""Feedback on interactions: recording it (who is asking, on which interaction, stored once) and listing it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from gateway.domain.feedback import FeedbackEvent
from gateway.domain.interactions import Interaction, InteractionService
from gateway.domain.paging import Page, keyset_page
from gateway.domain.time_range import utc_range
from gateway.feedback.submission import InvalidSubmission, MalformedBody, Submission, parse_submission
from gateway.feedback.token import FeedbackTokens, InvalidToken
from gateway.proxy.credentials import CallerResolver, UnknownKey, bearer_token
from gateway.store.feedback import FeedbackFilter, FeedbackStore


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

    event: FeedbackEvent
    created: bool


class FeedbackService:
    """Records feedback (authenticates, validates, resolves the interaction, appends the event) and lists it."""

    def __init__(
        self,
        *,
        store: FeedbackStore,
        interactions: InteractionService,
        resolver: CallerResolver,
        tokens: FeedbackTokens,
        max_text_chars: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        # Told of every newly stored event (not replays); must return at once (the review rules only enqueue).
        on_recorded: Callable[[Recorded], None] | None = None,
    ) -> None:
        self._store = store
        self._interactions = interactions
        self._resolver = resolver
        self._tokens = tokens
        self._max_text_chars = max_text_chars
        self._clock = clock
        self._on_recorded = on_recorded

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
        recorded = Recorded(FeedbackEvent.from_row(stored), created)
        if created and self._on_recorded is not None:
            self._on_recorded(recorded)
        return recorded

    async def list(self, where: FeedbackFilter, limit: int, cursor: str | None = None) -> Page[FeedbackEvent]:
        """The newest events matching `where`, `limit` at a time; `cursor` (not where.before_id) pages."""
        since, until = utc_range(where.since, where.until)
        where = replace(where, since=since, until=until, before_id=cursor)
        return await keyset_page(lambda n: self._store.list(where, n), limit, FeedbackEvent.from_row)

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

    async def _interaction(self, interaction_id: str) -> Interaction:
        # Feedback can arrive right after the answer, before the batched writer stored it: find waits for it.
        interaction = await self._interactions.find(interaction_id)
        if interaction is None:
            raise FeedbackRefused(404, f"no interaction with id {interaction_id!r}", "interaction_not_found")
        return interaction

    def _event(self, submission: Submission, interaction: Interaction, submitter: Submitter) -> dict[str, Any]:
        now = self._clock()
        return submission.as_event(
            # as_event reads the id and app (imports hand it a whole interaction row).
            {"id": interaction.id, "app": interaction.app},
            created_at=now,
            # The app may already have named the end user on the call (x-feedgate-user).
            user_id=submission.user_id if submission.user_id is not None else interaction.end_user,
            submitted_via=submitter.via,
            seconds_after_answer=max(0.0, (now - interaction.answered_at).total_seconds()),
        )


def _authorize(submitter: Submitter, interaction: Interaction) -> None:
    """Tokens reach only their own interaction; apps only interactions they made."""
    if submitter.via == "token" and submitter.interaction_id != interaction.id:
        raise FeedbackRefused(403, "the feedback token is for another interaction", "invalid_feedback_token")
    if submitter.via == "app" and submitter.app != interaction.app:
        raise FeedbackRefused(403, "this interaction belongs to another app", "forbidden")
