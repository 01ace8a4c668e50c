"""`GET /v1/reviews/{task_id}` with an `Authorization: Bearer` of blank characters only (gateway/domain/blank_text.py) is
answered as a poll with no key, 401 `missing_credentials`, in either key mode, as `/v1/feedback` answers one (both
databases).

It went to the key check: in gateway-key mode a 401 `invalid_api_key` ("incorrect API key"); in pass-through mode the
anonymous app's, so a blank bearer read the held answers of calls sent with no key, which a poll with no key may not.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager
from review_seed import hold_answer

from gateway.app import create_app

BLANKS = pytest.mark.parametrize(
    "blank", ["\u200b", "\u200b\u2060", "\ufeff \u3000", "\u2005"], ids=["zero-width", "joiners", "mixed", "em-space"]
)
HELD = orjson.dumps({"object": "chat.completion", "choices": [{"index": 0, "message": {"content": "Fees are 5%."}}]})


@asynccontextmanager
async def started(settings, key_mode: str):
    app = create_app(settings.model_copy(update={"key_mode": key_mode}), environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield app, http


async def poll(http, task_id: str, authorization: bytes | None) -> tuple[int, str, str]:
    """The status, code and message of a poll sent with `authorization` as the header's bytes (None: no header)."""
    headers = {} if authorization is None else {"authorization": authorization}
    response = await http.get(f"/v1/reviews/{task_id}", headers=headers)
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


@BLANKS
@pytest.mark.parametrize("key_mode", ["gateway", "passthrough"])
async def test_a_poll_with_a_blank_bearer_is_answered_as_one_with_no_key(settings, fake_upstream, key_mode, blank):
    async with started(settings, key_mode) as (gateway, http):
        # Held for a call with no key: pass-through mode's anonymous app (gateway-key mode refuses such calls).
        task_id = await hold_answer(gateway, "", HELD) if key_mode == "passthrough" else "no-such-task"
        missing = await poll(http, task_id, None)

        assert await poll(http, task_id, b"Bearer " + blank.encode()) == missing
    assert missing[:2] == (401, "missing_credentials")
