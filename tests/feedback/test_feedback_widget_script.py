"""/static/feedgate.js as the gateway serves it: with the gateway's own FEEDGATE_FEEDBACK_MAX_TEXT_CHARS written in."""

from __future__ import annotations

import pytest

# The script does not depend on the store: one is enough.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SCRIPT = "/static/feedgate.js"


async def test_the_script_carries_the_gateways_text_limit(gateway_with):
    async with gateway_with(feedback_max_text_chars=20) as (_, http):
        response = await http.get(SCRIPT)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "var MAX_TEXT_CHARS = 20;" in response.text
    assert "var MAX_TEXT_CHARS = 10000;" not in response.text


async def test_a_changed_limit_is_a_changed_script_to_a_browsers_cache(gateway_with):
    async with gateway_with() as (_, http):
        default = await http.get(SCRIPT)
        unchanged = await http.get(SCRIPT, headers={"if-none-match": default.headers["etag"]})
        head = await http.head(SCRIPT)
    async with gateway_with(feedback_max_text_chars=20) as (_, http):
        small = await http.get(SCRIPT, headers={"if-none-match": default.headers["etag"]})

    assert "var MAX_TEXT_CHARS = 10000;" in default.text
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert (head.status_code, head.headers["etag"]) == (200, default.headers["etag"])
    assert head.headers["content-length"] == str(len(default.content))
    assert small.status_code == 200
    assert small.headers["etag"] != default.headers["etag"]


async def test_the_script_names_its_charset_once(gateway_with):
    # Litestar adds "; charset=utf-8" to a text/* media type: naming it too wrote the parameter twice.
    async with gateway_with() as (_, http):
        response = await http.get(SCRIPT)

    assert response.headers["content-type"] == "text/javascript; charset=utf-8"


@pytest.mark.parametrize(
    "if_none_match",
    [
        'W/"{etag}"',  # weakened by a proxy that compresses (nginx's gzip turns a strong ETag weak)
        '"0123", "{etag}"',  # a cache holding several copies lists them all
        "*",
    ],
)
async def test_a_current_copy_is_not_sent_again_however_the_browser_names_it(gateway_with, if_none_match):
    # If-None-Match compares weakly and may list several tags (RFC 9110 13.1.2): only an exact match was a 304.
    async with gateway_with() as (_, http):
        etag = (await http.get(SCRIPT)).headers["etag"].strip('"')
        response = await http.get(SCRIPT, headers={"if-none-match": if_none_match.format(etag=etag)})

    assert (response.status_code, response.content) == (304, b"")


async def test_another_copy_is_sent_again(gateway_with):
    async with gateway_with() as (_, http):
        response = await http.get(SCRIPT, headers={"if-none-match": 'W/"0123", "4567"'})

    assert response.status_code == 200
