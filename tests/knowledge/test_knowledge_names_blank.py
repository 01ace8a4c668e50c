"""A knowledge entry's app, title and tags are blank by the one rule (gateway/domain/blank_text.py): one of zero-width
or ideographic spaces is a 400 naming the field and saying it is blank."""

from __future__ import annotations

import pytest

NEW = {"app": "bank", "title": "Foreign transfer fees", "content": "Transfers abroad cost 1%.", "tags": ["fees"]}
BLANKS = ["\u200b", "\u3000", "\u2060 \ufeff"]


@pytest.mark.parametrize("blank", BLANKS)
@pytest.mark.parametrize(("field", "named"), [("app", "app"), ("title", "title"), ("tags", "tags[1]")])
async def test_an_entry_with_a_blank_app_title_or_tag_is_refused_as_blank(
    client, admin_headers, gateway_embedder, field, named, blank
):
    body = {**NEW, field: ["fees", blank] if field == "tags" else blank}

    response = await client.post("/api/kb", json=body, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith(f"'{named}' is blank: ")
    assert [entry["key"] for entry in response.json()["extra"]] == [named]


async def test_a_tags_zero_width_ends_are_trimmed_as_its_spaces_are(client, admin_headers, gateway_embedder):
    # str.strip trimmed the spaces and kept U+200B: the tag was then refused for a character it may not hold.
    body = {**NEW, "tags": ["\u2060 fees\u200b", "refunds\ufeff"]}

    response = await client.post("/api/kb", json=body, headers=admin_headers)

    assert response.status_code == 201, response.text
    assert response.json()["tags"] == ["fees", "refunds"]
