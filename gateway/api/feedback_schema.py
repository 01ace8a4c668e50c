"""What the OpenAPI schema says `POST /v1/feedback` takes and answers.

The handler reads its body itself (gateway.feedback.submission), after the credential and with
its own error messages and statuses; the framework must not parse it first. So the body's model
here is documentation only: Litestar documents a route's body from the `data` parameter of a
dependency when the handler has none, and resolves a dependency only when a handler asks for it.
`BODY_DOCUMENTATION` is such a dependency that no handler asks for. The tests hold the model
and the parser to the same fields.
"""

from __future__ import annotations

from typing import Annotated, Literal

from litestar.di import Provide
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example, Reference, SecurityRequirement, SecurityScheme
from litestar.params import Body
from msgspec import Meta, Struct

from gateway.api.openai_error_schema import openai_error
from gateway.config import Settings
from gateway.domain.answer_choices import MAX_CHOICE_INDEX
from gateway.domain.feedback import FeedbackEvent
from gateway.domain.stored_text import NO_NUL
from gateway.feedback.submission import MAX_IDENTIFIER_CHARS

MAX_TEXT_CHARS_DEFAULT = Settings.model_fields["feedback_max_text_chars"].default
_TEXT_LIMIT = f"FEEDGATE_FEEDBACK_MAX_TEXT_CHARS characters (default {MAX_TEXT_CHARS_DEFAULT:,})"
_BLANK_TEXT = f"At most {_TEXT_LIMIT}; a blank one counts as absent."
# Not blank, and no NUL (no store keeps one): the parser's rules for ids and keys.
_IDENTIFIER = r"^[^\x00]*[^\x00\s][^\x00]*$"

DESCRIPTION = (
    "From a browser, with the answer's feedback token; from the app's backend, with the app's API key (on its "
    "own interactions only). Each post is stored as a new event; a voter's latest event alone is their current "
    "feedback, so a vote, a rating and a comment meant together go in one post. Errors are in OpenAI's shape; "
    "every answer carries the CORS headers for the configured origins."
)

TOKEN_SCHEME = "feedbackToken"
APP_KEY_SCHEME = "appKey"
SECURITY_SCHEMES: dict[str, SecurityScheme | Reference] = {
    TOKEN_SCHEME: SecurityScheme(
        type="apiKey",
        security_scheme_in="header",
        name="x-feedgate-feedback-token",
        description=(
            "The answer's feedback token, from the x-feedgate-feedback-token header of a proxied answer: "
            "for browsers. It may also be sent as 'Authorization: Bearer <token>'."
        ),
    ),
    APP_KEY_SCHEME: SecurityScheme(
        type="http",
        scheme="bearer",
        description=(
            "The app's own API key, the one it calls the proxy with: for the app's backend, on its own "
            "interactions. A bearer credential in a token's form (v1.… or v2.…) is taken as a feedback token."
        ),
    ),
}
# Either one: a post sends a token or a key.
SECURITY: list[SecurityRequirement] = [{TOKEN_SCHEME: []}, {APP_KEY_SCHEME: []}]


class FeedbackPost(Struct, forbid_unknown_fields=True):
    """One post: give at least one of thumbs, rating, correction or comment; what is meant together, in one post."""

    # Not required in the schema: a token post may leave it out (the token names its interaction); an app's
    # post without it is a 422, which a schema cannot say per credential.
    interaction_id: (
        Annotated[
            str,
            Meta(
                max_length=MAX_IDENTIFIER_CHARS,
                pattern=NO_NUL,
                description=(
                    "The answer's id: the gateway's (its x-feedgate-interaction-id header) or the upstream's "
                    "(chatcmpl-…, resp_…). Required with the app's API key. With a token, optional: left out "
                    "or blank, it is the token's own interaction; another is 403 (param interaction_id)."
                ),
            ),
        ]
        | None
    ) = None
    thumbs: Annotated[Literal["up", "down"], Meta(description="The vote. Down counts as negative.")] | None = None
    rating: (
        Annotated[int, Meta(ge=1, le=5, description="A whole number from 1 to 5; 1 or 2 counts as negative.")] | None
    ) = None
    correction: (
        Annotated[
            str,
            Meta(
                pattern=NO_NUL,
                description=f"What the answer should have said; counts as negative. {_BLANK_TEXT}",
            ),
        ]
        | None
    ) = None
    comment: (
        Annotated[
            str,
            Meta(pattern=NO_NUL, description=f"The end user's words. {_BLANK_TEXT}"),
        ]
        | None
    ) = None
    choice: (
        Annotated[
            int,
            Meta(
                # gt=-1, not ge=0: Litestar's schema leaves out a bound of 0 (it drops falsy values).
                gt=-1,
                le=MAX_CHOICE_INDEX,
                description=(
                    "Which of the answer's choices the post judges, by its index, for a call made with n > 1 "
                    "(the thumbs, rating, comment and correction are that choice's; the export pairs a "
                    "correction with it). Default 0, the first choice (the recorded answer). An index the "
                    "stored answer has no choice at is a 422 (param choice)."
                ),
            ),
        ]
        | None
    ) = None
    user_id: (
        Annotated[
            str,
            Meta(
                min_length=1,
                pattern=_IDENTIFIER,
                description=(
                    "The end user giving the feedback. With an app key: any of the app's users (default: the end "
                    "user named on the call). With a token: leave it out, or send the end user the answer was "
                    "given to (another is 403 feedback_user_mismatch); when none was named, it is kept but the "
                    "token is the voter. Any length, as on the call: past 200 characters it is stored as the "
                    "proxy stores it (its start, '~' and a hash of the whole)."
                ),
            ),
        ]
        | None
    ) = None
    metadata: (
        Annotated[
            dict[str, object],
            Meta(description=f"Any JSON object, kept as sent; at most {_TEXT_LIMIT} as JSON, no NUL characters."),
        ]
        | None
    ) = None
    idempotency_key: (
        Annotated[
            str,
            Meta(
                min_length=1,
                max_length=MAX_IDENTIFIER_CHARS,
                pattern=_IDENTIFIER,
                description=(
                    "Repeat it only to retry the very same post: answered 200 with the event first stored. Used "
                    "again on the same interaction for a different post: 422 idempotency_key_reused."
                ),
            ),
        ]
        | None
    ) = None


_EXAMPLE_POST = {
    "interaction_id": "0197a3c2-5f1e-7d40-9b2a-3e8f1c6d2a10",
    "thumbs": "down",
    "rating": 2,
    "comment": "The fee is wrong",
    "correction": "The fee is 1%",
}


def _documented_body(
    data: Annotated[
        FeedbackPost,
        Body(
            description=(
                "A JSON object with at least one of thumbs, rating, correction or comment. An unknown field, a "
                "wrong type or a value out of range is a 422 whose param names the field."
            ),
            examples=[Example(summary="a vote, a rating, a comment and a correction", value=_EXAMPLE_POST)],
        ),
    ],
) -> None:
    """Never called: its `data` parameter describes the body in the schema (see the module's docstring)."""


BODY_DOCUMENTATION = {"feedback_body_documentation": Provide(_documented_body, sync_to_thread=False)}


RESPONSES = {
    201: ResponseSpec(FeedbackEvent, description="Stored: the new feedback event.", generate_examples=False),
    200: ResponseSpec(
        FeedbackEvent,
        description=(
            "A retry of a post already stored under the same idempotency_key on this interaction: "
            "the event first stored; nothing is stored again."
        ),
        generate_examples=False,
    ),
    400: openai_error("invalid_feedback: the body is not JSON. invalid_url: the URL holds a NUL character (%00)."),
    401: openai_error(
        "missing_credentials: neither a token nor a key was sent. invalid_api_key: the key is not accepted."
    ),
    403: openai_error(
        "feedback_token_expired: the token is past FEEDGATE_FEEDBACK_TOKEN_TTL; a fresh answer brings a fresh "
        "token, and the app may still post with its API key. invalid_feedback_token: the token is malformed (the "
        "message says which part), its signature is not valid (forged, or signed with another "
        "FEEDGATE_FEEDBACK_SECRET), or it is for another interaction than interaction_id (param interaction_id). "
        "feedback_user_mismatch: user_id is not the user the token "
        "is bound to (param user_id). forbidden: an app key posting on another app's interaction."
    ),
    404: openai_error(
        "interaction_not_found: no interaction with this id is stored (for a token: its own interaction)."
    ),
    409: openai_error(
        "interaction_in_progress: a token post on an answer still streaming, not stored yet; "
        "post again after the Retry-After header's seconds. end_user_erased: the post's end user was erased "
        "while it was on its way; nothing is stored."
    ),
    410: openai_error(
        "interaction_erased: a token post on an answer erased with the data of the end user its token names, or "
        "an app-key post on one erased with the end user its user_id names (an erasure on request after the call "
        "began, or a call of theirs still on its way then, never to be stored); nothing is stored."
    ),
    413: openai_error("request_too_large: the body is over 1 MiB."),
    415: openai_error(
        "unsupported_content_encoding: the body came compressed (a Content-Encoding other than identity); "
        "send the JSON uncompressed. unsupported_media_type: a body that is not JSON, sent with a Content-Type "
        "that is not JSON (a form, plain text); send the JSON object with 'Content-Type: application/json'."
    ),
    422: openai_error(
        "invalid_feedback: a field breaks a rule (param names it): not a JSON object, an unknown field, no "
        "interaction_id with an app key, a wrong type, a value out of range, a choice the answer does not have, or "
        "none of thumbs, rating, correction and comment. feedback_text_too_long: correction, comment or metadata (as "
        "JSON) is over FEEDGATE_FEEDBACK_MAX_TEXT_CHARS characters (param names it; the message says its length and "
        "the limit). "
        "idempotency_key_reused: the key was used on this interaction for a different post; nothing is stored."
    ),
    429: openai_error(
        "rate_limit_exceeded (type requests): over a per-token, per-address or per-app rate; retry after the "
        "Retry-After header's seconds. feedback_token_exhausted (type insufficient_quota): the token has stored "
        "all the submissions it may; no Retry-After, and x-should-retry: false."
    ),
    503: openai_error(
        "database_unavailable: the database is unreachable. gateway_shutting_down: the gateway stopped while "
        "the post waited for its answer to be stored. Nothing is stored; post again after Retry-After."
    ),
}
