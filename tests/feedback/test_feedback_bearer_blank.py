"""/v1/feedback with an `Authorization: Bearer` of blank characters only (gateway/domain/blank_text.py): no credential.

A bearer of zero-width spaces (curl sends them as UTF-8) was taken for a key: refused as "incorrect API key"
(gateway-key mode) or read as an app's own (pass-through), where a post with no Authorization is "missing_credentials".
"""

from __future__ import annotations

import pytest

BLANKS = pytest.mark.parametrize(
    "blank", ["\u200b", "\u200b\u2060", "\ufeff \u3000", "\u2005"], ids=["zero-width", "joiners", "mixed", "em-space"]
)


def headers_of(authorization: bytes | None) -> dict[str, bytes]:
    return {} if authorization is None else {"authorization": authorization}


async def feedback_refusal(http, authorization: bytes | None) -> tuple[int, str, str]:
    """The status, code and message of a thumbs-up posted with `authorization` as the header's bytes (None: no header)."""
    response = await http.post("/v1/feedback", json={"thumbs": "up"}, headers=headers_of(authorization))
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


@BLANKS
@pytest.mark.parametrize("key_mode", ["gateway", "pass-through"])
async def test_feedback_with_a_blank_bearer_is_refused_as_feedback_with_no_authorization(gateway_with, key_mode, blank):
    async with gateway_with(key_mode=key_mode) as (_, http):
        missing = await feedback_refusal(http, None)

        assert await feedback_refusal(http, b"Bearer " + blank.encode()) == missing
    assert missing[:2] == (401, "missing_credentials")
