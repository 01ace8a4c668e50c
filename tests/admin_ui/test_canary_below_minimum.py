"""Canaries stored with a share below today's 0.001 minimum (published before it) are kept as they are: every page and
API that shows or changes them still works, and the Prompts page's share box holds a value its form takes, saying
why it is not the share the canary runs at."""

from __future__ import annotations

import pytest
from html_page import csrf_token_of, parse
from overview_seed import issue_runs
from sqlalchemy import update

from gateway.accounts.records import Role
from gateway.store.tables import prompt_deployments

SHARES = [0.0005, 1e-300]


async def tiny_canary(gateway, share: float) -> tuple[str, str]:
    """An issue of app "bot" and a canary linked to it, its share then set below the minimum as one stored earlier."""
    services = gateway.services
    issue_id = await issue_runs(services.engine, "bot", "Card declined abroad", [6])
    await services.prompts.service.publish("bot", "Be kind.", "base", "kim", activate=True)
    canary = await services.prompts.service.publish("bot", "Say travel mode.", "fix", "kim", canary_share=0.2)
    await services.fix_links.link_fix(issue_id, "prompt", canary.version.id, arm="canary", actor="kim")
    async with services.engine.begin() as connection:
        await connection.execute(update(prompt_deployments).values(canary_share=share))
    return issue_id, canary.version.id


def canary_row(html: str, version_id: str):
    [row] = [
        row
        for row in parse(html).find(data_testid="versions").find_all("tr")[1:]
        if row.attrs["data-version-id"] == version_id
    ]
    return row


@pytest.mark.parametrize("share", SHARES)
async def test_the_pages_showing_a_canary_below_the_minimum_answer(browser_as, gateway, share):
    issue_id, version_id = await tiny_canary(gateway, share)
    rita = await browser_as("rita", Role.REVIEWER)

    pages = [
        "/admin",
        "/admin/prompts?app=bot",
        f"/admin/prompts/versions/{version_id}",
        f"/admin/issues/{issue_id}",
        f"/admin/issues/{issue_id}/effect",
        f"/admin/issues/{issue_id}/previews",
        "/admin/issues",
    ]
    for path in pages:
        answer = await rita.get(path)
        assert answer.status_code == 200, (path, answer.text[:500])
    standing = parse((await rita.get(f"/admin/issues/{issue_id}")).text).find(data_testid="fix-standing").text
    assert standing.startswith("a canary on ") and standing.endswith(" % of calls") and " 0 %" not in standing


@pytest.mark.parametrize("share", SHARES)
async def test_the_share_box_of_a_canary_below_the_minimum_holds_a_share_its_form_takes(browser_as, gateway, share):
    _, version_id = await tiny_canary(gateway, share)
    rita = await browser_as("rita", Role.REVIEWER)
    page = await rita.get("/admin/prompts?app=bot")
    row = canary_row(page.text, version_id)
    box = row.find("input", name="share_percent")

    # The smallest share the form takes, not the stored one it would refuse (0.05 below the box's own min, or "0").
    assert box.attrs["value"] == box.attrs["min"] == "0.1"
    note = row.find(data_testid="share-outside-range").text
    assert "a share set before shares were kept to 0.1-99.9 %" in note and "nearest share it can be set to now" in note

    sent = await rita.post(
        f"/admin/prompts/{version_id}/canary",
        data={"share_percent": box.attrs["value"], "csrf_token": csrf_token_of(page.text)},
    )

    assert sent.status_code == 303, sent.text
    [listed] = [
        item for item in (await gateway.services.prompts.service.list("bot")).versions if item.version.id == version_id
    ]
    assert (listed.state, listed.canary_share) == ("canary", 0.001)


@pytest.mark.parametrize("share", SHARES)
async def test_the_api_shows_promotes_and_rolls_back_a_canary_below_the_minimum(gateway, client, admin_headers, share):
    issue_id, version_id = await tiny_canary(gateway, share)

    listing = await client.get("/api/prompts", params={"app": "bot"}, headers=admin_headers)
    one = await client.get(f"/api/prompts/{version_id}", headers=admin_headers)
    links = await client.get(f"/api/issues/{issue_id}/fixes", headers=admin_headers)
    effect = await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)

    assert [answer.status_code for answer in (listing, one, links, effect)] == [200] * 4
    assert one.json()["canary_share"] == share and links.json()["data"][0]["canary_share"] == share
    rolled_back = await client.post(f"/api/prompts/{version_id}/rollback", headers=admin_headers)
    assert rolled_back.status_code == 200 and rolled_back.json()["state"] == "inactive"


@pytest.mark.parametrize(("share", "words"), [(0.0005, "0.05 %"), (1e-300, "less than 0.001 %")])
async def test_every_page_showing_a_canarys_share_says_it_readably(browser_as, gateway, share, words):
    issue_id, version_id = await tiny_canary(gateway, share)
    rita = await browser_as("rita", Role.REVIEWER)

    issue = parse((await rita.get(f"/admin/issues/{issue_id}")).text)
    prompts = (await rita.get("/admin/prompts?app=bot")).text
    version = parse((await rita.get(f"/admin/prompts/versions/{version_id}")).text)

    # 1e-300 read "1e-298 %" on each of them.
    assert issue.find(data_testid="fix-standing").text == f"a canary on {words} of calls"
    row = canary_row(prompts, version_id)
    assert row.find(data_testid="state").text == f"canary ({words})"
    assert row.find(data_testid="share-outside-range").text.startswith(f"It runs at {words} of calls")
    assert version.find(data_testid="state").text == f"canary ({words})"


async def test_a_link_refused_beside_a_canary_below_the_minimum_says_its_share_readably(gateway, client, admin_headers):
    issue_id, _ = await tiny_canary(gateway, 1e-300)
    inactive = await gateway.services.prompts.service.publish("bot", "Say fees.", "other", "kim")
    body = {"kind": "prompt", "fix_id": inactive.version.id, "arm": "canary"}

    response = await client.post(f"/api/issues/{issue_id}/fixes", json=body, headers=admin_headers)

    assert response.status_code == 409, response.text
    assert "v2 is the canary on less than 0.001 % of calls, v1 is active for the rest" in response.json()["detail"]
