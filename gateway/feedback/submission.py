"""What a feedback submission may contain, and when feedback counts as negative or positive."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import uuid_utils

from gateway.domain.answer_choices import (
    MAX_CHOICE_INDEX,
    choice_count,
    choices_listed,
    not_a_choice_index,
    shown_value,
)
from gateway.domain.blank_text import blank_message, says_nothing
from gateway.domain.quoting import quoted
from gateway.exact_json import MAX_WRITTEN_DEPTH, NestedTooDeep, dumps_exact, loads_exact
from gateway.recording.identifiers import end_user_id

THUMBS = ("up", "down")
SIGNALS = ("thumbs", "rating", "correction", "comment")
# Interaction ids and idempotency keys are short identifiers, not text.
MAX_IDENTIFIER_CHARS = 200
# What a blank identifier's refusal asks for instead.
_WANTED = {
    "interaction_id": "give the interaction's id (its x-feedgate-interaction-id), or send its feedback token instead",
    "user_id": "give the end user's id, or leave it out",
    "idempotency_key": "give a key that says something, or leave it out",
}
FIELDS = frozenset({"interaction_id", *SIGNALS, "choice", "user_id", "metadata", "idempotency_key"})


class InvalidSubmission(Exception):
    """The submission breaks a rule; `field` names the offending field (None for the body as a whole)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class MalformedBody(InvalidSubmission):
    """The body is not JSON at all."""


class TextTooLong(InvalidSubmission):
    """A text (or the metadata) longer than FEEDGATE_FEEDBACK_MAX_TEXT_CHARS: its own code, so a widget can say the limit."""

    def __init__(self, field: str, length: int, max_chars: int, unit: str = "characters") -> None:
        super().__init__(f"'{field}' is {length:,} {unit}; at most {max_chars:,} are accepted", field)


@dataclass(frozen=True, slots=True)
class Submission:
    """A validated feedback submission."""

    interaction_id: str
    thumbs: str | None = None
    rating: int | None = None
    correction: str | None = None
    comment: str | None = None
    user_id: str | None = None
    metadata: dict[str, Any] | None = None
    idempotency_key: str | None = None
    # The index of the answer's choice the post judges (an answer to `n` > 1 has several); 0: the first.
    choice: int = 0

    @property
    def negative(self) -> bool:
        """Whether this submission counts as negative feedback (`counts_as_negative`)."""
        return counts_as_negative(self.thumbs, self.rating, self.correction)

    def as_event(
        self,
        interaction: dict[str, Any],
        *,
        created_at: datetime,
        user_id: str | None,
        submitted_via: str,
        seconds_after_answer: float | None,
        voter: str | None = None,
    ) -> dict[str, Any]:
        """The feedback row that records this submission on `interaction`; `voter` only when it is not `user_id`."""
        return {
            "id": str(uuid_utils.uuid7()),
            "interaction_id": interaction["id"],
            "created_at": created_at,
            "app": interaction["app"],
            "user_id": user_id,
            "thumbs": self.thumbs,
            "rating": self.rating,
            "correction": self.correction,
            "comment": self.comment,
            "negative": self.negative,
            "metadata": self.metadata,
            "idempotency_key": self.idempotency_key,
            "submitted_via": submitted_via,
            "seconds_after_answer": seconds_after_answer,
            "voter": voter,
            "choice": self.choice,
        }

    def refuse_unknown_choice(self, response: Any) -> None:
        """InvalidSubmission when `choice` names none of the stored answer's choices (one when it lists none)."""
        count = choice_count(response)
        if self.choice >= count:
            message = f"'choice' {self.choice} names no choice of this answer: it has {choices_listed(count)}"
            raise InvalidSubmission(message, "choice")


# Half of a surrogate pair, escaped: a browser's text cut inside an emoji ("😀".slice(0, 1)), which
# JSON.stringify writes as "\ud83d". No store can keep it; it becomes U+FFFD, the rest is kept.
_LONE_SURROGATE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def parse_submission(body: bytes, max_text_chars: int, token_interaction: str | None = None) -> Submission:
    """The submission in a JSON request body; raises InvalidSubmission saying what is wrong.

    `token_interaction`: the interaction a feedback token posting it names, which stands in for an absent
    or blank `interaction_id`.
    """
    try:
        # Exact: metadata is stored as sent, an integer beyond 64 bits included.
        payload = loads_exact(body)
    except orjson.JSONDecodeError as exc:
        not_utf8 = _not_utf8(body)
        if not_utf8 is not None:
            raise MalformedBody(f"the request body is not valid JSON: {not_utf8}") from None
        if "surrogate" not in str(exc):
            raise MalformedBody(f"the request body is not valid JSON: {exc}") from None
        try:
            payload = loads_exact(_LONE_SURROGATE.sub(rb"\\ufffd", body))
        except orjson.JSONDecodeError:
            raise MalformedBody(f"the request body is not valid JSON: {exc}") from None
    return submission_from(payload, max_text_chars, token_interaction)


def _not_utf8(body: bytes) -> str | None:
    # orjson says "surrogates not allowed" of any byte that is not UTF-8: name the byte instead.
    try:
        body.decode()
    except UnicodeDecodeError as exc:
        return f"it is not UTF-8 text (byte 0x{body[exc.start]:02x} at position {exc.start}); send the JSON encoded as UTF-8"
    return None


def submission_from(payload: Any, max_text_chars: int, token_interaction: str | None = None) -> Submission:
    """The submission in a parsed JSON body; raises InvalidSubmission saying what is wrong (see parse_submission)."""
    if not isinstance(payload, dict):
        raise InvalidSubmission("the request body must be a JSON object")
    unknown = sorted(set(payload) - FIELDS)
    if unknown:
        raise InvalidSubmission(f"unknown field {quoted(unknown[0])}; allowed: {', '.join(sorted(FIELDS))}", unknown[0])

    interaction_id = _interaction_named(payload, token_interaction)
    submission = Submission(
        interaction_id=interaction_id,
        thumbs=_thumbs(payload.get("thumbs")),
        rating=_rating(payload.get("rating")),
        correction=_text(payload, "correction", max_text_chars),
        comment=_text(payload, "comment", max_text_chars),
        user_id=_user_id(payload),
        metadata=_metadata(payload.get("metadata"), max_text_chars),
        idempotency_key=_identifier(payload, "idempotency_key"),
        choice=_choice(payload.get("choice")),
    )
    if all(getattr(submission, signal) is None for signal in SIGNALS):
        blank = [field for field in ("comment", "correction") if isinstance(payload.get(field), str)]
        said = f" ({' and '.join(repr(field) for field in blank)} {'is' if len(blank) == 1 else 'are'} blank)"
        raise InvalidSubmission(
            "give at least one of 'thumbs', 'rating', 'correction' or 'comment'" + (said if blank else ""),
            blank[0] if blank else None,
        )
    return submission


def _interaction_named(payload: dict[str, Any], token_interaction: str | None) -> str:
    """The interaction the post is about: its `interaction_id`, or, left out or blank, its token's.

    A token names exactly one interaction (gateway.feedback.token), so a post carrying one needs no id
    of its own: a curl whose $ID was empty was refused (422) though the token said which answer it was.
    An id that names another interaction is still refused, by the service (403).
    """
    given = payload.get("interaction_id")
    if token_interaction is not None and (given is None or (isinstance(given, str) and says_nothing(given))):
        return token_interaction
    interaction_id = _identifier(payload, "interaction_id")
    if interaction_id is None:
        message = "'interaction_id' is required with the app's API key (a feedback token names its own interaction)"
        raise InvalidSubmission(message, "interaction_id")
    return interaction_id


def _thumbs(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value in THUMBS:
        return value
    raise InvalidSubmission(f'\'thumbs\' must be "up" or "down", not {shown_value(value)}', "thumbs")


def _rating(value: Any) -> int | None:
    if value is None:
        return None
    # JSON has one kind of number: 4.0 (Python's json writes a float so) is the whole number 4, as JSON
    # Schema's "integer" in the OpenAPI schema says too.
    rating = int(value) if isinstance(value, float) and value.is_integer() else value
    # bool is an int subclass in Python, but true is not a rating.
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidSubmission(f"'rating' must be a whole number from 1 to 5, not {shown_value(value)}", "rating")
    return rating


def _choice(value: Any) -> int:
    if value is None:
        return 0
    # A whole number, as for `rating`: 1.0 is the index 1; true is none.
    index = int(value) if isinstance(value, float) and value.is_integer() else value
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= MAX_CHOICE_INDEX:
        raise InvalidSubmission(not_a_choice_index(value), "choice")
    return index


def _text(payload: dict[str, Any], field: str, max_chars: int) -> str | None:
    value = payload.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidSubmission(_not_a_string(field, value), field)
    if len(value) > max_chars:
        raise TextTooLong(field, len(value), max_chars)
    _refuse_nul(value, field)
    # An empty box is no signal: a blank correction (zero-width characters included) must not count as negative feedback.
    return None if says_nothing(value) else value


def _identifier(payload: dict[str, Any], field: str, max_chars: int | None = MAX_IDENTIFIER_CHARS) -> str | None:
    value = payload.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidSubmission(_not_a_string(field, value), field)
    # Blank by the one rule: an id of zero-width spaces (str.strip keeps U+200B) was taken, and counted as a voter.
    if says_nothing(value):
        raise InvalidSubmission(blank_message(field, _WANTED[field]), field)
    if max_chars is not None and len(value) > max_chars:
        raise InvalidSubmission(f"'{field}' is longer than {max_chars} characters", field)
    _refuse_nul(value, field)
    return value


def _not_a_string(field: str, value: Any) -> str:
    """What a string field sent as another JSON type is told: the field, the type that came, and what to send."""
    # bool before int: true is an int in Python.
    kind = next(name for types, name in _JSON_KINDS if isinstance(value, types))
    said = f"'{field}' must be a string, not {kind} ({shown_value(value)})"
    # An id kept as a number in the app (a database key): the fix is the quotes, so say it with them.
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return f'{said}: send it in quotes, "{shown_value(value)}"' if number else said


# The JSON types a parsed body holds, as a refusal names them.
_JSON_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "a boolean"),
    ((int, float), "a number"),
    (list, "an array"),
    (dict, "an object"),
    (object, "a value of another type"),
)


def _user_id(payload: dict[str, Any]) -> str | None:
    """The end user's id, fitted to its column as the proxy fits `x-feedgate-user` and the body's `user`.

    Any id an app may name on a call is accepted, of any length (the proxy takes any): a longer one
    than the column's 200 characters compares equal to the interaction's end user and its token's binding.
    """
    value = _identifier(payload, "user_id", max_chars=None)  # a blank one is refused, saying so
    return None if value is None else end_user_id(value)


def _metadata(value: Any, max_chars: int) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidSubmission("'metadata' must be a JSON object", "metadata")
    try:
        encoded = dumps_exact(value)
    except NestedTooDeep:  # orjson reads 1,024 levels from a body, but writes fewer
        message = f"'metadata' is nested too deeply: at most {MAX_WRITTEN_DEPTH} levels of objects and arrays"
        raise InvalidSubmission(message, "metadata") from None
    except TypeError:  # not from a JSON body: only a caller's own values can be unwritable
        raise InvalidSubmission("'metadata' must hold JSON values only", "metadata") from None
    # Characters, as the setting says, not bytes: a note in another script than Latin's has as many as in Latin.
    length = len(encoded.decode())
    if length > max_chars:
        raise TextTooLong("metadata", length, max_chars, "characters of JSON")
    if b"\\u0000" in encoded:
        raise InvalidSubmission("'metadata' must not contain NUL characters", "metadata")
    return value


def _refuse_nul(value: str, field: str) -> None:
    # PostgreSQL cannot store NUL in text or JSONB; refuse it on both stores alike.
    if "\x00" in value:
        raise InvalidSubmission(f"'{field}' must not contain NUL characters", field)


def counts_as_negative(thumbs: str | None, rating: int | None, correction: str | None) -> bool:
    """Thumbs down, a rating of 1 or 2, or a correction (one that says something: intake keeps no blank one): the
    answer was not good enough. A correction redaction took all of still counts: the end user said the answer was
    wrong by writing it; redaction hides what they wrote, not that they disagreed."""
    return thumbs == "down" or (rating is not None and rating <= 2) or correction is not None


def counts_as_positive(negative: bool, thumbs: str | None, rating: int | None) -> bool:
    """Whether feedback is positive: not negative, and a thumbs-up or a rating of 4 or 5."""
    return not negative and (thumbs == "up" or (rating or 0) >= 4)
