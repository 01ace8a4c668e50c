"""Feedback on interactions: recording it (who is asking, on which interaction, stored once) and listing it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import uuid_utils

from gateway.domain.feedback import FeedbackEvent
from gateway.domain.following import FollowPage, StoredOrder, follow_page, refuse_filters
from gateway.domain.interactions import Interaction, InteractionService
from gateway.domain.paging import Page, keyset_page, parse_position_cursor
from gateway.domain.time_range import utc_range
from gateway.feedback.limits import FeedbackLimits, RateLimited
from gateway.feedback.submission import SIGNALS, InvalidSubmission, MalformedBody, Submission, parse_submission
from gateway.feedback.token import FeedbackTokens, InvalidToken, VerifiedToken, looks_like_token
from gateway.observability.metrics import record_feedback
from gateway.proxy.credentials import CallerResolver, UnknownKey, bearer_token
from gateway.store.feedback import EndUserErased, FeedbackFilter, FeedbackStore, InteractionRemoved
from gateway.store.feedback_token_uses import TokenBound, TokenExhausted


class FeedbackRefused(Exception):
    """Feedback that is not accepted: `status` is the HTTP status that says why.

    `retry_after` (seconds) is set when the post was over a rate limit and may be tried again then.
    """

    def __init__(
        self, status: int, message: str, code: str, field: str | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.field = field
        self.retry_after = retry_after


# How long a token post waits for an interaction another gateway process answered but has not
# stored yet (its writer flushes every 0.2 s by default), and how often it looks.
# The tokens of /api/feedback?stored_after= (gateway.domain.following).
FOLLOWED = StoredOrder("/api/feedback")
VOUCHED_WAIT_SECONDS = 3.0
VOUCHED_POLL_SECONDS = 0.05
# A stream is stored when it ends, but its headers (the token among them) come before its first
# chunk, and a page shows the thumbs as soon as it has them: a token post on an answer still
# streaming waits until this long after the call began (its id, a UUIDv7, says when).
STREAM_WAIT_SECONDS = 60.0
STREAM_POLL_SECONDS = 0.25
# Past the wait, a call begun this recently may still be streaming: "post again", not "no such answer".
STILL_STREAMING_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Submitter:
    """Who posts feedback: an app with its own credential, or a browser holding a token for one interaction."""

    via: str  # "app" or "token"
    app: str | None = None
    token: VerifiedToken | None = None


@dataclass(frozen=True, slots=True)
class Voice:
    """Whom a submission is stored for (`user_id`) and, when that is not who it counts as, its `voter`."""

    user_id: str | None
    voter: str | None


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
        self._resolver = resolver
        self._tokens = tokens
        self._max_text_chars = max_text_chars
        self._limits = limits if limits is not None else FeedbackLimits()
        self._clock = clock
        self._on_recorded = on_recorded

    async def record(
        self, body: bytes, *, authorization: str | None, token: str | None, client_address: str | None = None
    ) -> Recorded:
        """Store the feedback in `body`; raises FeedbackRefused with the status and reason otherwise.

        `client_address` is the posting browser's, for the per-address rate limit of token posts.
        """
        # When the post came: an erasure of its end user after this drops it (the lookup may wait, for a stream).
        received = self._clock()
        submitter: Submitter | None = None
        submission: Submission | None = None
        try:
            submitter = await self._authenticate(authorization, token, client_address)
            try:
                submission = parse_submission(body, self._max_text_chars)
            except InvalidSubmission as exc:
                status = 400 if isinstance(exc, MalformedBody) else 422
                raise FeedbackRefused(status, exc.message, "invalid_feedback", exc.field) from None
            # Only a well-formed post counts against its token's or app's limit: a developer fixing a
            # misspelt field kept seeing 429s that hid the 422 saying what to fix. A flood of bad posts
            # from one browser is still held by the per-address limit, counted before any of this.
            self._charge(submitter)
        except RateLimited as limited:
            if submitter is not None and await self._exhausted(submitter):
                # A retry of a post stored before the token was spent gets that post's event, as it would
                # under the rate: told "spent, do not retry", its page took the stored vote for lost.
                replayed = await self._replayed(submission, submitter) if submission is not None else None
                if replayed is not None:
                    return replayed
                # Waiting would not help: no Retry-After telling the page to try again in a few seconds.
                raise self._exhausted_refusal() from None
            retry_after = limited.retry_after
            raise FeedbackRefused(429, limited.message, "rate_limit_exceeded", retry_after=retry_after) from None
        try:
            interaction = await self._submitted_interaction(submission.interaction_id, submitter)
            _authorize(submitter, submission.interaction_id, interaction)
            _refuse_unknown_choice(submission, interaction)
            event = self._event(submission, interaction, submitter)
        except FeedbackRefused:
            # Refused for what it names (an unknown or other interaction, another user): like a 422, it
            # spends only the address's allowance, so the refusal that says what to fix stays in view.
            token_id = submitter.token.token_id if submitter.token is not None else None
            self._limits.give_back(token_id, submitter.app)
            raise
        try:
            stored, created = await self._store.append(event, bound=self._bound(submitter, event), made_at=received)
        except TokenExhausted:
            raise self._exhausted_refusal() from None
        except InteractionRemoved:
            # Pruned or erased between the lookup and the insert: as if the lookup had come after.
            raise _not_found(submission.interaction_id) from None
        except EndUserErased:
            message = f"end user {event['user_id']!r} was erased while this post was on its way; it was not stored"
            raise FeedbackRefused(409, message, "end_user_erased") from None
        if not created:
            _refuse_a_different_post(stored, self._store.as_stored(event))
        recorded = Recorded(FeedbackEvent.from_row(stored), created)
        record_feedback(recorded)
        if created and self._on_recorded is not None:
            self._on_recorded(recorded)
        return recorded

    async def list(self, where: FeedbackFilter, limit: int, cursor: str | None = None) -> Page[FeedbackEvent]:
        """The newest events matching `where`, `limit` at a time; `cursor` (not where.after) pages.

        `cursor` is a previous page's next_cursor (InvalidQuery for anything else).
        """
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
        bearer = bearer_token(authorization)
        if token is None and bearer is not None and looks_like_token(bearer):
            # A front end that sends the token the usual way, as the bearer credential: it is no app's key.
            token = bearer
        if token is not None:
            # The address first: it also stops a flood of forged tokens before any signature is checked.
            self._limits.check_address(client_address)
            try:
                verified = self._tokens.verify(token)
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

    async def _replayed(self, submission: Submission, submitter: Submitter) -> Recorded | None:
        """The event a token post repeats under its idempotency key, as `record` answers a replay; None if none."""
        if submitter.token is None or submission.idempotency_key is None:
            return None
        stored = await self._store.keyed(submitter.token.interaction_id, submission.idempotency_key)
        interaction = await self._interactions.find(submitter.token.interaction_id) if stored is not None else None
        if stored is None or interaction is None:
            return None
        _authorize(submitter, submission.interaction_id, interaction)
        _refuse_a_different_post(stored, self._store.as_stored(self._event(submission, interaction, submitter)))
        return Recorded(FeedbackEvent.from_row(stored), created=False)

    def _exhausted_refusal(self) -> FeedbackRefused:
        """The 429 for a token past its bound: it will not refill, so it carries no Retry-After."""
        message = (
            f"this feedback token has stored its {self._limits.max_submissions_per_token} submissions, "
            "the most one answer's token may; the latest one stays current"
        )
        return FeedbackRefused(429, message, "feedback_token_exhausted")

    def _charge(self, submitter: Submitter) -> None:
        """Count a well-formed post against its token's or its app's rate limit; RateLimited when over it."""
        if submitter.token is not None:
            self._limits.check_token(submitter.token.token_id)
        elif submitter.app is not None:
            self._limits.check_app(submitter.app)

    async def _submitted_interaction(self, named: str, submitter: Submitter) -> Interaction:
        """The interaction a post is about: a token's own (which it may name by the upstream's id), or the app's."""
        # Upstreams may reuse their ids: looked up across apps, one app's post could land on another's
        # interaction (and be refused) or a token's on an older namesake.
        if submitter.token is not None:
            return await self._interaction(submitter.token.interaction_id, vouched=True)
        try:
            return await self._interaction(named, vouched=False, app=submitter.app)
        except FeedbackRefused:
            # Not among the app's own: another app's interaction is refused as such, not as missing.
            return await self._interaction(named, vouched=False)

    async def _interaction(self, interaction_id: str, *, vouched: bool, app: str | None = None) -> Interaction:
        # Feedback can arrive right after the answer, before the batched writer stored it: find waits
        # for this process's writer. A valid token proves some gateway process answered the
        # interaction, maybe another one whose writer stores it within its flush interval: wait
        # (bounded) for that too, rather than tell the browser the answer does not exist.
        interaction = await self._interactions.find(interaction_id, app)
        age = _age_seconds(interaction_id, self._clock())
        if interaction is None and not vouched and age is not None and age < STILL_STREAMING_SECONDS:
            # An app's post does not wait, but the id its answer's header gave is not wrong: say why it is unknown.
            message = (
                f"no interaction with id {interaction_id!r} is stored yet: a streamed answer is stored when its "
                "stream ends; post its feedback once the app has read the stream to its end"
            )
            raise FeedbackRefused(404, message, "interaction_not_found")
        if interaction is not None or not vouched:
            return _found(interaction, interaction_id)
        started = time.monotonic()
        wait = max(VOUCHED_WAIT_SECONDS, STREAM_WAIT_SECONDS - age) if age is not None else VOUCHED_WAIT_SECONDS
        try:
            while interaction is None and (waited := time.monotonic() - started) < wait:
                await asyncio.sleep(VOUCHED_POLL_SECONDS if waited < VOUCHED_WAIT_SECONDS else STREAM_POLL_SECONDS)
                interaction = await self._interactions.find(interaction_id, app)
        except asyncio.CancelledError:
            # Only the server cancels a waiting post (its graceful-shutdown timeout passed): answer, as the
            # proxy does, rather than let it end as a bare 500 with the vote lost and no word why.
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            message = "the gateway shut down while this post waited for its answer to be stored; post it again"
            raise FeedbackRefused(503, message, "gateway_shutting_down", retry_after=5) from None
        if interaction is None and age is not None and age + wait < STILL_STREAMING_SECONDS:
            message = (
                f"the answer of interaction {interaction_id!r} is not stored yet: it is still streaming, "
                f"{age + wait:.0f} s after the call began; post again when it has ended"
            )
            raise FeedbackRefused(409, message, "interaction_in_progress", retry_after=5)
        return _found(interaction, interaction_id)

    def _event(self, submission: Submission, interaction: Interaction, submitter: Submitter) -> dict[str, Any]:
        now = self._clock()
        voice = _voice(submission, interaction, submitter)
        return submission.as_event(
            # as_event reads the id and app (imports hand it a whole interaction row).
            {"id": interaction.id, "app": interaction.app},
            created_at=now,
            user_id=voice.user_id,
            submitted_via=submitter.via,
            seconds_after_answer=max(0.0, (now - interaction.answered_at).total_seconds()),
            voter=voice.voter,
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


def _found(interaction: Interaction | None, interaction_id: str) -> Interaction:
    """`interaction`, or FeedbackRefused (404) when there is none."""
    if interaction is None:
        raise _not_found(interaction_id)
    return interaction


def _not_found(interaction_id: str) -> FeedbackRefused:
    """The 404 for an interaction that is not stored."""
    return FeedbackRefused(404, f"no interaction with id {interaction_id!r}", "interaction_not_found")


def _age_seconds(interaction_id: str, now: datetime) -> float | None:
    """Seconds since the call with this gateway id began (its UUIDv7 time), or None for an id of another form."""
    try:
        identifier = uuid_utils.UUID(interaction_id)
    except ValueError:
        return None
    if identifier.version != 7:
        return None
    return max(0.0, now.timestamp() - identifier.timestamp / 1000)


# What a post says; a retry under its idempotency key says the same (its time and id are new).
_SAID = (*SIGNALS, "choice", "user_id", "metadata")


def _refuse_a_different_post(stored: dict[str, Any], posted: dict[str, Any]) -> None:
    """FeedbackRefused (422) when `posted` reuses the idempotency key of `stored` but says something else.

    Answering the stored event would drop the new vote in silence: a widget that kept one key for
    every click turned a changed thumbs-down back into the first thumbs-up (as the IETF draft on the
    Idempotency-Key header and Stripe do, a key is bound to what was first sent with it).
    """
    changed = [field for field in _SAID if stored.get(field) != posted.get(field)]
    if changed:
        message = (
            f"idempotency_key {stored['idempotency_key']!r} was already used on this interaction for feedback that "
            f"differs in {', '.join(changed)}; send a new vote or a changed one with a new key (or none), and "
            "repeat a key only to retry the very same post"
        )
        raise FeedbackRefused(422, message, "idempotency_key_reused", "idempotency_key")


def _refuse_unknown_choice(submission: Submission, interaction: Interaction) -> None:
    """FeedbackRefused (422) when the post names a choice the stored answer does not have."""
    try:
        submission.refuse_unknown_choice(interaction.response)
    except InvalidSubmission as exc:
        raise FeedbackRefused(422, exc.message, "invalid_feedback", exc.field) from None


def _voice(submission: Submission, interaction: Interaction, submitter: Submitter) -> Voice:
    """Whom the submission speaks for, by who posts it.

    An app's key is trusted to name its users; by default the end user named on the call. A token
    speaks for the end user named when the answer was given: the one bound in the token, else (tokens
    from before binding, or a user named only in the request body, which the proxy does not read)
    the interaction's recorded end user. A token post cannot claim anyone else. With nobody named,
    the token itself is the voter: any user_id it sends is kept, but counts for nothing.
    """
    if submitter.token is None:
        return Voice(submission.user_id if submission.user_id is not None else interaction.end_user, None)
    bound = submitter.token.user if submitter.token.user is not None else interaction.end_user
    if bound is None:
        return Voice(submission.user_id, f"token:{submitter.token.token_id}")
    if submission.user_id is not None and submission.user_id != bound:
        message = (
            "this feedback token speaks only for the end user the answer was given to; "
            "leave out 'user_id' or send the one the app named on the call"
        )
        raise FeedbackRefused(403, message, "feedback_user_mismatch", "user_id")
    return Voice(bound, None)


def _authorize(submitter: Submitter, named: str, interaction: Interaction) -> None:
    """Tokens reach only their own interaction (by either of its ids); apps only interactions they made."""
    if submitter.token is not None and named not in (interaction.id, interaction.upstream_response_id):
        message = (
            f"the feedback token is for interaction {interaction.id!r}, not {named!r}: send the id the answer's "
            "x-feedgate-interaction-id header gave with that token"
        )
        raise FeedbackRefused(403, message, "invalid_feedback_token", "interaction_id")
    if submitter.via == "app" and submitter.app != interaction.app:
        message = (
            "this interaction belongs to another app: post with the API key its call was made with (in pass-through "
            "mode a new key is a new app), or with the answer's feedback token"
        )
        raise FeedbackRefused(403, message, "forbidden")
