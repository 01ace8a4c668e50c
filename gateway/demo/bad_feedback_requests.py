"""Bad posts to /v1/feedback, each about a real interaction: what schemathesis's posts do not reach.

The OpenAPI schema describes the body, but schemathesis makes up its interaction ids, so its
posts that pass validation stop at the lookup (404), and it sends only what JSON can say. These
cases: broken JSON, wrong types, out-of-range ratings, integers past 64 bits, NUL characters and
invalid UTF-8 (which PostgreSQL refuses in text), oversized fields and junk tokens. Each names a
real interaction of the fuzz's own app (INTERACTION_PLACEHOLDER is swapped for its id when sent),
so a case gets past the lookup to the validation and storage behind it.
"""

from __future__ import annotations

import json

import orjson

from gateway.demo.bad_requests import INTERACTION_PLACEHOLDER, BadRequest, http_request

FEEDBACK = b"/v1/feedback"


def _feedback(fields: dict[str, object] | bytes, headers: list[tuple[bytes, bytes]] | None = None) -> bytes:
    # The standard library's encoder: orjson refuses integers past 64 bits, which are a case here.
    body = fields if isinstance(fields, bytes) else json.dumps({"interaction_id": "@", **fields}).encode()
    body = body.replace(b'"@"', b'"' + INTERACTION_PLACEHOLDER + b'"')
    return http_request(b"POST", FEEDBACK, body, headers)


def bad_feedback() -> list[BadRequest]:
    """Posts to /v1/feedback that must be refused (or stored) with a 2xx or 4xx, never a 5xx."""
    fields: dict[str, dict[str, object]] = {
        "a valid thumbs down (control)": {"thumbs": "down", "comment": "wrong"},
        "no signal at all": {},
        "thumbs sideways": {"thumbs": "sideways"},
        "rating 0": {"rating": 0},
        "rating 6": {"rating": 6},
        "rating 2.5": {"rating": 2.5},
        "rating as a string": {"rating": "5"},
        "rating true": {"rating": True},
        "rating past 64 bits": {"rating": 2**70},
        "rating below -2**63": {"rating": -(2**70)},
        "comment with a NUL": {"thumbs": "down", "comment": "a\u0000b"},
        "correction with a NUL": {"correction": "\u0000"},
        "comment of 1 MB": {"thumbs": "down", "comment": "c" * 1_000_000},
        "comment is a list": {"thumbs": "down", "comment": ["a"]},
        "user_id with a NUL": {"thumbs": "up", "user_id": "u\u0000"},
        "user_id of 100 KB": {"thumbs": "up", "user_id": "u" * 100_000},
        "user_id is a number": {"thumbs": "up", "user_id": 12},
        "metadata not an object": {"thumbs": "up", "metadata": [1, 2]},
        "metadata with a NUL key": {"thumbs": "up", "metadata": {"\u0000": "\u0000"}},
        "metadata nested 200 deep": {"thumbs": "up", "metadata": _nested(200)},
        "idempotency key with a NUL": {"thumbs": "up", "idempotency_key": "k\u0000"},
        "idempotency key of 100 KB": {"thumbs": "up", "idempotency_key": "k" * 100_000},
        "idempotency key is an object": {"thumbs": "up", "idempotency_key": {"a": 1}},
        "unknown fields": {"thumbs": "up", "extra": 1, "__proto__": {}},
    }
    cases = [BadRequest(f"feedback: {name}", _feedback(body)) for name, body in fields.items()]
    raw = {
        "truncated JSON": b'{"interaction_id": "',
        "JSON array": b"[]",
        "invalid UTF-8 in comment": b'{"interaction_id": "@", "thumbs": "down", "comment": "\xff\xfe"}',
        "lone surrogate escape": b'{"interaction_id": "@", "thumbs": "down", "comment": "\\udc00"}',
        "interaction id is a number": b'{"interaction_id": 7, "thumbs": "up"}',
        "interaction id with a NUL": b'{"interaction_id": "\\u0000", "thumbs": "up"}',
        "interaction id of 100 KB": b'{"interaction_id": "' + b"i" * 100_000 + b'", "thumbs": "up"}',
        "unknown interaction id": b'{"interaction_id": "chatcmpl-nothing-here", "thumbs": "up"}',
    }
    cases += [BadRequest(f"feedback: {name}", _feedback(body)) for name, body in raw.items()]
    tokens = {
        "junk token": b"a.b.c",
        "token with invalid UTF-8": b"\xff\xfe.\x80",
        "token of 100 KB": b"t" * 100_000,
    }
    for name, token in tokens.items():
        request = http_request(b"POST", FEEDBACK, orjson.dumps({"interaction_id": "x", "thumbs": "up"}),
                               [(b"x-feedgate-feedback-token", token)], authorization=None)  # fmt: skip
        cases.append(BadRequest(f"feedback: {name}", request))
    return cases


def _nested(depth: int) -> dict[str, object]:
    value: dict[str, object] = {}
    for _ in range(depth):
        value = {"a": value}
    return value
