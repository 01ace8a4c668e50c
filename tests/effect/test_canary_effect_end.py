"""A canary's comparison with the rest ends when the canary does: rolled back, by a person or the guard, or promoted.

Traffic after the canary ended kept counting as the rest while the canary arm stopped growing, so "the canary and the
rest share the same period" was false and the rest's rate drifted with whatever came after. The comparison window
now ends at the canary's end (the audit record of the change that ended it), and the verdict says so.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from effect_seed import REFUND, seed_traffic
from test_effect_api import H, issues_with_history, link_canary, note

from gateway.effect.service import EffectService, effect_settings

# How far ahead of the real clock the effect is measured: the canary ends now (its audit record says so), and the
# traffic after it lies between now and then.
AHEAD = timedelta(days=2)


@pytest.fixture
def measured_later(gateway, embedder):
    """The gateway's effect service, its clock AHEAD of the real one (the canary ends at the real now)."""
    services = gateway.services

    async def loaded():
        return embedder

    later = datetime.now(UTC) + AHEAD
    services.effects = EffectService(services.engine, loaded, effect_settings(services.settings), lambda: later)
    return services


async def publish(client, admin_headers, **fields) -> dict:
    body = {"app": "support-bot", "text": "Refunds take 5 days.", "message": "refunds", **fields}
    answer = await client.post("/api/prompts", json=body, headers=admin_headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def end_canary(gateway, client, admin_headers, version_id: str, how: str) -> None:
    if how == "guard":
        await gateway.services.prompts.service.guard_rollback(version_id, {"test": "ended"})
        return
    verb = "rollback" if how == "rollback" else "promote"
    answer = await client.post(f"/api/prompts/{version_id}/{verb}", headers=admin_headers)
    assert answer.status_code == 200, answer.text
    if how == "promote":
        # The promoted version rolled back in turn: the calls after that get the version active before again.
        answer = await client.post(f"/api/prompts/{version_id}/rollback", headers=admin_headers)
        assert answer.status_code == 200, answer.text


ENDED = {"rollback": "rolled back", "guard": "rolled back", "promote": "promoted"}


@pytest.mark.parametrize("how", ["rollback", "guard", "promote"])
async def test_the_comparison_ends_when_the_canary_does(gateway, client, admin_headers, engine, measured_later, how):
    now = datetime.now(UTC)
    live_at = now - timedelta(days=1)
    issue_id = await issues_with_history(engine, now)
    active = await publish(client, admin_headers, text="Be helpful.", active=True)
    canary = await publish(client, admin_headers, canary_share=0.3)
    during = (live_at + H, now - H)
    await seed_traffic(engine, REFUND, *during, total=40, negative=4, positive=6, policies=note("canary", canary))
    await seed_traffic(engine, REFUND, *during, total=100, negative=40, positive=10, policies=note("active", active))
    await link_canary(client, admin_headers, issue_id, canary, live_at)

    await end_canary(gateway, client, admin_headers, canary["id"], how)
    ended = datetime.now(UTC)
    # After the canary: every call in the active arm, on the version active beside it, and rated well.
    later = (ended + H, now + AHEAD - 2 * H)
    await seed_traffic(engine, REFUND, *later, total=100, negative=0, positive=50, policies=note("active", active))

    effect = (await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)).json()

    compared = effect["canary"]
    assert (compared["rest"]["interactions"], compared["rest"]["negative"]) == (100, 40)
    assert (compared["canary"]["interactions"], compared["canary"]["negative"]) == (40, 4)
    for arm in ("rest", "canary"):
        until = datetime.fromisoformat(compared[arm]["until"])
        assert now <= until <= ended, (arm, until)
        assert datetime.fromisoformat(compared[arm]["since"]) == live_at
    assert compared["verdict"].startswith("negative rate is 10 % in the canary against 40 % in the rest: lower")
    moment = until.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert f"; compared until {moment}, when the canary was {ENDED[how]}" in compared["verdict"]
    # The before/after comparison is not the canary's: it still reaches to the end of the after window.
    assert datetime.fromisoformat(effect["before_after"]["after"]["until"]) > ended


async def test_a_running_canary_is_compared_to_the_end_of_the_after_window(
    gateway, client, admin_headers, engine, measured_later
):
    now = datetime.now(UTC)
    live_at = now - timedelta(days=1)
    issue_id = await issues_with_history(engine, now)
    active = await publish(client, admin_headers, text="Be helpful.", active=True)
    canary = await publish(client, admin_headers, canary_share=0.3)
    during = (live_at + H, now - H)
    await seed_traffic(engine, REFUND, *during, total=40, negative=4, positive=6, policies=note("canary", canary))
    await seed_traffic(engine, REFUND, *during, total=100, negative=40, positive=10, policies=note("active", active))
    await link_canary(client, admin_headers, issue_id, canary, live_at)
    # Another app's canary ending says nothing about this one.
    other = await publish(client, admin_headers, app="other-bot", canary_share=0.3)
    assert (await client.post(f"/api/prompts/{other['id']}/rollback", headers=admin_headers)).status_code == 200

    compared = (await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)).json()["canary"]

    assert compared["verdict"] == "negative rate is 10 % in the canary against 40 % in the rest: lower (p < 0.001)"
    assert compared["rest"]["until"] == compared["canary"]["until"]
    assert datetime.fromisoformat(compared["rest"]["until"]) > now + AHEAD - 2 * H
