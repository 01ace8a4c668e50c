"""Who posts feedback and what they may say: whom a post speaks for, which interaction it may reach, and that a
retry under an idempotency key says what the first post said."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.domain.interactions import Interaction
from gateway.domain.quoting import quoted
from gateway.feedback.refused import FeedbackRefused
from gateway.feedback.submission import SIGNALS, InvalidSubmission, Submission
from gateway.feedback.token import VerifiedToken
from gateway.recording.identifiers import end_user_id


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


# What a post says; a retry under its idempotency key says the same (its time and id are new).
_SAID = (*SIGNALS, "choice", "user_id", "metadata")


def refuse_a_different_post(stored: dict[str, Any], posted: dict[str, Any]) -> None:
    """FeedbackRefused (422) when `posted` reuses the idempotency key of `stored` but says something else.

    Answering the stored event would drop the new vote in silence: a widget that kept one key for
    every click turned a changed thumbs-down back into the first thumbs-up (as the IETF draft on the
    Idempotency-Key header and Stripe do, a key is bound to what was first sent with it).
    """
    changed = [field for field in _SAID if stored.get(field) != posted.get(field)]
    if changed:
        message = (
            f"idempotency_key {quoted(stored['idempotency_key'])} was already used on this interaction for feedback that "
            f"differs in {', '.join(changed)}; send a new vote or a changed one with a new key (or none), and "
            "repeat a key only to retry the very same post"
        )
        raise FeedbackRefused(422, message, "idempotency_key_reused", "idempotency_key")


def refuse_unknown_choice(submission: Submission, interaction: Interaction) -> None:
    """FeedbackRefused (422) when the post names a choice the stored answer does not have."""
    try:
        submission.refuse_unknown_choice(interaction.response)
    except InvalidSubmission as exc:
        raise FeedbackRefused(422, exc.message, "invalid_feedback", exc.field) from None


def voice(submission: Submission, interaction: Interaction, submitter: Submitter) -> Voice:
    """Whom the submission speaks for, by who posts it.

    An app's key is trusted to name its users; by default the end user named on the call. A token
    speaks for the end user named when the answer was given: the one bound in the token, else (tokens
    from before binding, or a user named only in the request body, which the proxy does not read)
    the interaction's recorded end user. A token post cannot claim anyone else. With nobody named,
    the token itself is the voter: any user_id it sends is kept, but counts for nothing.
    """
    # A row stored before end-user ids lost their blank ends names " user-8 ": the post's user_id is "user-8".
    recorded = end_user_id(interaction.end_user) if interaction.end_user is not None else None
    if submitter.token is None:
        return Voice(submission.user_id if submission.user_id is not None else recorded, None)
    bound = submitter.token.user if submitter.token.user is not None else recorded
    if bound is None:
        return Voice(submission.user_id, f"token:{submitter.token.token_id}")
    if submission.user_id is not None and submission.user_id != bound:
        message = (
            "this feedback token speaks only for the end user the answer was given to; "
            "leave out 'user_id' or send the one the app named on the call"
        )
        raise FeedbackRefused(403, message, "feedback_user_mismatch", "user_id")
    return Voice(bound, None)


def authorize(submitter: Submitter, named: str, interaction: Interaction) -> None:
    """Tokens reach only their own interaction (by either of its ids); apps only interactions they made."""
    if submitter.token is not None and named not in (interaction.id, interaction.upstream_response_id):
        message = (
            f"the feedback token is for interaction {quoted(interaction.id)}, not {quoted(named)}: send the id the answer's "
            "x-feedgate-interaction-id header gave with that token"
        )
        raise FeedbackRefused(403, message, "invalid_feedback_token", "interaction_id")
    if submitter.via == "app" and submitter.app != interaction.app:
        message = (
            "this interaction belongs to another app: post with the API key its call was made with (in pass-through "
            "mode a new key is a new app), or with the answer's feedback token"
        )
        raise FeedbackRefused(403, message, "forbidden")
