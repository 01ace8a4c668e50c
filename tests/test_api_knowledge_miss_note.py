"""An interaction's `policies` in the API: a knowledge search that added no entry is noted with the closest entry,
its score and the threshold, and the OpenAPI schema types that note."""

from __future__ import annotations

from datetime import UTC, datetime

from api_schema_seed import call_row
from test_api_response_schema import _resolved, _schema

CLOSEST = {"id": "0190f0f0-0000-7000-8000-000000000001", "version": 3, "title": "Foreign transfer fees", "score": 0.57}
MISSED = {"policy": "knowledge", "action": "pass", "threshold": 0.6, "closest": CLOSEST}


async def test_an_interaction_whose_search_added_no_entry_names_the_closest_in_its_policies(
    client, gateway, admin_headers
):
    prompts = {"policy": "prompts", "action": "pass", "arm": "active", "version_id": "v-1", "model": None}
    row = call_row("bank", datetime.now(UTC), [MISSED, prompts])
    await gateway.services.interactions.insert_many([row])

    response = await client.get(f"/api/interactions/{row['id']}", headers=admin_headers)

    assert response.status_code == 200
    assert response.json()["policies"] == [MISSED, prompts]


async def test_the_schema_types_the_note_of_a_search_that_added_no_entry(client):
    schema = await _schema(client)
    components = schema["components"]["schemas"]

    policies = components["InteractionJSON"]["properties"]["policies"]
    notes = next(option for option in policies["oneOf"] if option.get("type") == "array")["items"]
    typed = [_resolved(schema, option) for option in notes["oneOf"] if "$ref" in option]
    [other] = [option for option in notes["oneOf"] if "$ref" not in option]

    assert [sorted(note["properties"]) for note in typed] == [["action", "closest", "policy", "threshold"]]
    closest = _resolved(schema, typed[0]["properties"]["closest"])
    assert sorted(closest["required"]) == ["id", "score", "title", "version"]
    # A knowledge miss's note fits only its own type (`oneOf` wants exactly one).
    assert other["not"] == {"required": ["closest"]} and other["type"] == "object"
