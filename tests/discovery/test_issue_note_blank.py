"""An issue's status note is a person's words, kept by the one blank rule (gateway/domain/blank_text.py), as its title
is: a note of blank characters only, zero-width ones included, is no note, and its blank ends are trimmed."""

from __future__ import annotations

import httpx
from seed import PASSWORDS, REFUNDS, seed_complaints

from gateway.discovery.job import run_clustering_pass


async def resolved_with(client: httpx.AsyncClient, gateway, admin_headers, embedder, note: str) -> dict:
    """The status event of an issue resolved over the API with `note`."""
    services = gateway.services
    await seed_complaints(services.engine, REFUNDS + PASSWORDS, app="support-bot")
    await run_clustering_pass(services.engine, services.settings, embedder, app="support-bot")
    issue = (await client.get("/api/issues", headers=admin_headers)).json()["data"][0]

    response = await client.patch(
        f"/api/issues/{issue['id']}", json={"status": "resolved", "note": note}, headers=admin_headers
    )

    assert response.status_code == 200, response.text
    [event] = response.json()["events"]
    return event


async def test_a_note_of_zero_width_spaces_is_no_note(client: httpx.AsyncClient, gateway, admin_headers, embedder):
    event = await resolved_with(client, gateway, admin_headers, embedder, "\u200b\u2060")

    assert event["detail"] == {"from": "new", "to": "resolved", "by": "admin-token"}


async def test_a_notes_zero_width_ends_are_trimmed(client: httpx.AsyncClient, gateway, admin_headers, embedder):
    event = await resolved_with(client, gateway, admin_headers, embedder, "\ufefffixed the prompt\u200b")

    assert event["detail"]["note"] == "fixed the prompt"
