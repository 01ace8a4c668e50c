"""A local server that speaks the OpenAI wire format (JSON and SSE), for tests, benchmarks and offline demos.

A raw ASGI app served by uvicorn. Endpoints (all under /v1):

    POST /v1/chat/completions      chat.completion JSON or chat.completion.chunk SSE; tool calls when
                                   the request has ``tools`` (one to each with ``parallel_tool_calls: true``,
                                   text once the chat ends in a tool's result); a usage chunk if
                                   stream_options.include_usage
    POST /v1/completions           legacy text_completion JSON or SSE, with ``logprobs`` (0-5) when asked
    POST /v1/responses             Responses API object, or its typed SSE events (response.created ...
                                   response.completed); a function call when the request has function
                                   ``tools``, JSON text for a json_schema ``text.format`` (see
                                   gateway.demo.fake_responses); with ``background: true`` the response queued,
                                   polled with GET /v1/responses/{id} (see gateway.demo.fake_background)
    POST /v1/embeddings            deterministic 8-dim vectors (``dimensions`` honoured), float or base64
    GET  /v1/models, /v1/models/{id}
    POST /v1/audio/transcriptions  multipart upload -> {"text": "<N> bytes received"}, N = size of the file part
    anything else                  404 with an OpenAI error body

The answer text is "Echo: " + the last user message (chat, responses) or the prompt (completions),
except for questions on the topics of a small rule table (gateway.demo.fake_rules), answered right
only when a system message carries the fact or instruction the rule needs: e.g. "transfer fee" gets
"There is no fee." unless a system message says "The transfer fee is 1%".
Chat (``logprobs: true``, ``top_logprobs`` 0-20), legacy completions (``logprobs`` 0-5) and Responses (``include: ["message.output_text.logprobs"]``)
answers carry deterministic token log-probabilities; ``[confidence=0.3]`` in the last user message sets
their geometric-mean probability (default 0.95; see gateway.demo.fake_logprobs).
A chat or legacy completions request's ``n`` gets that many choices of distinct text (streamed one
choice per chunk, the choices interleaved, as OpenAI does; the Responses API has no ``n``), and a chat
request's ``response_format`` json_object or json_schema a JSON object answer (see gateway.demo.fake_answers).
Streams are split word by word. Every response carries an ``x-request-id`` header.

Controls, chosen by the prefix of the JSON request's ``model``:

    slow...         wait before every stream event, or before a JSON answer (0.05 s by default)
    gated...        send the first 2 stream events (or nothing, for a JSON answer), then wait until
                    ``app.release()`` is called from any thread; ``app.reset()`` closes the gate again
    reset...        send the first 2 stream events (or half of a JSON body), then drop the connection
    stall...        send the first 2 stream events (or nothing, for a JSON answer), then go silent: the
                    handler ends when the client disconnects (a read timeout mid-stream, for the client)
    error-<status>  answer ``status`` (e.g. error-429, error-500) with an OpenAI error body
    nologprobs...   answer 400 ``unsupported_parameter`` to a request asking for log-probabilities, as
                    OpenAI's reasoning models (o1, o3, o4-mini) and some other servers do
    hang...         never answer; the handler ends when the client disconnects

Headers: ``x-fake-delay: <seconds>`` sets the delay for any request (overriding the slow default);
``x-fake-echo: 1`` makes the answer text a JSON dump (sorted keys) of the request headers received.

Use ``run_fake_upstream()`` in tests (its own thread and event loop, a free port) and
``python -m gateway.demo.fake_upstream --port 9000`` for benchmarks and demos (uvloop + httptools).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
import uvicorn

from gateway.demo import fake_responses, payloads
from gateway.demo.fake_background import BackgroundResponses
from gateway.demo.fake_gate import Gate
from gateway.demo.threaded_server import ThreadedServer
from gateway.main_thread_server import serve_until_stopped

__all__ = [
    "FakeUpstreamApp",
    "RecordedRequest",
    "RunningFakeUpstream",
    "create_fake_upstream",
    "main",
    "run_fake_upstream",
]

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

SLOW_DELAY = 0.05  # seconds, for models starting with "slow"
HEAD_EVENTS = 2  # stream events sent before a gated stream waits, a reset stream aborts or a stalled one stops
HANG_SECONDS = 3600.0

_JSON_ENDPOINTS: dict[str, Callable[[dict[str, Any], str | None], payloads.Reply]] = {
    "/v1/chat/completions": payloads.chat_completions,
    "/v1/completions": payloads.completions,
    "/v1/responses": fake_responses.responses,
    "/v1/embeddings": payloads.embeddings,
}
_JSON_TYPE = (b"content-type", b"application/json")
_SSE_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]
_END = {"type": "http.response.body", "body": b"", "more_body": False}


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request exactly as the fake upstream received it."""

    method: str
    path: str
    query_string: str
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


class _AbortConnection(Exception):
    """Raised after the response has started: uvicorn then closes the connection mid-body."""


class _QuietAborts(logging.Filter):
    """Drops uvicorn's traceback of a call the fake ends on purpose: a dropped connection, or one cut by a stop."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], _AbortConnection | asyncio.CancelledError))


_QUIET_ABORTS = _QuietAborts()


def _decode_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key, text = name.decode("latin-1"), value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


async def _read_body(receive: Receive) -> bytes:
    message = await receive()
    body: bytes = message.get("body", b"")
    if not message.get("more_body"):
        return body
    parts = [body]
    while message.get("more_body"):
        message = await receive()
        parts.append(message.get("body", b""))
    return b"".join(parts)


def _json_start(status: int, body: bytes) -> dict[str, Any]:
    headers = [_JSON_TYPE, (b"content-length", str(len(body)).encode()), (b"x-request-id", _request_id())]
    return {"type": "http.response.start", "status": status, "headers": headers}


def _request_id() -> bytes:
    return b"req_" + os.urandom(16).hex().encode()


async def _send_json(send: Send, status: int, body: bytes) -> None:
    await send(_json_start(status, body))
    await send({"type": "http.response.body", "body": body})


async def _send_events(send: Send, events: list[bytes]) -> None:
    await send(
        {"type": "http.response.start", "status": 200, "headers": [*_SSE_HEADERS, (b"x-request-id", _request_id())]}
    )
    for event in events:
        await send({"type": "http.response.body", "body": event, "more_body": True})
    await send(_END)


async def _until_disconnect(receive: Receive) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(HANG_SECONDS):
            # receive() is the wait; the pause only keeps a server whose receive() returns at once from spinning.
            while (await receive())["type"] != "http.disconnect":  # noqa: ASYNC110
                await asyncio.sleep(0.01)


class FakeUpstreamApp:
    """The ASGI app. ``requests`` lists every request received (when ``record`` is true)."""

    def __init__(self, *, record: bool = True) -> None:
        self.record = record
        self.requests: list[RecordedRequest] = []
        self._gate = Gate()
        self.background = BackgroundResponses()
        logger = logging.getLogger("uvicorn.error")
        if _QUIET_ABORTS not in logger.filters:
            logger.addFilter(_QUIET_ABORTS)

    def release(self) -> None:
        """Let every gated request (waiting now or arriving later) proceed. Thread-safe."""
        self._gate.open()

    def reset(self) -> None:
        """Forget the recorded requests and close the gate again."""
        self.requests.clear()
        self._gate.close()
        self.background.reset()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive)
        method, path, raw_headers = scope["method"], scope["path"], scope["headers"]
        if self.record:
            query = scope["query_string"].decode("latin-1")
            self.requests.append(RecordedRequest(method, path, query, _decode_headers(raw_headers), body))
        echo, delay = False, None
        for name, value in raw_headers:
            if name.startswith(b"x-fake-"):
                if name == b"x-fake-echo":
                    echo = value.strip() not in (b"", b"0", b"false")
                elif name == b"x-fake-delay":
                    delay = float(value)
        endpoint = _JSON_ENDPOINTS.get(path) if method == "POST" else None
        if endpoint is not None:
            try:
                request = orjson.loads(body)
            except orjson.JSONDecodeError:
                request = None
            if not isinstance(request, dict):
                return await _send_json(send, 400, payloads.error_body(400, "The request body is not a JSON object."))
            model = request.get("model")
            model = model if isinstance(model, str) else ""
            if model.startswith("error-"):
                return await self._fail(send, model)
            if model.startswith("nologprobs") and (request.get("logprobs") or request.get("top_logprobs") is not None):
                return await _send_json(send, 400, payloads.LOGPROBS_REFUSED)
            override = (
                orjson.dumps(_decode_headers(raw_headers), option=orjson.OPT_SORT_KEYS).decode() if echo else None
            )
            if path == "/v1/responses" and request.get("background") is True and not request.get("stream"):
                whole = endpoint({**request, "stream": False}, override)
                assert isinstance(whole, bytes)
                return await _send_json(send, 200, self.background.create(whole))
            reply = endpoint(request, override)
            if delay is None:
                delay = SLOW_DELAY if model.startswith("slow") else 0.0
            await self._play(model, reply, delay, receive, send)
        elif (followed := self.background.answer(method, path, scope["query_string"].decode("latin-1"))) is not None:
            status, answer = followed
            await (_send_json(send, status, answer) if isinstance(answer, bytes) else _send_events(send, answer))
        elif method == "GET" and path == "/v1/models":
            await _send_json(send, 200, payloads.MODELS_BODY)
        elif method == "GET" and path.startswith("/v1/models/"):
            await _send_json(send, 200, payloads.model_object(path.removeprefix("/v1/models/")))
        elif method == "POST" and path == "/v1/audio/transcriptions":
            content_type = next((v.decode("latin-1") for k, v in raw_headers if k == b"content-type"), "")
            await _send_json(send, 200, payloads.transcription(body, content_type))
        else:
            await _send_json(send, 404, payloads.error_body(404, f"Invalid URL ({method} {path})"))

    async def _fail(self, send: Send, model: str) -> None:
        status = model.removeprefix("error-").partition("-")[0]
        code = int(status) if status.isdigit() and 400 <= int(status) <= 599 else 400
        await _send_json(send, code, payloads.error_body(code, f"Fake upstream error {code} (model {model!r})."))

    async def _play(self, model: str, reply: payloads.Reply, delay: float, receive: Receive, send: Send) -> None:
        """Send ``reply`` (a JSON body or a list of SSE events) as the model's control prescribes."""
        if model.startswith("hang"):
            return await _until_disconnect(receive)
        gated, reset, stall = model.startswith("gated"), model.startswith("reset"), model.startswith("stall")
        if isinstance(reply, bytes):
            if stall:
                return await _until_disconnect(receive)
            if delay:
                await asyncio.sleep(delay)
            if gated:
                await self._gate.wait()
            if reset:
                await send(_json_start(200, reply))
                await send({"type": "http.response.body", "body": reply[: len(reply) // 2], "more_body": True})
                raise _AbortConnection
            return await _send_json(send, 200, reply)
        headers = [*_SSE_HEADERS, (b"x-request-id", _request_id())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for index, event in enumerate(reply):
            if index == HEAD_EVENTS:
                if gated:
                    await self._gate.wait()
                if reset:
                    raise _AbortConnection
                if stall:
                    # The response stays unfinished; uvicorn says nothing once the client has gone.
                    return await _until_disconnect(receive)
            if delay:
                await asyncio.sleep(delay)
            await send({"type": "http.response.body", "body": event, "more_body": True})
        await send(_END)


def create_fake_upstream(*, record: bool = True) -> FakeUpstreamApp:
    return FakeUpstreamApp(record=record)


class RunningFakeUpstream(ThreadedServer):
    """A fake upstream served by uvicorn in a background thread with its own event loop."""

    app: FakeUpstreamApp

    @property
    def url(self) -> str:
        """The OpenAI ``base_url``: ``http://host:port/v1``."""
        return self.origin + "/v1"

    def start(self, timeout: float = 10.0) -> RunningFakeUpstream:
        """Start serving and return once the server accepts connections."""
        super().start(timeout)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the server; requests still in flight are cancelled."""
        self.app.release()
        self._server.force_exit = True
        super().stop(timeout)

    def __enter__(self) -> RunningFakeUpstream:
        return self


def run_fake_upstream(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    app: FakeUpstreamApp | None = None,
    loop: str = "asyncio",
    http: str = "auto",
) -> RunningFakeUpstream:
    """Start a fake upstream (port 0 = a free port) and return once it accepts connections.

    The result is also a context manager that stops the server: ``with run_fake_upstream() as upstream:``.
    """
    return RunningFakeUpstream(app or create_fake_upstream(), host, port, loop=loop, http=http).start()


# How long the command, stopped, lets the calls in flight finish before it cuts them.
STOP_GRACE_SECONDS = 1


def main(argv: list[str] | None = None) -> None:
    """Serve the fake upstream on --host and --port until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m gateway.demo.fake_upstream", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000, help="port to listen on (default: 9000)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--loop", default="uvloop", help="uvicorn event loop (default: uvloop)")
    parser.add_argument("--http", default="httptools", help="uvicorn HTTP protocol (default: httptools)")
    parser.add_argument("--record", action="store_true", help="keep every request in memory (off: benchmarks)")
    args = parser.parse_args(argv)
    print(f"Fake OpenAI upstream on http://{args.host}:{args.port}/v1", flush=True)
    # SIGTERM stops it as Ctrl-C does, exit status 0: uvicorn waited for every open call, and a `hang`, `stall` or
    # `gated` one never ends; after a second such calls are cut.
    serve_until_stopped(uvicorn.Config(
        create_fake_upstream(record=args.record),
        host=args.host, port=args.port, loop=args.loop, http=args.http, access_log=False, log_level="warning",
        timeout_graceful_shutdown=STOP_GRACE_SECONDS,
    ))  # fmt: skip


if __name__ == "__main__":
    main()
