"""A feedback post's body must come uncompressed, as a proxied call's must: one rule, one refusal (415).

The endpoint read a gzip body as the bytes it was sent, and refused them as "not JSON", a message that
pointed at the JSON. No browser compresses a fetch body and the OpenAI SDKs send none compressed; a
body of at most 1 MiB gains little from it, and decoding one would open a bomb's way past that limit.
"""

from __future__ import annotations

import gzip
import zlib

import orjson
import pytest
from feedback_helpers import error_of

REFUSED = (
    "Send the request body uncompressed, without Content-Encoding (got 'gzip'): "
    "Feedgate reads it to check and store the feedback."
)


@pytest.fixture
async def given(answer):
    return await answer()


async def test_a_gzip_body_is_refused_with_415_saying_what_to_send(given, post_feedback):
    body = gzip.compress(orjson.dumps({"interaction_id": given.interaction_id, "thumbs": "up"}))

    response = await post_feedback(body, token=given.token, headers={"content-encoding": "gzip"})

    assert response.status_code == 415
    error = error_of(response)
    assert (error["code"], error["type"]) == ("unsupported_content_encoding", "invalid_request_error")
    assert error["message"] == REFUSED


async def test_a_deflate_body_is_refused_as_well(given, post_feedback):
    body = zlib.compress(orjson.dumps({"interaction_id": given.interaction_id, "thumbs": "up"}))

    response = await post_feedback(body, token=given.token, headers={"content-encoding": "deflate"})

    assert response.status_code == 415


@pytest.mark.parametrize("coding", ["identity", "Identity", ""])
async def test_a_body_marked_with_no_coding_is_read(given, post_feedback, coding):
    body = orjson.dumps({"interaction_id": given.interaction_id, "thumbs": "up"})

    response = await post_feedback(body, token=given.token, headers={"content-encoding": coding})

    assert response.status_code == 201, response.text


async def test_a_refused_compressed_post_stores_nothing(given, post_feedback, client, admin_headers):
    body = gzip.compress(orjson.dumps({"interaction_id": given.interaction_id, "thumbs": "up"}))

    await post_feedback(body, token=given.token, headers={"content-encoding": "gzip"})

    listed = await client.get("/api/feedback", params={"interaction_id": given.interaction_id}, headers=admin_headers)
    assert listed.json()["data"] == []
