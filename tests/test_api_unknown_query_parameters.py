"""Every admin API endpoint refuses a query parameter it does not read, naming it, instead of ignoring it."""

from __future__ import annotations

import pytest

from gateway.api.query_parameters import query_names, required_query_names
from gateway.app import FeedgateApp

MISSING = "00000000-0000-0000-0000-000000000000"


def api_handlers(app: FeedgateApp) -> list[tuple[str, str, object]]:
    """(method, path, handler) of every admin API route but the framework's OPTIONS."""
    found = []
    for route in app.api.routes:
        if not route.path.startswith("/api/"):
            continue
        for handler in route.route_handlers:  # type: ignore[attr-defined]
            for method in handler.http_methods - {"OPTIONS"}:
                found.append((method, route.path, handler))
    return found


async def test_the_names_each_endpoint_reads_are_those_its_openapi_schema_documents(gateway, client):
    schema = (await client.get("/schema/openapi.json")).json()

    for method, path, handler in api_handlers(gateway):
        operation = schema["paths"][path.replace(":str", "")][method.lower()]
        documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        assert query_names(handler) == documented, f"{method} {path}"


async def test_a_misspelt_filter_is_a_400_naming_it_and_what_the_endpoint_reads(client, admin_headers):
    response = await client.get("/api/export", params={"sorce": "human_review"}, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert response.json()["detail"] == (
        "unknown query parameter 'sorce': /api/export reads app, fixes, format, since, source, stored_after, until"
    )


async def test_several_unknown_parameters_are_all_named(client, admin_headers):
    response = await client.get("/api/interactions", params={"limt": "5", "order": "asc"}, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert "unknown query parameter 'limt', 'order':" in response.json()["detail"]


async def test_an_endpoint_that_reads_no_query_says_so(client, admin_headers):
    response = await client.post("/api/erasures?dry_run=true", json={"user": "u-1"}, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert response.json()["detail"] == "unknown query parameter 'dry_run': /api/erasures reads no query parameters"


async def test_an_endpoints_own_parameters_and_aliases_are_read(client, admin_headers):
    listing = await client.get("/api/interactions", params={"limit": "5"}, headers=admin_headers)
    diff = await client.get("/api/prompts/diff", params={"from": MISSING, "to": MISSING}, headers=admin_headers)

    assert listing.status_code == 200, listing.text
    assert "unknown query parameter" not in diff.text


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer wrong"}], ids=["no token", "wrong token"])
async def test_without_the_token_an_unknown_parameter_is_a_401(client, headers):
    response = await client.get("/api/export", params={"sorce": "x"}, headers=headers)

    assert response.status_code == 401


# Each filter naming one thing (an app, a record by id, a person, a label), and what leaving it out lists.
NAMING_FILTERS = {
    "app": "app",
    "model": "model",
    "interaction_id": "interaction",
    "issue": "issue",
    "issue_id": "issue",
    "subject_id": "subject",
    "subject_type": "subject type",
    "actor": "actor",
    "action": "action",
    "assignee": "assignee",
    "tag": "tag",
}


# "\u200b": blank by the one rule (gateway/domain/blank_text.py), which str.strip let through as a name.
@pytest.mark.parametrize("blank", ["", " ", "\u200b"])
async def test_every_endpoint_filtering_by_a_name_or_an_id_refuses_a_blank_one(gateway, client, admin_headers, blank):
    # Blank, the filter names nothing: listings answered 200 and empty (`/api/feedback?interaction_id=`),
    # and reports all zeros, read as "none of these".
    checked = 0
    for method, path, handler in api_handlers(gateway):
        # A name the endpoint requires is no filter to leave out: its own refusal says it is blank (below).
        for name in NAMING_FILTERS.keys() & (query_names(handler) - required_query_names(handler)):
            url = "/".join(MISSING if part.startswith("{") else part for part in path.split("/"))
            response = await client.request(method, url, params={name: blank}, headers=admin_headers)

            assert response.status_code == 400, f"{method} {path} {name}: {response.text}"
            said = f"'{name}' must not be blank: give a value, or leave it out for every {NAMING_FILTERS[name]}"
            assert response.json()["detail"] == said, f"{method} {path}"
            assert response.json()["extra"][0]["key"] == name
            checked += 1
    assert checked >= 16


@pytest.mark.parametrize("blank", ["", " ", "\u200b"])
async def test_an_app_an_endpoint_requires_given_blank_is_refused_as_blank(gateway, client, admin_headers, blank):
    # Not "leave it out for every app": these endpoints need one (an app's versions, an app's calibration).
    required = sorted(path for _, path, handler in api_handlers(gateway) if "app" in required_query_names(handler))
    assert required == ["/api/prompts", "/api/reviews/calibration"]
    for path in required:
        response = await client.get(path, params={"app": blank}, headers=admin_headers)

        assert response.status_code == 400, f"{path}: {response.text}"
        assert response.json()["detail"].startswith("'app' is blank: name the app "), path
        assert response.json()["extra"][0]["key"] == "app"


async def test_every_endpoint_refuses_a_query_parameter_given_twice_naming_it(gateway, client, admin_headers):
    # The framework took one of the values quietly: `?limit=1&limit=2` listed one row, and
    # `/api/prompts?app=bank&app=x` showed app x; which one wins is nowhere promised.
    checked = 0
    for method, path, handler in api_handlers(gateway):
        for name in sorted(query_names(handler)):
            url = "/".join(MISSING if part.startswith("{") else part for part in path.split("/"))
            response = await client.request(method, f"{url}?{name}=1&{name}=2", headers=admin_headers)

            assert response.status_code == 400, f"{method} {path} {name}: {response.text}"
            said = f"'{name}' was given 2 times: give it once"
            assert response.json()["detail"] == said, f"{method} {path} {name}"
            checked += 1
    assert checked >= 40
