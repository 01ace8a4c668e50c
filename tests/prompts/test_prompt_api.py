"""`/api/prompts` on both databases: the status codes, and a published version reaching the upstream."""

from __future__ import annotations

import asyncio

CHAT = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "system", "content": "App."}, {"role": "user", "content": "Fee?"}],
}


async def publish(client, admin_headers, **body):
    response = await client.post(
        "/api/prompts", json={"app": "bot", "text": "Fees are 1%.", "message": "m", **body}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_publish_list_activate_canary_promote_rollback_and_diff(client, admin_headers):
    v1 = await publish(client, admin_headers, text="One.\n", active=True, mode="append")
    v2 = await publish(client, admin_headers, text="Two.\n", canary_share=0.25)
    assert (v1["number"], v1["state"], v1["author"]) == (1, "active", "admin-token")
    assert (v2["state"], v2["canary_share"]) == ("canary", 0.25)

    listing = (await client.get("/api/prompts", params={"app": "bot"}, headers=admin_headers)).json()
    assert listing["mode"] == "append"
    assert [(v["number"], v["state"]) for v in listing["versions"]] == [(2, "canary"), (1, "active")]

    diff = (
        await client.get("/api/prompts/diff", params={"from": v1["id"], "to": v2["id"]}, headers=admin_headers)
    ).json()
    assert diff["diff"] == "--- bot v1\n+++ bot v2\n@@ -1 +1 @@\n-One.\n+Two.\n"
    assert (diff["from"]["number"], diff["to"]["number"]) == (1, 2)

    widened = await client.post(f"/api/prompts/{v2['id']}/canary", json={"share": 0.5}, headers=admin_headers)
    assert widened.status_code == 200 and widened.json()["canary_share"] == 0.5
    promoted = await client.post(f"/api/prompts/{v2['id']}/promote", headers=admin_headers)
    assert promoted.status_code == 200 and promoted.json()["state"] == "active"
    back = await client.post(f"/api/prompts/{v1['id']}/activate", headers=admin_headers)
    assert back.status_code == 200 and back.json()["state"] == "active"
    rolled = await client.post(f"/api/prompts/{v1['id']}/rollback", headers=admin_headers)
    assert rolled.status_code == 200 and rolled.json()["state"] == "inactive"
    assert (await client.get(f"/api/prompts/{v2['id']}", headers=admin_headers)).json()["state"] == "active"

    mode = await client.post("/api/prompts/mode", json={"app": "bot", "mode": "replace"}, headers=admin_headers)
    assert mode.status_code == 200 and mode.json()["mode"] == "replace"

    audit = (await client.get("/api/audit", params={"app": "bot"}, headers=admin_headers)).json()["data"]
    assert [r["action"] for r in audit][::-1] == [
        "prompt.publish",
        "prompt.publish",
        "prompt.canary",
        "prompt.promote",
        "prompt.rollback",
        "prompt.rollback",
        "prompt.mode",
    ]


async def test_status_codes_name_the_problem(client, admin_headers):
    v1 = await publish(client, admin_headers, active=True)

    async def status(method, path, **kwargs):
        response = await client.request(method, path, headers=admin_headers, **kwargs)
        return response.status_code, response.text

    code, text = await status("POST", "/api/prompts", json={"app": "bot", "text": "  "})
    assert code == 400 and "'text'" in text
    code, text = await status("POST", "/api/prompts", json={"app": "bot", "text": "x", "mode": "sideways"})
    assert code == 400 and "'mode'" in text
    code, text = await status("POST", "/api/prompts", json={"app": "bot", "text": "x", "canary_share": 2})
    assert code == 400 and "'canary_share'" in text
    code, text = await status("POST", "/api/prompts", json={"text": "x"})
    assert code == 400 and "app" in text
    code, text = await status("POST", f"/api/prompts/{v1['id']}/canary", json={"share": 0})
    assert code == 400 and "'share'" in text  # the active version can't be a canary, but the share is checked first
    code, text = await status("GET", "/api/prompts")
    assert code == 400 and "app" in text

    code, text = await status("POST", "/api/prompts/nope/activate")
    assert code == 404 and "nope" in text
    code, text = await status("GET", "/api/prompts/diff", params={"from": v1["id"], "to": "nope"})
    assert code == 404 and "'to'" in text

    code, text = await status("POST", f"/api/prompts/{v1['id']}/activate")
    assert code == 409 and "already the active version" in text
    code, text = await status("POST", f"/api/prompts/{v1['id']}/promote")
    assert code == 409 and "not the canary" in text
    code, text = await status("POST", f"/api/prompts/{v1['id']}/canary", json={"share": 0.1})
    assert code == 409 and "active version" in text

    assert (await client.get("/api/prompts", params={"app": "bot"})).status_code == 401


async def wait_for(condition, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if await condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


async def test_a_published_version_reaches_the_upstream_and_the_interaction_names_it(
    gateway, client, admin_headers, fake_upstream
):
    key = {"authorization": "Bearer sk-app"}
    app = gateway.services.resolver.fingerprint("sk-app")  # the app name pass-through keys get
    before = await client.post("/v1/chat/completions", json=CHAT, headers=key)
    assert before.status_code == 200
    assert fake_upstream.app.requests[-1].json()["messages"] == CHAT["messages"]

    response = await client.post(
        "/api/prompts",
        json={"app": app, "text": "Fees are 1%.", "message": "fee fix", "active": True},
        headers=admin_headers,
    )
    version = response.json()
    answers: list = []

    async def applied() -> bool:
        fake_upstream.app.reset()
        answers.append(await client.post("/v1/chat/completions", json=CHAT, headers=key))
        return fake_upstream.app.requests[-1].json()["messages"][0] == {"role": "system", "content": "Fees are 1%."}

    await wait_for(applied)  # within the refresh interval (50 ms in these tests)
    received = fake_upstream.app.requests[-1].json()["messages"]
    assert received == [{"role": "system", "content": "Fees are 1%."}, *CHAT["messages"]]

    await gateway.services.writer.flush()
    interaction_id = answers[-1].headers["x-feedgate-interaction-id"]
    stored = (await client.get(f"/api/interactions/{interaction_id}", headers=admin_headers)).json()
    assert stored["request"]["messages"] == CHAT["messages"]  # the request as the app sent it
    [note] = [n for n in stored["policies"] if n["policy"] == "prompts"]
    assert note == {
        "policy": "prompts",
        "action": "replace_body",
        "version": 1,
        "version_id": version["id"],
        "arm": "active",
        "mode": "prepend",
    }

    # Responses API requests get the version as instructions.
    fake_upstream.app.reset()
    await client.post(
        "/v1/responses", json={"model": "gpt-4o-mini", "input": "Fee?", "instructions": "App."}, headers=key
    )
    assert fake_upstream.app.requests[-1].json()["instructions"] == "Fees are 1%.\n\nApp."


async def test_a_canary_reaches_its_share_of_users_and_the_notes_name_the_arm(
    gateway, client, admin_headers, fake_upstream
):
    from gateway.prompts.assignment import in_canary

    key = {"authorization": "Bearer sk-app"}
    app = gateway.services.resolver.fingerprint("sk-app")
    await client.post("/api/prompts", json={"app": app, "text": "One.", "active": True}, headers=admin_headers)
    canary = (
        await client.post("/api/prompts", json={"app": app, "text": "Two.", "canary_share": 0.5}, headers=admin_headers)
    ).json()
    await gateway.services.prompts.snapshots.refresh()

    ids = {}
    for n in range(20):
        user = f"user-{n}"
        fake_upstream.app.reset()
        answer = await client.post("/v1/chat/completions", json=CHAT, headers={**key, "x-feedgate-user": user})
        expected = "Two." if in_canary("user:" + user, canary["id"], 0.5) else "One."
        assert fake_upstream.app.requests[-1].json()["messages"][0]["content"] == expected
        ids[answer.headers["x-feedgate-interaction-id"]] = "canary" if expected == "Two." else "active"

    await gateway.services.writer.flush()
    for interaction_id, arm in ids.items():
        stored = (await client.get(f"/api/interactions/{interaction_id}", headers=admin_headers)).json()
        assert stored["policies"][0]["arm"] == arm
    assert set(ids.values()) == {"canary", "active"}


async def test_an_app_without_versions_sends_its_bytes_untouched(client, admin_headers, fake_upstream):
    await client.post(
        "/api/prompts", json={"app": "some-other-app", "text": "One.", "active": True}, headers=admin_headers
    )
    body = b'{"model":  "gpt-4o-mini", "messages": [{"role": "user", "content": "spaced  out"}]}'

    await client.post(
        "/v1/chat/completions",
        content=body,
        headers={"authorization": "Bearer sk-app", "content-type": "application/json"},
    )

    assert fake_upstream.app.requests[-1].body == body


async def test_the_endpoints_are_in_the_openapi_schema(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    assert {"/api/prompts", "/api/prompts/diff", "/api/prompts/mode", "/api/prompts/{version_id}/canary"} <= set(paths)


def no_calls_from(app: str, subject: str, others: str = "no app's calls have been recorded yet") -> str:
    return f"no calls from app '{app}' have been recorded; the {subject} applies only to that app's calls ({others})"


async def test_a_version_for_an_app_with_no_recorded_call_is_published_with_a_warning(gateway, client, admin_headers):
    await client.post("/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer sk-app"})
    await gateway.services.writer.flush()
    seen = gateway.services.resolver.fingerprint("sk-app")

    version = await publish(client, admin_headers, app="nosuchapp")

    assert version["warnings"] == [no_calls_from("nosuchapp", "version", f"apps seen: {seen}")]


async def test_a_version_for_an_app_with_recorded_calls_has_no_warnings(gateway, client, admin_headers):
    await client.post("/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer sk-app"})
    await gateway.services.writer.flush()

    version = await publish(client, admin_headers, app=gateway.services.resolver.fingerprint("sk-app"))

    assert version["warnings"] == []


async def test_changing_the_rollout_of_an_app_with_no_recorded_call_warns_again(client, admin_headers):
    version = await publish(client, admin_headers, app="nosuchapp")

    activated = await client.post(f"/api/prompts/{version['id']}/activate", headers=admin_headers)
    mode = await client.post("/api/prompts/mode", json={"app": "nosuchapp", "mode": "append"}, headers=admin_headers)

    assert activated.status_code == 200 and activated.json()["warnings"] == [no_calls_from("nosuchapp", "version")]
    assert mode.status_code == 200 and mode.json()["warnings"] == [no_calls_from("nosuchapp", "mode")]
