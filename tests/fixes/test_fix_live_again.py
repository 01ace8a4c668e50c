"""Making a preview live again while its fix is live: the same request is answered "already live", a different one
is a 409 saying what is live and what to do, and nothing changes."""

from __future__ import annotations

from preview_seed import seed_issue

PROMPT = {"kind": "prompt", "text": "Say 1%.", "limit": 1}


async def prompt_preview(client, admin_headers, issue_id: str, **fields) -> str:
    made = await client.post(f"/api/issues/{issue_id}/previews", json={**PROMPT, **fields}, headers=admin_headers)
    assert made.status_code == 201, made.text
    return made.json()["id"]


async def live_state(client, admin_headers, version_id: str) -> tuple[str, float | None]:
    version = (await client.get(f"/api/prompts/{version_id}", headers=admin_headers)).json()
    return version["state"], version.get("canary_share")


async def test_asking_a_canary_of_the_version_live_for_all_traffic_is_a_409_saying_to_roll_it_back_first(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    url = f"/api/previews/{await prompt_preview(client, admin_headers, issue_id)}/live"
    first = (await client.post(url, headers=admin_headers)).json()

    again = await client.post(url, json={"rollout": "canary", "canary_share": 0.1}, headers=admin_headers)

    assert again.status_code == 409, again.text
    detail = again.json()["detail"]
    assert "already live for this issue with this text, active for all traffic" in detail
    assert "asks for a canary of 10 %" in detail and f"/api/prompts/{first['fix']['id']}/rollback" in detail
    assert await live_state(client, admin_headers, first["fix"]["id"]) == ("active", None)
    assert len((await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)).json()["data"]) == 1


async def test_asking_the_canary_for_all_traffic_is_a_409_saying_to_promote_it(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    url = f"/api/previews/{await prompt_preview(client, admin_headers, issue_id)}/live"
    first = (await client.post(url, json={"rollout": "canary", "canary_share": 0.1}, headers=admin_headers)).json()

    again = await client.post(url, json={"rollout": "active"}, headers=admin_headers)

    assert again.status_code == 409, again.text
    detail = again.json()["detail"]
    assert "as a canary of 10 % of traffic" in detail and "asks for it active for all traffic" in detail
    assert f"/api/prompts/{first['fix']['id']}/promote" in detail
    assert await live_state(client, admin_headers, first["fix"]["id"]) == ("canary", 0.1)


async def test_asking_another_share_of_the_canary_is_a_409_saying_how_to_change_it(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    url = f"/api/previews/{await prompt_preview(client, admin_headers, issue_id)}/live"
    first = (await client.post(url, json={"rollout": "canary", "canary_share": 0.1}, headers=admin_headers)).json()

    again = await client.post(url, json={"rollout": "canary", "canary_share": 0.25}, headers=admin_headers)

    assert again.status_code == 409, again.text
    detail = again.json()["detail"]
    assert "asks for a canary of 25 %" in detail and f"/api/prompts/{first['fix']['id']}/canary" in detail
    assert await live_state(client, admin_headers, first["fix"]["id"]) == ("canary", 0.1)


async def test_the_same_text_previewed_in_another_placement_is_a_409_saying_how_to_set_the_mode(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    prepended = await prompt_preview(client, admin_headers, issue_id, mode="prepend")
    appended = await prompt_preview(client, admin_headers, issue_id, mode="append")
    first = (await client.post(f"/api/previews/{prepended}/live", headers=admin_headers)).json()

    again = await client.post(f"/api/previews/{appended}/live", headers=admin_headers)

    assert again.status_code == 409, again.text
    detail = again.json()["detail"]
    assert "placed by 'prepend'" in detail and "previewed with 'append'" in detail and "/api/prompts/mode" in detail
    app = (await client.get(f"/api/prompts/{first['fix']['id']}", headers=admin_headers)).json()["app"]
    assert (await client.get("/api/prompts", params={"app": app}, headers=admin_headers)).json()["mode"] == "prepend"


async def test_a_retry_asking_the_same_canary_is_still_answered_already_live(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    url = f"/api/previews/{await prompt_preview(client, admin_headers, issue_id, mode='append')}/live"
    asked = {"rollout": "canary", "canary_share": 0.1}
    first = await client.post(url, json={**asked, "message": "one"}, headers=admin_headers)

    again = await client.post(url, json={**asked, "message": "another message"}, headers=admin_headers)

    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.json()["already_live"] is True and again.json()["link"] == first.json()["link"]


async def test_a_tiny_canarys_share_is_said_unrounded_in_the_409(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    url = f"/api/previews/{await prompt_preview(client, admin_headers, issue_id)}/live"
    # The smallest shares a canary takes (0.001 and up) would read "0 %" rounded to whole percents.
    await client.post(url, json={"rollout": "canary", "canary_share": 0.00123}, headers=admin_headers)

    again = await client.post(url, json={"rollout": "active"}, headers=admin_headers)

    assert again.status_code == 409, again.text
    assert "as a canary of 0.123 % of traffic" in again.json()["detail"]


async def test_a_share_out_of_range_is_a_400_in_the_services_words_even_once_the_canary_is_live(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    url = f"/api/previews/{await prompt_preview(client, admin_headers, issue_id)}/live"
    first = (await client.post(url, json={"rollout": "canary", "canary_share": 0.1}, headers=admin_headers)).json()

    again = await client.post(url, json={"rollout": "canary", "canary_share": 5}, headers=admin_headers)

    # A share no canary can have is the request's fault (400, the range), not a conflict with how the fix is live.
    assert again.status_code == 400, again.text
    assert again.json()["extra"][0]["key"] == "canary_share"
    assert again.json()["detail"].startswith("'canary_share' must be a fraction of traffic from 0.001 to 0.999")
    assert await live_state(client, admin_headers, first["fix"]["id"]) == ("canary", 0.1)
