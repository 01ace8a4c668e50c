"""Validating a submission and the negativity rule, without HTTP or a database."""

from __future__ import annotations

import json

import pytest

from gateway.feedback.submission import InvalidSubmission, MalformedBody, parse_submission

LIMIT = 100


def parse(**fields):
    return parse_submission(json.dumps({"interaction_id": "i-1", **fields}).encode(), LIMIT)


@pytest.mark.parametrize("rating", [0, 6, -1, True, False, 1.5, 6.0, 0.0, "3", [3], {"v": 3}, 10**30, 1e300])
def test_a_rating_is_a_whole_number_from_1_to_5(rating):
    with pytest.raises(InvalidSubmission) as refused:
        parse(rating=rating)

    assert refused.value.field == "rating"
    assert refused.value.message.startswith("'rating' must be a whole number from 1 to 5, not ")


@pytest.mark.parametrize("rating", [1, 2, 3, 4, 5])
def test_every_whole_rating_from_1_to_5_is_accepted(rating):
    assert parse(rating=rating).rating == rating


@pytest.mark.parametrize("rating", [1.0, 3.0, 5.0])
def test_a_whole_rating_written_with_a_zero_fraction_is_that_whole_number(rating):
    # Python's json writes a float rating as 3.0, and JSON Schema's "integer" (the OpenAPI schema) takes it.
    parsed = parse(rating=rating).rating

    assert (parsed, type(parsed)) == (int(rating), int)


@pytest.mark.parametrize("thumbs", ["sideways", "UP", "Down", 1, True, "", ["up"]])
def test_thumbs_are_up_or_down(thumbs):
    with pytest.raises(InvalidSubmission) as refused:
        parse(thumbs=thumbs)

    assert refused.value.field == "thumbs"


@pytest.mark.parametrize("field", ["interaction_id", "user_id", "idempotency_key"])
@pytest.mark.parametrize("value", ["", "  ", 5])
def test_identifiers_are_non_empty_strings(field, value):
    with pytest.raises(InvalidSubmission) as refused:
        parse(thumbs="up", **{field: value})

    assert refused.value.field == field


@pytest.mark.parametrize("field", ["interaction_id", "user_id", "idempotency_key", "comment", "correction"])
@pytest.mark.parametrize(
    ("value", "sent"),
    [
        (42, "a number (42)"),
        (4.5, "a number (4.5)"),
        (True, "a boolean (true)"),
        ([1], "an array ([1])"),
        ({"id": 1}, 'an object ({"id":1})'),
    ],
)
def test_a_string_field_sent_as_another_json_type_is_told_which_type_came_and_which_is_wanted(field, value, sent):
    with pytest.raises(InvalidSubmission) as refused:
        parse(thumbs="up", **{field: value})

    assert refused.value.field == field
    assert refused.value.message.startswith(f"'{field}' must be a string, not {sent}")


def test_a_user_id_sent_as_a_number_is_told_to_send_it_in_quotes():
    with pytest.raises(InvalidSubmission) as refused:
        parse(thumbs="up", user_id=42)

    assert refused.value.message == """'user_id' must be a string, not a number (42): send it in quotes, "42\""""


@pytest.mark.parametrize("body", [b'{"thumbs": "up"}', b'{"interaction_id": null, "thumbs": "up"}'])
def test_a_post_without_a_token_must_name_its_interaction(body):
    with pytest.raises(InvalidSubmission) as refused:
        parse_submission(body, LIMIT)

    assert refused.value.field == "interaction_id"


@pytest.mark.parametrize("named", [{}, {"interaction_id": None}, {"interaction_id": ""}, {"interaction_id": "  "}])
def test_a_token_names_the_interaction_a_post_leaves_out(named):
    body = json.dumps({**named, "thumbs": "up"}).encode()

    assert parse_submission(body, LIMIT, token_interaction="i-7").interaction_id == "i-7"


def test_an_interaction_a_token_post_names_is_kept_for_the_service_to_check():
    body = json.dumps({"interaction_id": "chatcmpl-1", "thumbs": "up"}).encode()

    assert parse_submission(body, LIMIT, token_interaction="i-7").interaction_id == "chatcmpl-1"


@pytest.mark.parametrize("field", ["interaction_id", "idempotency_key"])
def test_interaction_ids_and_idempotency_keys_are_short(field):
    # A user_id may be longer: it is fitted as the proxy fits end users (test_feedback_long_user_id.py).
    with pytest.raises(InvalidSubmission, match=f"'{field}' is longer than 200 characters"):
        parse(thumbs="up", **{field: "x" * 201})


def test_metadata_over_the_text_limit_is_refused():
    with pytest.raises(InvalidSubmission, match="'metadata' is 111 characters of JSON; at most 100 are accepted"):
        parse(thumbs="up", metadata={"note": "x" * LIMIT})


def test_metadata_with_nul_characters_is_refused():
    with pytest.raises(InvalidSubmission, match="'metadata' must not contain NUL characters"):
        parse(thumbs="up", metadata={"note": "a\u0000b"})


def test_invalid_utf8_is_malformed():
    with pytest.raises(MalformedBody):
        parse_submission(b'{"interaction_id": "\xff"}', LIMIT)


def test_a_blank_correction_is_no_signal_and_not_negative():
    with pytest.raises(InvalidSubmission, match="at least one of"):
        parse(correction="")


@pytest.mark.parametrize("blank", ["\u200b", "\u200c\u200d\u2060", "\ufeff \u3000"])
def test_a_correction_of_zero_width_characters_is_no_signal(blank):
    with pytest.raises(InvalidSubmission, match="'correction' is blank"):
        parse(correction=blank)


def test_a_zero_width_comment_beside_a_vote_is_not_kept_and_the_vote_is():
    submission = parse(thumbs="up", comment="\u200b")

    assert (submission.thumbs, submission.comment) == ("up", None)


def test_a_comment_alone_is_not_negative():
    assert parse(comment="fine").negative is False
