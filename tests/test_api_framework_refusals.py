"""The framework's refusals of the admin API name the field as a client sends it, and say what to send."""

from __future__ import annotations

from typing import Any

import pytest

MISSING = "00000000-0000-0000-0000-000000000000"


async def number_parameters(client) -> list[tuple[str, str, dict[str, Any]]]:
    """(path, name, schema) of every admin GET query parameter the schema documents as a whole number."""
    schema = (await client.get("/schema/openapi.json")).json()
    found = []
    for path, item in schema["paths"].items():
        for parameter in item.get("get", {}).get("parameters", []):
            if path.startswith("/api/") and parameter["schema"].get("type") == "integer":
                found.append((path, parameter["name"], parameter["schema"]))
    return found


@pytest.mark.parametrize("sent", ["abc", "-1", "99999999999999999999", "1.5", ""])
async def test_a_page_size_or_offset_out_of_range_or_not_a_number_says_the_range(client, admin_headers, sent):
    # It was "'limit': Expected `int`, got `str`" (every query parameter comes as text) or "Expected `int` >= 1".
    checked = []
    for path, name, schema in await number_parameters(client):
        response = await client.get(path, params={name: sent}, headers=admin_headers)

        lowest, highest = int(schema["minimum"]), int(schema["maximum"])
        # Digits out of range are told the range; anything else also to write digits (see the test below).
        as_digits = "" if sent.lstrip("-").isdigit() else ", written as digits"
        said = f"'{name}' must be a whole number from {lowest} to {highest}{as_digits}; got '{sent}'"
        if sent.lstrip("-").isdigit() and lowest <= int(sent) <= highest:
            continue  # -1 is refused by every one; 1.5 and the rest too
        assert response.status_code == 400, f"{path} {name}: {response.text}"
        assert response.json()["extra"] == [{"key": name, "message": said, "source": "query"}], path
        checked.append(f"{path}?{name}")
    assert len(checked) >= 6, checked  # limit on five listings, offset on three


@pytest.mark.parametrize("sent", ["1e3", "1E2", "5.0", "+5", "1_000", " 5", "5 ", "\uff15", "0x10"])
async def test_a_whole_number_not_written_as_digits_is_refused(client, admin_headers, sent):
    # `limit=1e3` listed a thousand rows (and 5.0 five): a page size or offset is written as digits alone.
    checked = []
    for path, name, schema in await number_parameters(client):
        response = await client.get(path, params={name: sent}, headers=admin_headers)

        lowest, highest = int(schema["minimum"]), int(schema["maximum"])
        said = f"'{name}' must be a whole number from {lowest} to {highest}, written as digits; got {sent!r}"
        assert response.status_code == 400, f"{path} {name}: {response.text}"
        assert response.json()["extra"] == [{"key": name, "message": said, "source": "query"}], path
        checked.append(f"{path}?{name}")
    assert len(checked) >= 6, checked


async def test_a_fraction_out_of_range_says_the_range(client, admin_headers):
    params = {"app": "bank", "review_rate": "1.5"}
    response = await client.get("/api/reviews/calibration", params=params, headers=admin_headers)

    said = "'review_rate' must be a number greater than 0 and less than 1; got '1.5'"
    assert response.status_code == 400
    assert response.json()["extra"] == [{"key": "review_rate", "message": said, "source": "query"}]


async def test_a_renamed_query_parameter_is_named_as_the_client_sends_it(client, admin_headers):
    # The refusal named the handler's arguments, 'from_id' and 'to_id', which no client sends.
    response = await client.get("/api/prompts/diff", params={"from": "", "to": "v"}, headers=admin_headers)

    assert response.status_code == 400
    [entry] = response.json()["extra"]
    assert (entry["key"], entry["source"]) == ("from", "query")
    assert response.json()["detail"].startswith("'from'")


async def test_a_missing_body_field_is_named_in_extra(client, admin_headers):
    # The entry's key was "data" (the handler's argument) and the field was only in the words.
    response = await client.post("/api/kb", json={"app": "bank", "title": "Fees"}, headers=admin_headers)

    said = "'content' is required: give it in the JSON body"
    assert response.status_code == 400
    assert response.json() == {
        "status_code": 400,
        "detail": said,
        "extra": [{"key": "content", "message": said, "source": "body"}],
    }


async def test_an_unknown_body_field_is_named_in_extra_with_the_fields_the_body_takes(client, admin_headers):
    response = await client.patch(f"/api/kb/{MISSING}", json={"titel": "Fees"}, headers=admin_headers)

    said = "Object contains unknown field `titel`: the body takes title, content, example_questions, tags, active, app, expected_version"
    assert response.status_code == 400
    assert response.json()["extra"] == [{"key": "titel", "message": said, "source": "body"}]
    assert response.json()["detail"] == said
