"""A prompt version's app and model are names, blank by the one rule (gateway/domain/blank_text.py): one of zero-width
or ideographic spaces names nothing, and is a 400 naming the field and saying it is blank (str.strip kept U+200B, and
such an app got versions)."""

from __future__ import annotations

import pytest

BLANKS = ["\u200b", "\u3000", "\u2060 \ufeff"]


@pytest.mark.parametrize("blank", BLANKS)
@pytest.mark.parametrize("field", ["app", "model"])
async def test_a_version_for_a_blank_app_or_model_is_refused_as_blank(client, admin_headers, field, blank):
    body = {"app": "bot", "text": "Fees are 1%.", field: blank}

    response = await client.post("/api/prompts", json=body, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith(f"'{field}' is blank: ")
    assert [entry["key"] for entry in response.json()["extra"]] == [field]


async def test_a_mode_for_a_blank_app_is_refused_as_blank(client, admin_headers):
    response = await client.post("/api/prompts/mode", json={"app": "\u200b", "mode": "append"}, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith("'app' is blank: ")


@pytest.mark.parametrize("field", ["app", "model"])
async def test_a_names_zero_width_ends_are_trimmed_as_its_spaces_are(client, admin_headers, field):
    # str.strip trimmed the spaces and kept U+200B: "bot\u200b" was an app of its own, no call of "bot" got it.
    body = {"app": "bot", "model": "gpt-4o", "text": "Fees are 1%.", field: "\u2060 bot-or-model\u200b\ufeff"}

    response = await client.post("/api/prompts", json=body, headers=admin_headers)

    assert response.status_code in (200, 201), response.text
    assert response.json()[field] == "bot-or-model"
