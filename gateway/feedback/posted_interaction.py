"""The interaction a feedback post is about, waited for while another process's writer or a stream has yet to store it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import uuid_utils

from gateway.domain.interactions import Interaction, InteractionService
from gateway.domain.quoting import quoted
from gateway.feedback.refused import FeedbackRefused
from gateway.feedback.submitters import Submitter

# How long a token post waits for an interaction another gateway process answered but has not
# stored yet (its writer flushes every 0.2 s by default), and how often it looks.
VOUCHED_WAIT_SECONDS = 3.0
VOUCHED_POLL_SECONDS = 0.05
# A stream is stored when it ends, but its headers (the token among them) come before its first
# chunk, and a page shows the thumbs as soon as it has them: a token post on an answer still
# streaming waits until this long after the call began (its id, a UUIDv7, says when).
STREAM_WAIT_SECONDS = 60.0
STREAM_POLL_SECONDS = 0.25
# Past the wait, a call begun this recently may still be streaming: "post again", not "no such answer".
STILL_STREAMING_SECONDS = 600.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class PostedInteractions:
    """Finds the interaction a post names: a token's own (waiting, bounded, for it to be stored), or the app's."""

    def __init__(
        self,
        interactions: InteractionService,
        clock: Callable[[], datetime],
        # When an end user was last erased on request (None: never); read only for a token post not finding its answer.
        erasure_of: Callable[[str], Awaitable[datetime | None]] | None = None,
    ) -> None:
        self._interactions = interactions
        self._clock = clock
        self._erasure_of = erasure_of

    async def find(self, named: str, submitter: Submitter, named_user: str | None = None) -> Interaction:
        """The interaction a post is about: a token's own (which it may name by the upstream's id), or the app's.

        `named_user` is the post's `user_id`: an app's key is trusted to name its users, so an app's post on an
        answer not stored, naming a user erased after the call began, is told the answer was erased (410).
        """
        # Upstreams may reuse their ids: looked up across apps, one app's post could land on another's
        # interaction (and be refused) or a token's on an older namesake.
        if submitter.token is not None:
            token = submitter.token
            return await self._interaction(token.interaction_id, vouched=True, bound_user=token.user)
        try:
            return await self._interaction(named, vouched=False, app=submitter.app)
        except FeedbackRefused:
            # Not among the app's own: another app's interaction is refused as such, not as missing.
            return await self._interaction(named, vouched=False, bound_user=named_user)

    async def _interaction(
        self, interaction_id: str, *, vouched: bool, app: str | None = None, bound_user: str | None = None
    ) -> Interaction:
        # Feedback can arrive right after the answer, before the batched writer stored it: find waits
        # for this process's writer. A valid token proves some gateway process answered the
        # interaction, maybe another one whose writer stores it within its flush interval: wait
        # (bounded) for that too, rather than tell the browser the answer does not exist.
        interaction = await self._interactions.find(interaction_id, app)
        age = _age_seconds(interaction_id, self._clock())
        if interaction is None and not vouched:
            # Only when the post names a user (the app's `user_id`): before that, "not stored yet" read as "wait".
            await self._refuse_erased(interaction_id, bound_user, "the post's 'user_id' names")
        if interaction is None and not vouched and age is not None and age < STILL_STREAMING_SECONDS:
            # An app's post does not wait, but the id its answer's header gave is not wrong: say why it is unknown.
            message = (
                f"no interaction with id {quoted(interaction_id)} is stored yet: a streamed answer is stored when its "
                "stream ends; post its feedback once the app has read the stream to its end (an answer erased on "
                "request is not stored either: name its end user in 'user_id' to be told so)"
            )
            raise FeedbackRefused(404, message, "interaction_not_found")
        if interaction is not None or not vouched:
            return _found(interaction, interaction_id)
        await self._refuse_erased(interaction_id, bound_user)
        started = time.monotonic()
        wait = max(VOUCHED_WAIT_SECONDS, STREAM_WAIT_SECONDS - age) if age is not None else VOUCHED_WAIT_SECONDS
        try:
            while interaction is None and (waited := time.monotonic() - started) < wait:
                await asyncio.sleep(VOUCHED_POLL_SECONDS if waited < VOUCHED_WAIT_SECONDS else STREAM_POLL_SECONDS)
                interaction = await self._interactions.find(interaction_id, app)
                if interaction is None:
                    # Erased while this post waited: its answer will never be stored.
                    await self._refuse_erased(interaction_id, bound_user)
        except asyncio.CancelledError:
            # Only the server cancels a waiting post (its graceful-shutdown timeout passed): answer, as the
            # proxy does, rather than let it end as a bare 500 with the vote lost and no word why.
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            message = "the gateway shut down while this post waited for its answer to be stored; post it again"
            raise FeedbackRefused(503, message, "gateway_shutting_down", retry_after=5) from None
        if interaction is None and age is not None and age + wait < STILL_STREAMING_SECONDS:
            raise FeedbackRefused(
                409, _in_progress(interaction_id, age + wait, bound_user), "interaction_in_progress", retry_after=5
            )
        return _found(interaction, interaction_id)

    async def _refuse_erased(
        self, interaction_id: str, bound_user: str | None, naming: str = "its feedback token names"
    ) -> None:
        """FeedbackRefused (410) when the post's end user was erased after the call began: its answer is gone for good.

        An erasure records its user, by keyed hash, with its time (gateway.store.erased_users); from then on every
        call of theirs made before it is deleted or, still on its way, dropped where it would be stored. The token
        binds the user (an app's post names it in `user_id`), and the call's id (a UUIDv7) says when it began, so no
        copy of what was erased is needed. A token binding nobody cannot tell: its post waits as before, and its 409
        says both causes (`_in_progress`). The `user_id` its browser sends is only a claim, and would tell any
        browser whether a user it names was erased.
        """
        began = _began(interaction_id)
        if bound_user is None or began is None or self._erasure_of is None:
            return
        erased_at = await self._erasure_of(bound_user)
        # The id's time is the call's to the millisecond, taken just before the row's own: a call begun in the
        # erasure's millisecond counts as erased (its row is dropped unless made after the erasure's instant).
        if erased_at is not None and erased_at >= began:
            message = (
                f"the answer of interaction {quoted(interaction_id)} was erased with the data of the end user "
                f"{naming} (an erasure on request after the call began); it takes no more feedback"
            )
            raise FeedbackRefused(410, message, "interaction_erased")


def _in_progress(interaction_id: str, seconds: float, bound_user: str | None) -> str:
    """Why a token's answer, `seconds` after its call began, is not stored yet: still streaming, or maybe erased.

    A token binding its end user was checked against the erasures (`_refuse_erased`): its answer is streaming. One
    binding nobody cannot be (the call may name its user in the body alone, and the erasure record names users,
    not interactions): its answer may have been erased while it streamed, and then is never stored.
    """
    streaming = f"{seconds:.0f} s after the call began; post again when it has ended"
    if bound_user is not None:
        return (
            f"the answer of interaction {quoted(interaction_id)} is not stored yet: it is still streaming, {streaming}"
        )
    return (
        f"the answer of interaction {quoted(interaction_id)} is not stored yet: either it is still streaming, "
        f"{streaming}; or it was erased on request with its end user's data while it streamed, and never will be "
        "(a feedback token that names no end user cannot tell which)"
    )


def _found(interaction: Interaction | None, interaction_id: str) -> Interaction:
    """`interaction`, or FeedbackRefused (404) when there is none."""
    if interaction is None:
        raise not_found(interaction_id)
    return interaction


def not_found(interaction_id: str) -> FeedbackRefused:
    """The 404 for an interaction that is not stored."""
    return FeedbackRefused(404, f"no interaction with id {quoted(interaction_id)}", "interaction_not_found")


def _age_seconds(interaction_id: str, now: datetime) -> float | None:
    """Seconds since the call with this gateway id began (its UUIDv7 time), or None for an id of another form."""
    began = _began(interaction_id)
    return None if began is None else max(0.0, (now - began).total_seconds())


def _began(interaction_id: str) -> datetime | None:
    """When the call with this gateway id began (its UUIDv7 time, to the millisecond), or None for an id of another form."""
    try:
        identifier = uuid_utils.UUID(interaction_id)
    except ValueError:
        return None
    if identifier.version != 7:
        return None
    return _EPOCH + timedelta(milliseconds=identifier.timestamp)
