"""Raw HTTP requests a careless or hostile client might send the proxy, and how to judge the answers.

Used by benchmarks/fuzz_proxy.py and tests/test_bad_input.py. Each request is the exact bytes a
client writes on a fresh connection (so broken framing, invalid UTF-8 and oversized headers reach
the server as they are), and how the client ends: waiting for the answer, hanging up before the
request is complete, or hanging up once the answer has started. The random part is drawn from a
seeded generator, so a run is reproducible.
"""

from __future__ import annotations

import contextlib
import random
import socket
import time
from dataclasses import dataclass, replace
from enum import Enum

import orjson

from gateway.demo.fuzz_target import FuzzTarget

CHAT = b"/v1/chat/completions"
# Exactly as long as an interaction id (a UUID), so a request's content-length stays right when
# the judge swaps in the id of a real interaction (see gateway.demo.bad_feedback_requests).
INTERACTION_PLACEHOLDER = b"00000000-fuzz-fuzz-fuzz-000000000000"
VALID_CHAT = orjson.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Where is my order?"}]})


class Ending(Enum):
    """How the client ends the exchange."""

    ANSWER = "reads the answer"
    HANG_UP_MID_REQUEST = "hangs up before the request is complete"
    HANG_UP_BEFORE_ANSWER = "sends the whole request, then hangs up at once"
    HANG_UP_MID_ANSWER = "hangs up once the answer has started"


@dataclass(frozen=True)
class BadRequest:
    """One case: a name that says what is wrong, the bytes sent, and how the client ends."""

    name: str
    data: bytes
    ending: Ending = Ending.ANSWER


@dataclass(frozen=True)
class Outcome:
    """What came back: the status (None: no answer) and the answer's header names and values."""

    status: int | None
    headers: dict[bytes, bytes]

    def gateway_failed(self) -> bool:
        """A 5xx the gateway made; an upstream's own 5xx (it carries `x-request-id`) passes through."""
        if self.status is None or self.status < 500:
            return False
        return b"x-request-id" not in self.headers


def http_request(
    method: bytes,
    target: bytes,
    body: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    *,
    content_type: bytes | None = b"application/json",
    content_length: bytes | None = None,
    authorization: bytes | None = b"Bearer sk-fuzz",
) -> bytes:
    """The bytes of one HTTP/1.1 request (Connection: close, a pass-through key unless told otherwise)."""
    lines = [method + b" " + target + b" HTTP/1.1", b"host: 127.0.0.1", b"connection: close"]
    if authorization is not None:
        lines.append(b"authorization: " + authorization)
    if content_type is not None:
        lines.append(b"content-type: " + content_type)
    chunked_body = any(name == b"transfer-encoding" for name, _ in headers or [])
    if content_length is None and body and not chunked_body:
        content_length = str(len(body)).encode()
    if content_length is not None:
        lines.append(b"content-length: " + content_length)
    lines += [name + b": " + value for name, value in headers or []]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def chunked(chunks: list[bytes], *, last: bool = True) -> bytes:
    """A chunked transfer-encoded body; without `last`, it stops before the final chunk."""
    encoded = b"".join(f"{len(chunk):x}".encode() + b"\r\n" + chunk + b"\r\n" for chunk in chunks)
    return encoded + (b"0\r\n\r\n" if last else b"")


def _post(body: bytes, **kwargs: object) -> bytes:
    return http_request(b"POST", CHAT, body, **kwargs)  # type: ignore[arg-type]  # kwargs: http_request's keywords


def malformed_json() -> list[BadRequest]:
    """Bodies that are not the JSON object the endpoint expects."""
    bodies = {
        "truncated JSON": VALID_CHAT[:-7],
        "a lone brace": b"{",
        "JSON array": b"[1, 2, 3]",
        "JSON null": b"null",
        "JSON string": b'"hello"',
        "model is a number": b'{"model": 12, "messages": []}',
        "model is an object": b'{"model": {"a": 1}, "messages": []}',
        "messages is a string": b'{"model": "gpt-4o-mini", "messages": "hi"}',
        "stream is a string": b'{"model": "gpt-4o-mini", "stream": "yes", "messages": []}',
        "NaN literal": b'{"model": "gpt-4o-mini", "temperature": NaN}',
        "number overflow": b'{"model": "gpt-4o-mini", "temperature": 1e999999}',
        "lone surrogate escape": b'{"model": "\\ud800", "messages": []}',
        "duplicate keys": b'{"model": "a", "model": "b", "messages": []}',
        "deep nesting": b'{"a":' * 5000 + b"1" + b"}" * 5000,
        "trailing garbage": VALID_CHAT + b"}}}",
        "empty object": b"{}",
        "whitespace only": b"   \n\t ",
    }
    return [BadRequest(f"malformed JSON: {name}", _post(body)) for name, body in bodies.items()]


def wrong_content_types() -> list[BadRequest]:
    """Valid or junk bodies labelled with the wrong content type, or none."""
    return [
        BadRequest("content type: text/plain", _post(VALID_CHAT, content_type=b"text/plain")),
        BadRequest("content type: missing", _post(VALID_CHAT, content_type=None)),
        BadRequest("content type: form", _post(b"model=gpt-4o-mini&messages=hi", content_type=b"application/x-www-form-urlencoded")),
        BadRequest("content type: multipart, no boundary", _post(b"--x\r\n\r\nhi\r\n--x--", content_type=b"multipart/form-data")),
        BadRequest("content type: garbage", _post(VALID_CHAT, content_type=b";;;=\x01")),
        BadRequest("content type: latin-1 charset", _post('{"model": "caf\xe9"}'.encode("latin-1"), content_type=b"application/json; charset=latin-1")),
        BadRequest("content type: octet-stream of random bytes", _post(bytes(range(256)), content_type=b"application/octet-stream")),
    ]  # fmt: skip


def invalid_utf8() -> list[BadRequest]:
    """Bytes that are not UTF-8 in the body, the headers the gateway reads, and the path."""
    return [
        BadRequest("invalid UTF-8 in body", _post(b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "\xff\xfe"}]}')),
        BadRequest("invalid UTF-8 in x-feedgate-user", _post(VALID_CHAT, headers=[(b"x-feedgate-user", b"\xff\xfe\xc3")])),
        BadRequest("invalid UTF-8 in x-feedgate-metadata", _post(VALID_CHAT, headers=[(b"x-feedgate-metadata", b'{"a": "\xff"}')])),
        BadRequest("metadata header is not an object", _post(VALID_CHAT, headers=[(b"x-feedgate-metadata", b"[1]")])),
        BadRequest("invalid UTF-8 in authorization", http_request(b"POST", CHAT, VALID_CHAT, authorization=b"Bearer \xff\xfe")),
        BadRequest("invalid UTF-8 in an unknown header", _post(VALID_CHAT, headers=[(b"x-anything", b"\x80\x81")])),
        BadRequest("invalid UTF-8 in path", http_request(b"POST", b"/v1/chat/\xff\xfe", VALID_CHAT)),
        BadRequest("invalid UTF-8 percent-encoded in path", http_request(b"POST", b"/v1/chat/%ff%fe", VALID_CHAT)),
        BadRequest("invalid UTF-8 in query", http_request(b"GET", b"/v1/models?x=\xff\xfe")),
    ]  # fmt: skip


def huge_headers() -> list[BadRequest]:
    """Headers far beyond what any server should take."""
    return [
        BadRequest("one 100 KB header", _post(VALID_CHAT, headers=[(b"x-big", b"a" * 100_000)])),
        BadRequest("one 1 MB header", _post(VALID_CHAT, headers=[(b"x-big", b"a" * 1_000_000)])),
        BadRequest("2,000 headers", _post(VALID_CHAT, headers=[(f"x-h{i}".encode(), b"v") for i in range(2000)])),
        BadRequest("a 20 KB header name", _post(VALID_CHAT, headers=[(b"x" * 20_000, b"v")])),
        BadRequest("100 KB x-feedgate-user", _post(VALID_CHAT, headers=[(b"x-feedgate-user", b"u" * 100_000)])),
        BadRequest("100 KB x-feedgate-metadata", _post(VALID_CHAT, headers=[(b"x-feedgate-metadata", b'{"a": "' + b"m" * 100_000 + b'"}')])),
    ]  # fmt: skip


def path_tricks() -> list[BadRequest]:
    """Long paths, traversal, encoded dots and NULs, double slashes, odd request targets."""
    targets = {
        "very long path (10 KB)": b"/v1/" + b"a" * 10_000,
        "very long path (200 KB)": b"/v1/" + b"a" * 200_000,
        "traversal to the admin API": b"/v1/../api/interactions",
        "encoded traversal": b"/v1/%2e%2e/api/interactions",
        "encoded slash traversal": b"/v1/..%2f..%2fetc%2fpasswd",
        "double slashes": b"/v1//chat//completions",
        "dot segment": b"/v1/./chat/completions",
        "encoded NUL": b"/v1/chat/completions%00",
        "encoded NUL mid path": b"/v1/%00/models",
        "raw control characters": b"/v1/chat/\x01\x02",
        "absolute-form target": b"http://example.invalid/v1/chat/completions",
        "asterisk target": b"*",
        "feedback path with traversal": b"/v1/feedback/../chat/completions",
        "long query string (100 KB)": b"/v1/models?" + b"q=" + b"x" * 100_000,
    }
    return [BadRequest(f"path: {name}", http_request(b"POST", target, VALID_CHAT)) for name, target in targets.items()]


def methods() -> list[BadRequest]:
    """Methods the proxy does not serve on a chat endpoint, and made-up ones."""
    names = [b"GET", b"PUT", b"PATCH", b"DELETE", b"OPTIONS", b"HEAD", b"TRACE", b"BREW", b"CONNECT"]
    return [BadRequest(f"method {name.decode()}", http_request(name, CHAT, VALID_CHAT)) for name in names]


def framing(max_request_bytes: int) -> list[BadRequest]:
    """Bodies over the limit, lying or broken lengths, chunked bodies that stop early."""
    over = b'{"model": "gpt-4o-mini", "pad": "' + b"x" * max_request_bytes + b'"}'
    return [
        BadRequest("body over the limit", _post(over)),
        BadRequest("declared length over the limit, no body", _post(b"", content_length=str(max_request_bytes + 1).encode())),
        BadRequest("chunked body over the limit", _post(chunked([over[i:i + 65536] for i in range(0, len(over), 65536)]), headers=[(b"transfer-encoding", b"chunked")])),
        BadRequest("chunked body", _post(chunked([VALID_CHAT[:10], VALID_CHAT[10:]]), headers=[(b"transfer-encoding", b"chunked")])),
        BadRequest("chunked body that stops early", _post(chunked([VALID_CHAT[:10]], last=False), headers=[(b"transfer-encoding", b"chunked")]), Ending.HANG_UP_MID_REQUEST),
        BadRequest("invalid chunk size", _post(b"zz\r\nabc\r\n0\r\n\r\n", headers=[(b"transfer-encoding", b"chunked")])),
        BadRequest("body shorter than its length", _post(VALID_CHAT[:20], content_length=str(len(VALID_CHAT)).encode()), Ending.HANG_UP_MID_REQUEST),
        BadRequest("content length is not a number", _post(VALID_CHAT, content_length=b"abc")),
        BadRequest("negative content length", _post(VALID_CHAT, content_length=b"-1")),
        BadRequest("two different content lengths", _post(VALID_CHAT, headers=[(b"content-length", b"3")])),
        BadRequest("length and chunked together", _post(chunked([VALID_CHAT]), content_length=b"5", headers=[(b"transfer-encoding", b"chunked")])),
        BadRequest("hangs up after the headers", _post(b"", content_length=b"500"), Ending.HANG_UP_MID_REQUEST),
    ]  # fmt: skip


def disconnects() -> list[BadRequest]:
    """Clients that leave while the gateway waits for, or relays, the upstream's answer."""
    slow_stream = orjson.dumps(
        {"model": "slow-gpt", "stream": True, "messages": [{"role": "user", "content": "a b c d e f g h"}]}
    )
    slow_json = orjson.dumps({"model": "slow-gpt", "messages": [{"role": "user", "content": "hi"}]})
    return [
        BadRequest("hangs up mid-stream", _post(slow_stream), Ending.HANG_UP_MID_ANSWER),
        BadRequest("hangs up while the upstream thinks", _post(slow_json), Ending.HANG_UP_BEFORE_ANSWER),
    ]  # fmt: skip


def random_mutations(rng: random.Random, count: int) -> list[BadRequest]:
    """`count` copies of a valid chat request with random bytes flipped, cut or inserted."""
    cases = []
    for index in range(count):
        body = bytearray(VALID_CHAT)
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(body))
            action = rng.choice(("flip", "cut", "insert"))
            if action == "flip":
                body[position] = rng.randrange(256)
            elif action == "cut":
                del body[position : position + rng.randint(1, 10)]
            else:
                body[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 10)))
        cases.append(BadRequest(f"random mutation #{index}", _post(bytes(body))))
    return cases


def bad_requests(seed: int, random_count: int, max_request_bytes: int) -> list[BadRequest]:
    """Every hand-written case, then `random_count` seeded random mutations."""
    fixed = [*malformed_json(), *wrong_content_types(), *invalid_utf8(), *huge_headers(), *path_tricks(),
             *methods(), *framing(max_request_bytes), *disconnects()]  # fmt: skip
    return fixed + random_mutations(random.Random(seed), random_count)


def send_bad_request(host: str, port: int, case: BadRequest, timeout: float = 20.0) -> Outcome:
    """Send one case on a fresh connection and read what comes back (as far as its ending allows)."""
    with socket.create_connection((host, port), timeout=timeout) as connection:
        # The server may refuse a huge request before reading all of it; its answer is still there.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(case.data)
        if case.ending in (Ending.HANG_UP_MID_REQUEST, Ending.HANG_UP_BEFORE_ANSWER):
            return Outcome(None, {})
        received = b""
        while True:
            try:
                chunk = connection.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            received += chunk
            if case.ending is Ending.HANG_UP_MID_ANSWER and b"\r\n\r\n" in received:
                break
    return parse_answer(received)


def parse_answer(received: bytes) -> Outcome:
    """Status and headers of a raw HTTP/1.1 answer (None: nothing came back)."""
    head, _, _ = received.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        return Outcome(None, {})
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return Outcome(int(parts[1]), headers)


@dataclass(frozen=True)
class Verdict:
    """One case's result: the status seen (None: no answer), and what went wrong, if anything."""

    case: BadRequest
    status: int | None
    problem: str | None


def judge(target: FuzzTarget, case: BadRequest) -> Verdict:
    """Send `case` and decide whether the gateway handled it well."""
    crashes_before = len(target.crashes.records)
    upstream_crashes_before = len(target.crashes.upstream_records)
    upstream_before = len(target.upstream.app.requests)
    if INTERACTION_PLACEHOLDER in case.data:
        case = replace(case, data=case.data.replace(INTERACTION_PLACEHOLDER, target.interaction_id().encode()))
    try:
        outcome = send_bad_request("127.0.0.1", target.gateway.port, case)
    except OSError as exc:
        return Verdict(case, None, f"could not talk to the gateway: {type(exc).__name__}: {exc}")
    # Hang-ups are handled after the client is gone: give the gateway a moment before reading its log.
    time.sleep(0.3 if case.ending is not Ending.ANSWER else 0.0)
    crashes = target.crashes.lines()[crashes_before:]
    if crashes:
        return Verdict(case, outcome.status, f"the gateway logged: {crashes[0]}")
    upstream_crashed = len(target.crashes.upstream_records) > upstream_crashes_before
    if outcome.gateway_failed() and not upstream_crashed:
        return Verdict(case, outcome.status, f"the gateway answered {outcome.status}")
    if case.ending is Ending.ANSWER and outcome.status is None:
        return Verdict(case, None, "the connection closed without an answer")
    if case.ending is Ending.HANG_UP_MID_REQUEST:
        forwarded = target.upstream.app.requests[upstream_before:]
        if any(request.method == "POST" for request in forwarded):
            return Verdict(case, None, "a request the client never finished was forwarded upstream")
    return Verdict(case, outcome.status, None)
