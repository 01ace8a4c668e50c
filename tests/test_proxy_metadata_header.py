"""The x-feedgate-metadata header is checked by one rule on every call, whatever the size of its body.

An upload past FEEDGATE_MAX_REQUEST_BYTES to a call that is not recorded is streamed upstream as it
arrives (gateway.proxy.request_body.PastLimit); it went out with a header every other call is refused for.
"""

from __future__ import annotations

import httpx
import pytest
from proxy_in_process import passthrough_proxy

from gateway.proxy.upstream import AiohttpUpstream

LIMIT = 1 << 20  # passthrough_proxy's max_request_bytes
BAD_METADATA = 'The x-feedgate-metadata header must be a JSON object, e.g. {"feature": "search"}.'


@pytest.mark.parametrize("size", [1024, 2 * LIMIT], ids=["within the limit", "past the limit"])
async def test_an_upload_with_a_metadata_header_that_is_no_object_is_refused_before_it_goes_upstream(
    fake_upstream, size
):
    upstream_client = AiohttpUpstream(max_connections=4, connect_timeout=5.0, read_timeout=5.0)
    proxy = passthrough_proxy(fake_upstream.url, upstream_client, lambda _: None)
    headers = {"authorization": "Bearer sk-a", "content-type": "application/octet-stream", "x-feedgate-metadata": "[]"}
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
            response = await client.post("/v1/uploads/upload_1/parts", content=b"x" * size, headers=headers)
    finally:
        await upstream_client.aclose()

    assert response.status_code == 400
    assert response.json()["error"]["message"] == BAD_METADATA
    assert fake_upstream.app.requests == []
