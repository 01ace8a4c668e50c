"""A preview made live with a message of blank characters only (zero-width ones included) gets the default message,
as one with no message does: the message is a person's words, kept by the one blank rule."""

from __future__ import annotations

from preview_seed import seed_issue


async def test_a_message_of_zero_width_spaces_gets_the_default_message(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, made = await _prompt_preview(gateway, client, admin_headers)
    assert made.status_code == 201, made.text

    live = await client.post(
        f"/api/previews/{made.json()['id']}/live", json={"message": "\u200b"}, headers=admin_headers
    )

    assert live.status_code == 201, live.text
    version = (await client.get(f"/api/prompts/{live.json()['fix']['id']}", headers=admin_headers)).json()
    assert version["message"] == f"Fix for issue {issue_id}, as previewed ({made.json()['id']})"


async def test_a_retry_whose_blank_message_is_blank_otherwise_is_the_same_request(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    # Both say no message, as the one rule reads them: the key is a repeat, not a 422 naming `message`.
    _, made = await _prompt_preview(gateway, client, admin_headers)
    url = f"/api/previews/{made.json()['id']}/live"
    keyed = {**admin_headers, "Idempotency-Key": "live-blank"}
    first = await client.post(url, json={"message": "\u200b"}, headers=keyed)
    assert first.status_code == 201, first.text

    again = await client.post(url, json={"message": " \u3000"}, headers=keyed)

    assert again.status_code == 200, again.text
    assert again.json()["fix"]["id"] == first.json()["fix"]["id"]


async def _prompt_preview(gateway, client, admin_headers):
    """An issue and a prompt preview made on it (the API's answer)."""
    issue_id, _ = await seed_issue(gateway, client)
    made = await client.post(
        f"/api/issues/{issue_id}/previews",
        json={"kind": "prompt", "text": "Say 1%.", "limit": 1},
        headers=admin_headers,
    )
    return issue_id, made
