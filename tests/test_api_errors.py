"""The admin API's errors in one shape: `detail` says what to fix, and a 400's `extra` names each field at fault."""

from __future__ import annotations

import pytest

TIME_MESSAGE = "must be a date and time to the second (RFC 3339; UTC when it has no offset), e.g. 2026-06-01T00:00:00Z"


async def time_parameters(client) -> list[tuple[str, str]]:
    """(path, name) of every admin GET query parameter the schema documents as a date-time."""
    schema = (await client.get("/schema/openapi.json")).json()
    found = []
    for path, item in schema["paths"].items():
        for parameter in item.get("get", {}).get("parameters", []):
            forms = parameter["schema"].get("oneOf", [parameter["schema"]])
            if path.startswith("/api/") and any(form.get("format") == "date-time" for form in forms):
                found.append((path, parameter["name"]))
    return found


@pytest.mark.parametrize("number", ["2026", "0", "-1", "1.5e9"])
async def test_a_bare_number_is_not_read_as_a_time_on_any_endpoint(client, admin_headers, number):
    # It was read as seconds since 1970: `since=2026` (the year, say) listed everything since 00:33:46 on 1 January 1970.
    checked = 0
    for path, name in await time_parameters(client):
        params = {name: number, **({"app": "bank"} if path == "/api/reviews/calibration" else {})}
        response = await client.get(path, params=params, headers=admin_headers)

        assert response.status_code == 400, f"{path} {name}: {response.text}"
        [entry] = response.json()["extra"]
        assert entry == {"key": name, "message": f"'{name}' {TIME_MESSAGE}", "source": "query"}, path
        checked += 1
    assert checked >= 10


async def test_a_date_alone_is_refused_alike_on_every_time_parameter_review_stats_included(client, admin_headers):
    # docs/admin-api.md: RFC 3339 to the second, UTC without an offset; /api/export alone (a text parameter, shared
    # with `feedgate export`) also takes a date. /api/reviews/stats?since=2026-11-01 gets the words /api/stats does.
    found = await time_parameters(client)
    assert ("/api/reviews/stats", "since") in found and ("/api/stats", "since") in found
    for path, name in found:
        params = {name: "2026-11-01", **({"app": "bank"} if path == "/api/reviews/calibration" else {})}
        response = await client.get(path, params=params, headers=admin_headers)

        assert response.status_code == 400, f"{path} {name}: {response.text}"
        assert response.json()["extra"] == [{"key": name, "message": f"'{name}' {TIME_MESSAGE}", "source": "query"}]


async def test_a_domain_refusal_of_a_query_parameter_names_it_in_extra_as_the_frameworks_do(client, admin_headers):
    response = await client.get("/api/interactions", params={"cursor": "abc"}, headers=admin_headers)

    assert response.status_code == 400
    said = "'cursor' must be the next_cursor of a previous page"
    assert response.json() == {
        "status_code": 400,
        "detail": said,
        "extra": [{"key": "cursor", "message": said, "source": "query"}],
    }


async def test_a_domain_refusal_of_a_body_field_names_it_in_extra(client, admin_headers):
    response = await client.post("/api/kb", json={"app": " ", "title": "Fees", "content": "1%"}, headers=admin_headers)

    assert response.status_code == 400
    [entry] = response.json()["extra"]
    assert (entry["key"], entry["source"]) == ("app", "body")
    assert entry["message"] == response.json()["detail"]


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("/api/interactions?limit=0", "'limit' must be a whole number from 1 to 1000; got '0'"),
        ("/api/issues?status=bogus", "'status' must be one of new, open, resolved, dismissed; got 'bogus'"),
        ("/api/stats?since=yesterday", f"'since' {TIME_MESSAGE}"),
    ],
)
async def test_a_value_the_framework_refuses_is_said_in_the_detail_not_only_in_extra(
    client, admin_headers, url, detail
):
    # The detail was "Validation failed for GET /api/interactions?limit=0": the URL back, not what to fix.
    response = await client.get(url, headers=admin_headers)

    assert response.status_code == 400
    assert response.json()["detail"] == detail


async def test_a_body_field_the_framework_refuses_is_said_in_the_detail(client, admin_headers):
    response = await client.post("/api/kb", json={"app": "bank", "title": 1, "content": "1%"}, headers=admin_headers)

    assert response.status_code == 400
    assert response.json()["detail"] == "'title': Expected `str`, got `int`"
    assert response.json()["extra"] == [{"message": "Expected `str`, got `int`", "key": "title", "source": "body"}]


async def test_a_missing_required_query_parameter_is_named_in_extra(client, admin_headers):
    response = await client.get("/api/prompts", headers=admin_headers)

    assert response.status_code == 400
    said = "'app' is required: give it as a query parameter"
    assert response.json() == {
        "status_code": 400,
        "detail": said,
        "extra": [{"key": "app", "message": said, "source": "query"}],
    }


async def test_a_method_an_admin_endpoint_does_not_take_is_a_405_naming_the_methods_it_takes(client, admin_headers):
    # The detail said "Method Not Allowed" alone; the methods were only in the Allow header.
    response = await client.delete("/api/kb", headers=admin_headers)

    assert response.status_code == 405
    assert response.json()["detail"] == "DELETE is not a method /api/kb takes; it takes GET, HEAD, OPTIONS, POST"
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"
