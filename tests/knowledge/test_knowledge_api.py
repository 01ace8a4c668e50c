"""`/api/kb` on both databases: the verbs, and precise status codes naming the field."""

from __future__ import annotations

import json

import pytest

NEW = {
    "app": "bank",
    "title": "Foreign transfer fees",
    "content": "Transfers abroad cost 1%.",
    "example_questions": ["How much is a transfer abroad?"],
    "tags": ["fees"],
}


@pytest.fixture
async def created(client, admin_headers, gateway_embedder) -> dict:
    response = await client.post("/api/kb", json=NEW, headers=admin_headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_get_edit_versions_restore(client, admin_headers, created):
    entry_id = created["id"]
    assert created["version"] == 1 and created["active"] is True and created["author"] == "admin-token"

    edited = await client.patch(
        f"/api/kb/{entry_id}", json={"content": "Transfers abroad cost 2%."}, headers=admin_headers
    )
    assert edited.status_code == 200 and edited.json()["version"] == 2
    off = await client.post(f"/api/kb/{entry_id}/deactivate", headers=admin_headers)
    assert off.status_code == 200 and off.json()["active"] is False
    on = await client.post(f"/api/kb/{entry_id}/activate", headers=admin_headers)
    assert on.json()["active"] is True and on.json()["version"] == 4
    restored = await client.post(f"/api/kb/{entry_id}/restore", json={"version": 1}, headers=admin_headers)
    assert restored.status_code == 200
    assert restored.json()["content"] == "Transfers abroad cost 1%." and restored.json()["version"] == 5

    versions = (await client.get(f"/api/kb/{entry_id}/versions", headers=admin_headers)).json()
    assert [v["change"] for v in versions["data"]] == ["restored", "activated", "deactivated", "edited", "created"]
    assert versions["data"][0]["restored_from"] == 1
    got = await client.get(f"/api/kb/{entry_id}", headers=admin_headers)
    # A change's answer adds `warnings` (here: no call from "bank" recorded yet) to the entry as stored.
    assert got.json() == {name: value for name, value in restored.json().items() if name != "warnings"}


async def test_list_and_search(client, admin_headers, created):
    await client.post(
        "/api/kb",
        json={
            **NEW,
            "title": "Card delivery",
            "content": "5 days.",
            "tags": ["cards"],
            "example_questions": [],
            "active": False,
        },
        headers=admin_headers,
    )

    async def titles(**params) -> list[str]:
        response = await client.get("/api/kb", params=params, headers=admin_headers)
        assert response.status_code == 200, response.text
        return [entry["title"] for entry in response.json()["data"]]

    assert await titles(app="bank") == ["Card delivery", "Foreign transfer fees"]
    assert await titles(app="bank", q="transfer abroad") == ["Foreign transfer fees"]
    assert await titles(tag="cards") == ["Card delivery"]
    assert await titles(active="false") == ["Card delivery"]
    assert await titles(app="other") == []
    bad_tag = await client.get("/api/kb", params={"tag": 'a"b'}, headers=admin_headers)
    assert bad_tag.status_code == 400 and "tag 'a\"b' must be" in bad_tag.json()["detail"]


async def test_search_ignores_case_beyond_ascii(client, admin_headers, gateway_embedder):
    entry = {**NEW, "title": "Überweisung ins Ausland", "content": "Kostet 1 %.", "example_questions": []}
    created = await client.post("/api/kb", json=entry, headers=admin_headers)
    assert created.status_code == 201, created.text

    for q in ("Überweisung", "überweisung", "ÜBERWEISUNG"):
        response = await client.get("/api/kb", params={"q": q}, headers=admin_headers)
        assert [e["title"] for e in response.json()["data"]] == ["Überweisung ins Ausland"], q


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({**NEW, "title": " "}, "title"),
        ({k: v for k, v in NEW.items() if k != "content"}, "content"),
        ({**NEW, "tags": ['a"b']}, "tags[0]"),
        ({**NEW, "example_questions": "one"}, "example_questions"),
        ({**NEW, "active": "yes"}, "active"),
        ({**NEW, "app": ""}, "app"),
    ],
)
async def test_bad_creates_are_400_naming_the_field(client, admin_headers, gateway_embedder, body, named):
    response = await client.post("/api/kb", json=body, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert named in response.text


@pytest.mark.parametrize(
    ("method", "path", "body", "named"),
    [
        ("PATCH", "", {"app": "shop"}, "app"),
        ("PATCH", "", {}, "nothing to change"),
        ("PATCH", "", {"title": 3}, "title"),
        ("POST", "/restore", {"version": "one"}, "version"),
        ("POST", "/restore", {"version": 9}, "no version 9"),
        ("POST", "/restore", {}, "version"),
    ],
)
async def test_bad_changes_are_400_naming_the_field(client, admin_headers, created, method, path, body, named):
    response = await client.request(method, f"/api/kb/{created['id']}{path}", json=body, headers=admin_headers)

    assert response.status_code == 400, response.text
    assert named in response.text


async def test_an_edit_with_an_unknown_field_is_400_naming_it(client, admin_headers, created):
    response = await client.patch(f"/api/kb/{created['id']}", json={"bogus": 1}, headers=admin_headers)

    assert response.status_code == 400
    assert "unknown field `bogus`" in response.text


async def test_an_edit_based_on_an_older_version_is_409_and_saves_nothing(client, admin_headers, created):
    path = f"/api/kb/{created['id']}"
    bobs = await client.patch(path, json={"content": "Now 3%.", "expected_version": 1}, headers=admin_headers)

    stale = await client.patch(path, json={"title": "Fees", "expected_version": 1}, headers=admin_headers)

    assert bobs.status_code == 200
    assert stale.status_code == 409
    assert "changed since version 1 was read" in stale.json()["detail"]
    assert stale.json()["extra"]["entry"]["content"] == "Now 3%."
    now = (await client.get(path, headers=admin_headers)).json()
    assert (now["title"], now["content"], now["version"]) == (NEW["title"], "Now 3%.", 2)


async def test_a_restore_chosen_from_an_older_version_is_409_and_restores_nothing(client, admin_headers, created):
    path = f"/api/kb/{created['id']}"
    await client.patch(path, json={"content": "Now 2%."}, headers=admin_headers)
    await client.patch(path, json={"content": "Now 3%.", "expected_version": 2}, headers=admin_headers)

    stale = await client.post(f"{path}/restore", json={"version": 1, "expected_version": 2}, headers=admin_headers)

    assert stale.status_code == 409
    now = (await client.get(path, headers=admin_headers)).json()
    assert (now["content"], now["version"]) == ("Now 3%.", 3)


async def test_a_restore_based_on_the_current_version_is_saved(client, admin_headers, created):
    path = f"/api/kb/{created['id']}"
    await client.patch(path, json={"content": "Now 2%."}, headers=admin_headers)

    restored = await client.post(f"{path}/restore", json={"version": 1, "expected_version": 2}, headers=admin_headers)

    assert restored.status_code == 200
    assert (restored.json()["content"], restored.json()["version"]) == (NEW["content"], 3)


async def test_restoring_a_version_past_the_column_names_the_number_sent(client, admin_headers, created):
    # The standard library's encoder: orjson refuses integers past 64 bits.
    body = json.dumps({"version": 99999999999999999999})
    headers = {**admin_headers, "content-type": "application/json"}

    response = await client.post(f"/api/kb/{created['id']}/restore", content=body, headers=headers)

    assert response.status_code == 400
    assert response.json()["detail"] == "version must be a whole number from 1 to 2147483647, got 99999999999999999999"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"title": "x"}),
        ("POST", "/activate", None),
        ("POST", "/deactivate", None),
        ("GET", "/versions", None),
        ("POST", "/restore", {"version": 1}),
    ],
)
async def test_an_unknown_entry_is_404(client, admin_headers, gateway_embedder, method, path, body):
    response = await client.request(method, f"/api/kb/no-such-entry{path}", json=body, headers=admin_headers)

    assert response.status_code == 404, response.text
    assert "no-such-entry" in response.json()["detail"]


async def test_the_admin_token_is_required(client, gateway_embedder):
    assert (await client.get("/api/kb")).status_code == 401
    assert (await client.post("/api/kb", json=NEW)).status_code == 401


async def test_the_routes_are_in_the_openapi_schema(client, gateway_embedder):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    assert {"/api/kb", "/api/kb/{entry_id}", "/api/kb/{entry_id}/restore", "/api/kb/{entry_id}/versions"} <= set(paths)


async def call_through_the_gateway(client, gateway, key: str) -> str:
    """One chat call in pass-through mode, recorded; the app it was recorded under (the key's fingerprint)."""
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}
    response = await client.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    await gateway.services.writer.flush()
    return gateway.services.resolver.fingerprint(key)


async def test_an_entry_for_an_app_with_no_recorded_call_is_created_with_a_warning(
    client, admin_headers, gateway, gateway_embedder
):
    seen = await call_through_the_gateway(client, gateway, "sk-bank")

    response = await client.post("/api/kb", json={**NEW, "app": "nosuchapp"}, headers=admin_headers)

    assert response.status_code == 201
    assert response.json()["warnings"] == [
        f"no calls from app 'nosuchapp' have been recorded; the entry applies only to that app's calls "
        f"(apps seen: {seen})"
    ]


async def test_an_entry_for_an_app_with_recorded_calls_has_no_warnings(
    client, admin_headers, gateway, gateway_embedder
):
    app = await call_through_the_gateway(client, gateway, "sk-bank")

    response = await client.post("/api/kb", json={**NEW, "app": app}, headers=admin_headers)

    assert response.status_code == 201 and response.json()["warnings"] == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "", {"content": "Transfers abroad cost 2%."}),
        ("post", "/deactivate", None),
        ("post", "/restore", {"version": 1}),
    ],
)
async def test_changing_an_entry_of_an_app_with_no_recorded_call_warns_again(
    client, admin_headers, created, method, path, body
):
    if path == "/restore":
        await client.patch(f"/api/kb/{created['id']}", json={"title": "Fees abroad"}, headers=admin_headers)

    response = await client.request(method, f"/api/kb/{created['id']}{path}", json=body, headers=admin_headers)

    assert response.status_code == 200, response.text
    assert response.json()["warnings"] == [
        "no calls from app 'bank' have been recorded; the entry applies only to that app's calls "
        "(no app's calls have been recorded yet)"
    ]


async def test_the_list_says_how_many_entries_its_filters_match_on_every_page(client, admin_headers, created):
    for title in ("Card delivery", "Card fees"):
        more = {**NEW, "title": title, "content": "5 days.", "tags": ["cards"], "example_questions": []}
        assert (await client.post("/api/kb", json=more, headers=admin_headers)).status_code == 201
    carded = {"tag": "CARDS", "app": "bank", "limit": 1}

    first = await client.get("/api/kb", params=carded, headers=admin_headers)
    last = await client.get("/api/kb", params={**carded, "offset": 1}, headers=admin_headers)
    unfiltered = await client.get("/api/kb", headers=admin_headers)
    searched = await client.get("/api/kb", params={"q": "transfer abroad"}, headers=admin_headers)

    assert [page.json()["total"] for page in (first, last, unfiltered, searched)] == [2, 2, 3, 1]
    assert (len(first.json()["data"]), last.json()["next_offset"]) == (1, None)
