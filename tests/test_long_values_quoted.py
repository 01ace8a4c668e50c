"""A refused value is quoted shortened: its first characters and its length, never 3,000 characters echoed back."""

from __future__ import annotations

import pytest

from gateway.domain.quoting import QUOTED_CHARS, quoted

LONG = "x" * 2_990 + "the end"


def test_a_short_value_is_quoted_whole():
    assert quoted("fast") == "'fast'"


def test_a_long_value_is_quoted_by_its_start_and_its_length():
    said = quoted(LONG)

    assert said == f"'{'x' * QUOTED_CHARS}…' (2,997 characters)"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/reviews?source=LONG", None),
        ("GET", "/api/issues?sort=LONG", None),
        ("GET", "/api/export?format=LONG", None),
        ("GET", "/api/interactions/LONG", None),
        ("POST", "/api/prompts", {"app": "bot", "text": "Be brief.", "mode": "LONG"}),
        ("POST", "/api/kb", {"app": "bot", "title": "Fees", "content": "1 %", "tags": ["LONG"]}),
        ("PATCH", "/api/reviews/a-task", {"action": "LONG", "reviewer": "ana"}),
    ],
)
async def test_the_api_quotes_a_long_refused_value_shortened(client, admin_headers, method, path, body):
    if body is not None:
        body = {key: [LONG] if value == ["LONG"] else LONG if value == "LONG" else value for key, value in body.items()}
    response = await client.request(method, path.replace("LONG", LONG), json=body, headers=admin_headers)

    assert response.status_code in (400, 404), response.text
    assert "the end" not in response.text
    assert "(2,997 characters)" in response.json()["detail"]
