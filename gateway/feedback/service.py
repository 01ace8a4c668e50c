"""Feedback on interactions: recording it (who is asking, on which interaction, stored once) and listing it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from gateway.domain.feedback import FeedbackEvent
from gateway.domain.following import FollowPage, StoredOrder, follow_page, refuse_filters
from gateway.domain.interactions import Interaction, InteractionService
from gateway.domain.paging import Page, keyset_page, parse_position_cursor
from gateway.domain.time_range import utc_range
from gateway.feedback.limits import FeedbackLimits, RateLimited
from gateway.feedback.posted_interaction import PostedInteractions, not_found
from gateway.feedback.refused import FeedbackRefused
from gateway.feedback.submission import InvalidSubmission, MalformedBody, Submission, TextTooLong, parse_submission
from gateway.feedback.submitters import Submitter, authorize, refuse_a_different_post, refuse_unknown_choice, voice
from gateway.feedback.token import ExpiredToken, FeedbackTokens, InvalidToken, looks_like_token
from gateway.json_media_type import is_json, json_please
from gateway.observability.metrics import record_feedback
from gateway.proxy.credentials import CallerResolver, UnknownKey, given_bearer
from gateway.store.feedback import EndUserErased, FeedbackFilter, FeedbackStore, InteractionRemoved
from gateway.store.feedback_token_uses import TokenBound, TokenExhausted

# The tokens of /api/feedback?stored_after= (gateway.domain.following).
FOLLOWED = StoredOrder("/api/feedback")


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
        limits: FeedbackLimits | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        # Told of every newly stored event (not replays); must return at once (the review rules only enqueue).
        on_recorded: Callable[[Recorded], None] | None = None,
    ) -> None:
        self._store = store
        self._interactions = interactions
        self._posted = PostedInteractions(interactions, clock, store.erasure_of)
        self._resolver = resolver
        self._tokens = tokens
        self._max_text_chars = max_text_chars
        self._limits = limits if limits is not None else FeedbackLimits()
        self._clock = clock
        self._on_recorded = on_recorded

    async def record(
        self,
        body: bytes,
        *,
        authorization: str | None,
        token: str | None,
        client_address: str | None = None,
        content_type: str | None = None,
    ) -> Recorded:
        """Store the feedback in `body`; raises FeedbackRefused with the status and reason otherwise.

        `client_address` is the posting browser's, for the per-address rate limit of token posts; `content_type` the
        post's Content-Type header (a body that is not JSON, sent as something else, is told to send JSON: 415).
        """
        # When the post came: the event's time, so a voter's posts stay in the order they were sent (two waiting for
        # a stream to be stored found it in their own order, and the vote sent first could end up current), and an
        # erasure of its end user after this drops it.
        received = self._clock()
        submitter: Submitter | None = None
        submission: Submission | None = None
        try:
            submitter = await self._authenticate(authorization, token, client_address)
            try:
                named = submitter.token.interaction_id if submitter.token is not None else None
                submission = parse_submission(body, self._max_text_chars, named)
            except TextTooLong as exc:
                raise FeedbackRefused(422, exc.message, "feedback_text_too_long", exc.field) from None
            except MalformedBody as exc:
                raise _malformed(exc, content_type) from None
            except InvalidSubmission as exc:
                raise FeedbackRefused(422, exc.message, "invalid_feedback", exc.field) from None
            # Only a well-formed post counts against its token's or app's limit: a developer fixing a
            # misspelt field kept seeing 429s that hid the 422 saying what to fix. A flood of bad posts
            # from one browser is still held by the per-address limit, counted before any of this.
            await self._charge(submitter)
        except RateLimited as limited:
            if submitter is not None and await self._exhausted(submitter):
                # A retry of a post stored before the token was spent gets that post's event, as it would
                # under the rate: told "spent, do not retry", its page took the stored vote for lost.
                replayed = await self._replayed(submission, submitter, received) if submission is not None else None
                if replayed is not None:
                    return replayed
                # Waiting would not help: no Retry-After telling the page to try again in a few seconds.
                raise self._exhausted_refusal() from None
            retry_after = limited.retry_after
            raise FeedbackRefused(429, limited.message, "rate_limit_exceeded", retry_after=retry_after) from None
        try:
            interaction = await self._posted.find(submission.interaction_id, submitter, submission.user_id)
            authorize(submitter, submission.interaction_id, interaction)
            refuse_unknown_choice(submission, interaction)
            event = self._event(submission, interaction, submitter, received)
        except FeedbackRefused:
            # Refused for what it names (an unknown or other interaction, another user): like a 422, it
            # spends only the address's allowance, so the refusal that says what to fix stays in view.
            token_id = submitter.token.token_id if submitter.token is not None else None
            await self._limits.give_back(token_id, submitter.app)
            raise
        try:
            stored, created = await self._store.append(event, bound=self._bound(submitter, event), made_at=received)
        except TokenExhausted:
            raise self._exhausted_refusal() from None
        except InteractionRemoved:
            # Pruned or erased between the lookup and the insert: as if the lookup had come after.
            raise not_found(submission.interaction_id) from None
        except EndUserErased:
            message = f"end user {event['user_id']!r} was erased while this post was on its way; it was not stored"
            raise FeedbackRefused(409, message, "end_user_erased") from None
        if not created:
            refuse_a_different_post(stored, self._store.as_stored(event))
        recorded = Recorded(FeedbackEvent.from_row(stored), created)
        record_feedback(recorded)
        if created and self._on_recorded is not None:
            self._on_recorded(recorded)
        return recorded

    async def list(self, where: FeedbackFilter, limit: int, cursor: str | None = None) -> Page[FeedbackEvent]:
        """The newest events matching `where`, `limit` at a time; `cursor` (not where.after) pages.

        `cursor` is a previous page's next_cursor (InvalidQuery for anything else). `where.interaction_id` names an
        interaction as a post does: by the gateway's id or the upstream's response id (of `where.app`, if given).
        """
        if where.interaction_id is not None:
            named = await self._interactions.find(where.interaction_id, where.app)
            # An id no interaction has lists nothing, as before; an erased answer's feedback is gone with it.
            if named is not None:
                where = replace(where, interaction_id=named.id)
        since, until = utc_range(where.since, where.until)
        where = replace(where, since=since, until=until, after=parse_position_cursor(cursor))
        return await keyset_page(lambda n: self._store.list(where, n), limit, FeedbackEvent.from_row)

    async def follow(
        self, where: FeedbackFilter, limit: int, stored_after: str, cursor: str | None = None
    ) -> FollowPage[FeedbackEvent]:
        """The events stored after the `stored_after` token ("start", "now" or a previous answer's next_stored_after;
        InvalidQuery for anything else), oldest stored first, of where.app only: another filter is refused."""
        given: dict[str, object] = {"cursor": cursor, "interaction_id": where.interaction_id}
        given |= {"negative": where.negative, "has_correction": where.has_correction}
        refuse_filters("app and limit", given | {"since": where.since, "until": where.until})
        return await follow_page(
            FOLLOWED,
            stored_after,
            self._store.stored_horizon,
            lambda after: self._store.list_stored_after(after, limit, where.app),
            FeedbackEvent.from_row,
        )

    async def _authenticate(
        self, authorization: str | None, token: str | None, client_address: str | None
    ) -> Submitter:
        """Who posts; raises FeedbackRefused, or RateLimited when the posting address is over its limit."""
        # A bearer of blank characters alone (zero-width spaces) is none: refused as missing, not as a wrong key.
        bearer = given_bearer(authorization)
        if token is None and bearer is not None and looks_like_token(bearer):
            # A front end that sends the token the usual way, as the bearer credential: it is no app's key.
            token = bearer
        if token is not None:
            # The address first: it also stops a flood of forged tokens before any signature is checked.
            await self._limits.check_address(client_address)
            try:
                verified = self._tokens.verify(token)
            except ExpiredToken as exc:
                # Its own code: an app answers it with a fresh answer, where invalid_feedback_token is a bug to fix.
                raise FeedbackRefused(403, str(exc), "feedback_token_expired") from None
            except InvalidToken as exc:
                raise FeedbackRefused(403, str(exc), "invalid_feedback_token") from None
            return Submitter("token", token=verified)
        if bearer is None:
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

    async def _exhausted(self, submitter: Submitter) -> bool:
        """Whether `submitter` is a token that has stored all the submissions it may (asked only past a rate limit)."""
        bound = self._limits.max_submissions_per_token
        if submitter.token is None or bound is None:
            return False
        return await self._store.token_submissions(submitter.token.token_id) >= bound

    async def _replayed(self, submission: Submission, submitter: Submitter, received: datetime) -> Recorded | None:
        """The event a token post repeats under its idempotency key, as `record` answers a replay; None if none."""
        if submitter.token is None or submission.idempotency_key is None:
            return None
        stored = await self._store.keyed(submitter.token.interaction_id, submission.idempotency_key)
        interaction = await self._interactions.find(submitter.token.interaction_id) if stored is not None else None
        if stored is None or interaction is None:
            return None
        authorize(submitter, submission.interaction_id, interaction)
        posted = self._event(submission, interaction, submitter, received)
        refuse_a_different_post(stored, self._store.as_stored(posted))
        return Recorded(FeedbackEvent.from_row(stored), created=False)

    def _exhausted_refusal(self) -> FeedbackRefused:
        """The 429 for a token past its bound: it will not refill, so it carries no Retry-After."""
        message = (
            f"this feedback token has stored its {self._limits.max_submissions_per_token} submissions, "
            "the most one answer's token may; the latest one stays current"
        )
        return FeedbackRefused(429, message, "feedback_token_exhausted")

    async def _charge(self, submitter: Submitter) -> None:
        """Count a well-formed post against its token's or its app's rate limit; RateLimited when over it."""
        if submitter.token is not None:
            await self._limits.check_token(submitter.token.token_id)
        elif submitter.app is not None:
            await self._limits.check_app(submitter.app)

    def _event(
        self, submission: Submission, interaction: Interaction, submitter: Submitter, received: datetime
    ) -> dict[str, Any]:
        """The row storing `submission`, given at `received` (a vote sent while its answer streamed: 0 s after it)."""
        speaker = voice(submission, interaction, submitter)
        return submission.as_event(
            # as_event reads the id and app (imports hand it a whole interaction row).
            {"id": interaction.id, "app": interaction.app},
            created_at=received,
            user_id=speaker.user_id,
            submitted_via=submitter.via,
            seconds_after_answer=max(0.0, (received - interaction.answered_at).total_seconds()),
            voter=speaker.voter,
        )

    def _bound(self, submitter: Submitter, event: dict[str, Any]) -> TokenBound | None:
        """What a token post counts against: its token's bound (app posts have none)."""
        if submitter.token is None or self._limits.max_submissions_per_token is None:
            return None
        return TokenBound(
            token_id=submitter.token.token_id,
            interaction_id=event["interaction_id"],
            max_submissions=self._limits.max_submissions_per_token,
            at=event["created_at"],
        )


def _malformed(exc: MalformedBody, content_type: str | None) -> FeedbackRefused:
    """The refusal of a body that is not JSON: 415 asking for JSON when it was not sent as JSON (a form, plain text)."""
    # The fix for a form is to send JSON, not to mend it. A JSON body under another type is read (`curl -d '{...}'`
    # labels it a form); credentials are checked first, so an HTML form's post stays the 401 it was.
    if content_type is None or is_json(content_type):
        return FeedbackRefused(400, exc.message, "invalid_feedback", exc.field)
    example = '{"interaction_id": "…", "thumbs": "up"}'
    return FeedbackRefused(
        415, f"{json_please(content_type)} (a JSON object such as {example})", "unsupported_media_type"
    )
