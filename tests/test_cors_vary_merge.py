"""An answer the gateway adds its CORS headers to keeps the Vary it had, with Origin added to it once.

The wrappers of gateway.api.cors add each CORS header an answer lacks. An answer that had a Vary of its own
(a framework's, a handler's) kept it alone, without Origin, though its Access-Control-Allow-Origin named the
request's: a shared cache could then hand one origin's answer to another's page.
"""

from __future__ import annotations

from typing import Any

import pytest

from gateway.api.cors import readable_by_the_calling_page, with_cors_headers

ORIGIN = b"https://app.example"


async def answer_headers(wrapped: Any, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers an answer starting with `headers` leaves the wrapper `wrapped(send)` with."""
    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    await wrapped(send)({"type": "http.response.start", "status": 200, "headers": headers})
    return sent[0]["headers"]


def page_call(path: str) -> dict[str, Any]:
    """The ASGI scope of a page's GET of `path`, naming its Origin."""
    return {"type": "http", "path": path, "headers": [(b"origin", ORIGIN)]}


WRAPPERS = {
    "poll": lambda send: readable_by_the_calling_page(page_call("/v1/reviews/t-1"), send),
    "feedback": lambda send: with_cors_headers(page_call("/v1/feedback"), send, [ORIGIN.decode()]),
}


@pytest.mark.parametrize("wrapper", WRAPPERS)
@pytest.mark.parametrize(
    ("own", "vary"),
    [([], [b"Origin"]), ([b"Accept"], [b"Accept, Origin"]), ([b"Accept", b"origin"], [b"Accept, origin"])],
    ids=["none", "one", "origin named"],
)
async def test_the_answers_own_vary_is_kept_with_origin_in_it_once(wrapper, own, vary):
    headers = [(b"content-type", b"application/json"), *((b"vary", entry) for entry in own)]

    out = await answer_headers(WRAPPERS[wrapper], headers)

    assert [value for name, value in out if name == b"vary"] == vary
    assert (b"access-control-allow-origin", ORIGIN) in out
