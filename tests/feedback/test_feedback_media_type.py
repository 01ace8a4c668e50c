"""A feedback post whose body is not JSON and was not sent as JSON (a form, plain text) is a 415 asking for JSON.

A form-encoded post (`curl -d 'thumbs=up'`, an HTML form with a credential) was told the JSON parse error,
which pointed at JSON it never meant to send: the fix is to send JSON, with its Content-Type. A JSON body
under another Content-Type is still read (`curl -d '{...}'` labels it a form), as before.
"""

from __future__ import annotations

import orjson
import pytest
from feedback_helpers import APP_KEY, error_of

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
async def given(answer):
    return await answer()


@pytest.mark.parametrize("content_type", [FORM, "multipart/form-data; boundary=x", "text/plain"])
async def test_a_body_that_is_not_json_sent_as_another_media_type_is_a_415_asking_for_json(
    given, post_feedback, content_type
):
    body = f"interaction_id={given.interaction_id}&thumbs=up"

    response = await post_feedback(body, token=given.token, headers={"content-type": content_type})

    assert response.status_code == 415, response.text
    error = error_of(response)
    assert (error["code"], error["param"]) == ("unsupported_media_type", None)
    assert error["message"] == (
        "the request body must be JSON: send it with 'Content-Type: application/json', "
        f'not {content_type!r} (a JSON object such as {{"interaction_id": "…", "thumbs": "up"}})'
    )


async def test_an_app_key_form_post_is_a_415_too(given, post_feedback):
    response = await post_feedback(
        f"interaction_id={given.interaction_id}&thumbs=up", key=APP_KEY, headers={"content-type": FORM}
    )

    assert response.status_code == 415, response.text


async def test_a_json_body_labelled_a_form_is_still_read(given, post_feedback):
    # What `curl -d '{...}'` sends without -H 'Content-Type: application/json'.
    body = orjson.dumps({"interaction_id": given.interaction_id, "thumbs": "up"})

    response = await post_feedback(body, token=given.token, headers={"content-type": FORM})

    assert response.status_code == 201, response.text


async def test_a_form_post_without_a_credential_is_still_a_401(given, post_feedback):
    # An HTML form cannot send the token's header: the refusal that matters is the missing credential.
    response = await post_feedback(f"interaction_id={given.interaction_id}&thumbs=up", headers={"content-type": FORM})

    assert response.status_code == 401, response.text
    assert error_of(response)["code"] == "missing_credentials"


async def test_a_body_that_is_not_json_sent_as_json_is_still_the_400_saying_why(given, post_feedback):
    response = await post_feedback(b"thumbs=up", token=given.token)

    assert response.status_code == 400, response.text
    assert error_of(response)["message"].startswith("the request body is not valid JSON: ")
