"""The OpenAPI schema: served as JSON and YAML, with no page that runs another origin's scripts."""

from __future__ import annotations

import pytest


async def test_the_schema_root_answers_the_openapi_document_as_json(client):
    response = await client.get("/schema")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    assert "/api/interactions" in response.json()["paths"]


async def test_the_schema_is_also_served_as_yaml(client):
    response = await client.get("/schema/openapi.yaml")

    assert response.status_code == 200
    assert "/api/interactions:" in response.text


@pytest.mark.parametrize("viewer", ["redoc", "swagger", "elements", "rapidoc", "scalar"])
async def test_no_documentation_page_loads_scripts_from_a_cdn_on_the_gateways_origin(client, viewer):
    # Such a script runs with the admin pages' origin: it could read their pages and forms.
    response = await client.get(f"/schema/{viewer}")

    assert response.status_code == 404
    assert "<script" not in response.text
