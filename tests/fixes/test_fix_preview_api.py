"""Fix previews on both databases: a candidate replayed on an issue's interactions through the routed upstream."""

from __future__ import annotations

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager
from effect_seed import make_issue
from preview_seed import ENTRY, PASS_KEY, QUESTIONS, seed_issue

from gateway.app import create_app


async def test_a_knowledge_candidate_is_replayed_with_the_callers_key_and_stored(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, ids = await seed_issue(gateway, client)
    fake_upstream.app.reset()
    headers = {**admin_headers, "x-feedgate-upstream-authorization": "sk-replay-only"}
    created = await client.post(f"/api/issues/{issue_id}/previews", json=ENTRY, headers=headers)
    assert created.status_code == 201, created.text
    preview = created.json()
    assert (preview["kind"], preview["limit"], preview["credential"]) == ("knowledge", 10, "caller_given")
    assert preview["counts"] == {"replayed": 3, "failed": 0, "not_matched": 0, "upstream_calls": 3}
    items = {item["interaction_id"]: item for item in preview["items"]}
    assert list(items) == ids[::-1]  # the newest first
    for interaction_id in ids:
        item = items[interaction_id]
        assert (item["original_answer"], item["new_answer"], item["status"]) == (
            "There is no fee.",
            "The transfer fee is 1%.",
            "replayed",
        )
        assert item["score"] >= gateway.services.settings.knowledge_threshold
    assert [items[i]["correction"] for i in ids] == ["It is 1%.", "It is 1%.", None]
    # One whole-answer call each, with the caller's key and the entry as the live policy places it.
    assert len(fake_upstream.app.requests) == 3
    for received in fake_upstream.app.requests:
        assert received.headers["authorization"] == "Bearer sk-replay-only"
        sent = received.json()
        assert sent["stream"] is False
        assert sent["messages"][0]["role"] == "system" and ENTRY["content"] in sent["messages"][0]["content"]
        assert sent["messages"][0]["content"].startswith("Reference data for this conversation")
    # Read back as stored; the key is nowhere in it; nothing was recorded or created.
    again = await client.get(f"/api/previews/{preview['id']}", headers=admin_headers)
    assert again.status_code == 200 and again.json() == preview
    assert b"sk-replay-only" not in orjson.dumps(await gateway.services.previews.get(preview["id"]), default=str)
    await gateway.services.writer.flush()
    listed = await client.get("/api/interactions", headers=admin_headers)
    assert len(listed.json()["data"]) == 3
    assert (await client.get("/api/kb", headers=admin_headers)).json()["data"] == []


async def test_a_prompt_candidate_and_an_unmatched_entry(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ids = await seed_issue(gateway, client)
    prompt = {"kind": "prompt", "text": "Tell users: The transfer fee is 1%.", "limit": 2, "authorization": "sk-x"}
    created = await client.post(f"/api/issues/{issue_id}/previews", json=prompt, headers=admin_headers)
    assert created.status_code == 201, created.text
    preview = created.json()
    assert preview["candidate"] == {"text": prompt["text"], "mode": "prepend"}  # the app's mode (the default)
    assert [item["new_answer"] for item in preview["items"]] == ["The transfer fee is 1%."] * 2
    assert "sk-x" not in created.text

    fake_upstream.app.reset()
    unrelated = {
        **ENTRY,
        "title": "Opening hours",
        "content": "We open at nine.",
        "example_questions": ["When do you open?"],
    }
    created = await client.post(f"/api/issues/{issue_id}/previews", json=unrelated, headers=admin_headers)
    preview = created.json()
    assert preview["credential"] == "none"
    assert preview["counts"] == {"replayed": 0, "failed": 0, "not_matched": 3, "upstream_calls": 0}
    assert "does not match" in preview["items"][0]["error"]
    assert fake_upstream.app.requests == []


async def test_bad_previews_are_refused_precisely(gateway, client, admin_headers, gateway_embedder):
    issue_id, _ = await seed_issue(gateway, client)
    url = f"/api/issues/{issue_id}/previews"
    assert (await client.post("/api/issues/nope/previews", json=ENTRY, headers=admin_headers)).status_code == 404
    assert (await client.get("/api/previews/nope", headers=admin_headers)).status_code == 404
    missing = await client.post(url, json={"kind": "knowledge", "title": "t"}, headers=admin_headers)
    assert missing.status_code == 400 and "content" in missing.text
    assert (await client.post(url, json={**ENTRY, "limit": 51}, headers=admin_headers)).status_code == 400
    assert (await client.post(url, json={"kind": "prompt", "text": " "}, headers=admin_headers)).status_code == 400
    assert (
        await client.post(url, json={"kind": "prompt", "text": "x", "mode": "x"}, headers=admin_headers)
    ).status_code == 400
    assert (await client.post(url, json=ENTRY)).status_code == 401


async def test_a_field_of_the_other_kind_is_refused_not_dropped(gateway, client, admin_headers, gateway_embedder):
    issue_id, _ = await seed_issue(gateway, client)
    url = f"/api/issues/{issue_id}/previews"

    prompt_with_title = await client.post(
        url, json={"kind": "prompt", "text": "Say the fee is 1%.", "title": "Fees"}, headers=admin_headers
    )
    entry_with_mode = await client.post(url, json={**ENTRY, "mode": "replace"}, headers=admin_headers)

    # Sent by mistake for the other kind, it would otherwise be replayed without what the person wrote.
    assert prompt_with_title.status_code == 400
    assert "'title' is not a field of a prompt candidate, which takes 'text', 'mode'" in prompt_with_title.text
    assert entry_with_mode.status_code == 400
    assert "'mode' is not a field of a knowledge candidate" in entry_with_mode.text


async def test_an_issue_with_nothing_to_replay_is_a_409_not_an_empty_preview(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    body = {"model": "text-embedding-3-small", "input": "What is the transfer fee?"}
    embedded = await client.post("/v1/embeddings", json=body, headers=PASS_KEY)
    await gateway.services.writer.flush()
    interaction_id = embedded.headers["x-feedgate-interaction-id"]
    app = (await gateway.services.interactions.get(interaction_id))["app"]
    issue_id = await make_issue(gateway.services.engine, [interaction_id], "Embeddings", app=app)
    fake_upstream.app.reset()

    response = await client.post(f"/api/issues/{issue_id}/previews", json=ENTRY, headers=admin_headers)

    assert response.status_code == 409, response.text
    assert "has no chat completion or Responses API interaction to replay" in response.json()["detail"]
    assert fake_upstream.app.requests == []


@pytest.fixture
def gateway_settings(settings):
    """Gateway-key mode: the default upstream's key comes from the environment."""
    return settings.model_copy(update={"key_mode": "gateway", "upstream_api_key_env": "FAKE_UPSTREAM_KEY"})


async def test_gateway_key_mode_replays_with_the_routed_upstreams_key(
    gateway_settings, admin_headers, fake_upstream, gateway_embedder
):
    app = create_app(gateway_settings, environ={"FAKE_UPSTREAM_KEY": "sk-upstream-own"})
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://feedgate.test") as client:
            token = (await app.services.keys.issue("bank")).raw_key
            body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": QUESTIONS[0]}]}
            answer = await client.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {token}"})
            assert answer.status_code == 200, answer.text
            await app.services.writer.flush()
            issue_id = await make_issue(
                app.services.engine, [answer.headers["x-feedgate-interaction-id"]], "Fee", app="bank"
            )
            fake_upstream.app.reset()
            given = {**ENTRY, "authorization": "sk-ignored"}
            created = await client.post(f"/api/issues/{issue_id}/previews", json=given, headers=admin_headers)
            assert created.status_code == 201, created.text
            assert created.json()["credential"] == "routed_upstream_key"
            [received] = fake_upstream.app.requests
            assert received.headers["authorization"] == "Bearer sk-upstream-own"


async def test_the_preview_endpoints_are_in_the_openapi_schema(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert "post" in paths["/api/issues/{issue_id}/previews"] and "get" in paths["/api/previews/{preview_id}"]


async def test_an_issues_previews_are_listed_newest_first(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    url = f"/api/issues/{issue_id}/previews"
    first = (await client.post(url, json={**ENTRY, "limit": 1}, headers=admin_headers)).json()
    second = (
        await client.post(url, json={"kind": "prompt", "text": "Say 1%.", "limit": 1}, headers=admin_headers)
    ).json()

    listed = await client.get(url, headers=admin_headers)

    assert listed.status_code == 200
    assert [preview["id"] for preview in listed.json()["data"]] == [second["id"], first["id"]]
    assert listed.json()["data"][1] == first
    assert (await client.get("/api/issues/nope/previews", headers=admin_headers)).status_code == 404


async def test_a_preview_is_made_live_for_its_issue_through_the_api(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    preview = (await client.post(f"/api/issues/{issue_id}/previews", json=ENTRY, headers=admin_headers)).json()

    made = await client.post(f"/api/previews/{preview['id']}/live", json={"created_by": "pat"}, headers=admin_headers)

    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["fix"]["kind"], body["fix"]["arm"], body["fix"]["version"]) == ("knowledge", "live", 1)
    assert (body["link"]["issue_id"], body["link"]["fix_id"], body["link"]["created_by"]) == (
        issue_id,
        body["fix"]["id"],
        "pat",
    )
    entry = (await client.get(f"/api/kb/{body['fix']['id']}", headers=admin_headers)).json()
    assert (entry["title"], entry["content"], entry["active"]) == (ENTRY["title"], ENTRY["content"], True)
    listed = (await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)).json()["data"]
    assert [link["id"] for link in listed] == [body["link"]["id"]]


async def test_a_preview_is_made_live_with_no_body_at_all_as_every_field_is_optional(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    preview = (await client.post(f"/api/issues/{issue_id}/previews", json=ENTRY, headers=admin_headers)).json()

    made = await client.post(f"/api/previews/{preview['id']}/live", headers=admin_headers)

    assert made.status_code == 201, made.text
    assert (made.json()["fix"]["arm"], made.json()["link"]["created_by"]) == ("live", "admin-token")


async def test_making_a_preview_live_refuses_a_canary_without_its_share_and_an_unknown_preview(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    prompt = {"kind": "prompt", "text": "Say 1%.", "limit": 1}
    preview = (await client.post(f"/api/issues/{issue_id}/previews", json=prompt, headers=admin_headers)).json()

    no_share = await client.post(
        f"/api/previews/{preview['id']}/live", json={"rollout": "canary"}, headers=admin_headers
    )
    unknown = await client.post("/api/previews/nope/live", json={}, headers=admin_headers)

    assert no_share.status_code == 400 and "canary_share" in no_share.text
    assert unknown.status_code == 404
    assert (await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)).json()["data"] == []


async def test_a_canary_asked_of_an_entry_or_a_share_without_a_canary_is_refused_not_made_for_all_traffic(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    entry = (await client.post(f"/api/issues/{issue_id}/previews", json=ENTRY, headers=admin_headers)).json()
    prompt = {"kind": "prompt", "text": "Say 1%.", "limit": 1}
    instructions = (await client.post(f"/api/issues/{issue_id}/previews", json=prompt, headers=admin_headers)).json()

    entry_canary = await client.post(
        f"/api/previews/{entry['id']}/live", json={"rollout": "canary", "canary_share": 0.1}, headers=admin_headers
    )
    share_alone = await client.post(
        f"/api/previews/{instructions['id']}/live", json={"canary_share": 0.1}, headers=admin_headers
    )

    assert entry_canary.status_code == 400 and "canary" in entry_canary.json()["detail"], entry_canary.text
    assert share_alone.status_code == 400 and "canary_share" in share_alone.json()["detail"], share_alone.text
    assert (await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)).json()["data"] == []
    assert (await client.get("/api/kb", headers=admin_headers)).json()["data"] == []


async def test_a_retried_make_live_answers_the_fix_already_live(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    prompt = {"kind": "prompt", "text": "Say 1%.", "limit": 1}
    preview = (await client.post(f"/api/issues/{issue_id}/previews", json=prompt, headers=admin_headers)).json()
    url = f"/api/previews/{preview['id']}/live"
    first = await client.post(url, json={"message": "state the fee"}, headers=admin_headers)

    again = await client.post(url, json={"message": "state the fee"}, headers=admin_headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["already_live"] is True and first.json()["already_live"] is False
    assert again.json()["link"] == first.json()["link"] and again.json()["fix"]["id"] == first.json()["fix"]["id"]
    assert len((await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)).json()["data"]) == 1


async def test_a_changed_entry_made_live_for_the_same_issue_is_a_new_version_not_a_second_entry(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    changed = {**ENTRY, "example_questions": ["Is there a fee to send money abroad?"]}
    first = (await client.post(f"/api/issues/{issue_id}/previews", json=ENTRY, headers=admin_headers)).json()
    second = (await client.post(f"/api/issues/{issue_id}/previews", json=changed, headers=admin_headers)).json()
    live = (await client.post(f"/api/previews/{second['id']}/live", headers=admin_headers)).json()

    again = await client.post(f"/api/previews/{first['id']}/live", headers=admin_headers)

    assert again.status_code == 201, again.text
    body = again.json()
    assert (body["revised"], body["fix"]["id"], body["fix"]["version"]) == (True, live["fix"]["id"], 2)
    app = (await client.get(f"/api/kb/{live['fix']['id']}", headers=admin_headers)).json()["app"]
    entries = (await client.get("/api/kb", params={"app": app}, headers=admin_headers)).json()
    active = [entry for entry in entries["data"] if entry["title"] == ENTRY["title"] and entry["active"]]
    assert len(active) == 1 and active[0]["example_questions"] == ENTRY["example_questions"]


async def test_a_preview_of_an_issue_merged_since_is_a_409_naming_where_it_went(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, ids = await seed_issue(gateway, client)
    preview = (await client.post(f"/api/issues/{issue_id}/previews", json=ENTRY, headers=admin_headers)).json()
    app = (await gateway.services.interactions.get(ids[0]))["app"]
    other_id = await make_issue(gateway.services.engine, [ids[2]], "Fees everywhere", app=app)
    await gateway.services.issue_service.merge(issue_id, other_id, "test")

    refused = await client.post(f"/api/previews/{preview['id']}/live", json={}, headers=admin_headers)

    assert refused.status_code == 409 and other_id in refused.json()["detail"]
    assert (await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)).json()["data"] == []
