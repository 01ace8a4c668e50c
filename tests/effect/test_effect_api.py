"""`GET /api/issues/{id}/effect` on seeded traffic with known negative counts around a fix's `live_at`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import uuid_utils
from effect_seed import PASSWORD, REFUND, UNRELATED, make_issue, seed_traffic

from gateway.effect.service import EffectService, effect_settings
from gateway.store.feedback import FeedbackStore

H = timedelta(hours=1)


@pytest.fixture
def measured(gateway, embedder):
    """The gateway's effect service, using the session's loaded embedder."""
    services = gateway.services

    async def loaded():
        return embedder

    services.effects = EffectService(services.engine, loaded, effect_settings(services.settings))
    return services


async def issues_with_history(engine, now: datetime) -> str:
    """A refund issue (and a password one beside it) found in complaints from ten days ago; the refund issue's id."""
    long_ago = now - timedelta(days=10)
    refund_members = await seed_traffic(engine, REFUND[:4], long_ago, long_ago + H, 4, 4, 0)
    password_members = await seed_traffic(engine, PASSWORD, long_ago, long_ago + H, 4, 4, 0)
    await make_issue(engine, password_members, "passwords")
    return await make_issue(engine, refund_members, "refunds")


async def link(client, admin_headers, issue_id: str, body: dict) -> dict:
    response = await client.post(f"/api/issues/{issue_id}/fixes", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_the_negative_rate_fell_after_a_knowledge_fix(client, admin_headers, engine, measured):
    now = datetime.now(UTC)
    live_at = now - timedelta(days=2)
    issue_id = await issues_with_history(engine, now)
    before = (live_at - timedelta(days=2) + H, live_at - H)
    after = (live_at + H, now - H)
    # On the topic: 20 of 40 negative before (4 more rated up), 4 of 40 after (8 more rated up).
    await seed_traffic(engine, REFUND, *before, total=40, negative=20, positive=4)
    await seed_traffic(engine, REFUND, *after, total=40, negative=4, positive=8)
    # Off the topic, and worse after: must not count.
    await seed_traffic(engine, PASSWORD, *before, total=20, negative=2, positive=0)
    await seed_traffic(engine, PASSWORD + UNRELATED, *after, total=30, negative=25, positive=0)
    entry = (
        await client.post(
            "/api/kb", json={"app": "support-bot", "title": "Refunds", "content": "5 days."}, headers=admin_headers
        )
    ).json()
    await link(
        client, admin_headers, issue_id, {"kind": "knowledge", "fix_id": entry["id"], "live_at": live_at.isoformat()}
    )

    response = await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)

    assert response.status_code == 200, response.text
    effect = response.json()
    change = effect["before_after"]
    assert (change["before"]["interactions"], change["before"]["negative"], change["before"]["with_feedback"]) == (
        40,
        20,
        24,
    )
    assert (change["after"]["interactions"], change["after"]["negative"], change["after"]["with_feedback"]) == (
        40,
        4,
        12,
    )
    assert change["verdict"] == "negative rate fell from 50 % to 10 % (p < 0.001)"
    assert change["difference"] == pytest.approx(-0.4)
    low, high = change["difference_ci"]
    assert low < -0.4 < high < 0
    assert change["before"]["feedback_share"] == 0.6 and change["after"]["feedback_share"] == 0.3
    assert change["feedback_warning"].startswith(
        "the share of interactions with any feedback also changed, from 60 % to 30 %"
    )
    assert "drift" in change["caveat"] and "canary" in change["caveat"]
    assert effect["canary"] is None and effect["reason"] is None
    assert effect["topic"]["interactions_on_topic"] == 80 and effect["topic"]["member_questions"] == 4
    # Windows of equal length on either side of live_at.
    assert datetime.fromisoformat(change["before"]["until"]) == datetime.fromisoformat(change["after"]["since"])


# The version the rest of the traffic gets while a canary runs.
ACTIVE = {"id": "version-before-the-canary", "number": 1}


def note(arm: str, version: dict) -> list[dict]:
    """An interaction's prompts-policy note: which arm and version it got."""
    return [
        {
            "policy": "prompts",
            "action": "replace_body",
            "version": version["number"],
            "version_id": version["id"],
            "arm": arm,
            "mode": "prepend",
        }
    ]


async def published_version(client, admin_headers) -> dict:
    """A new prompt version of support-bot, running as a canary: the canary to link (only the canary links as one)."""
    published = await client.post(
        "/api/prompts",
        json={"app": "support-bot", "text": "Refunds take 5 days.", "message": "refunds", "canary_share": 0.3},
        headers=admin_headers,
    )
    assert published.status_code == 201, published.text
    return published.json()


async def link_canary(client, admin_headers, issue_id: str, version: dict, live_at: datetime) -> None:
    """Link `version` to the issue as a canary that went live at `live_at`."""
    body = {"kind": "prompt", "fix_id": version["id"], "arm": "canary", "live_at": live_at.isoformat()}
    await link(client, admin_headers, issue_id, body)


async def test_canary_against_the_rest(client, admin_headers, engine, measured):
    now = datetime.now(UTC)
    live_at = now - timedelta(days=1)
    issue_id = await issues_with_history(engine, now)
    version = await published_version(client, admin_headers)

    after = (live_at + H, now - H)
    await seed_traffic(engine, REFUND, *after, total=40, negative=4, positive=6, policies=note("canary", version))
    await seed_traffic(engine, REFUND, *after, total=100, negative=40, positive=10, policies=note("active", ACTIVE))
    await link_canary(client, admin_headers, issue_id, version, live_at)

    effect = (await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)).json()

    canary = effect["canary"]
    assert (canary["canary"]["interactions"], canary["canary"]["negative"]) == (40, 4)
    assert (canary["rest"]["interactions"], canary["rest"]["negative"]) == (100, 40)
    assert canary["verdict"] == "negative rate is 10 % in the canary against 40 % in the rest: lower (p < 0.001)"
    assert "same period" in canary["caveat"]
    # Nothing happened on the topic before the canary: that comparison waits for data.
    assert effect["before_after"]["verdict"].startswith("not enough data yet: the before window has 0 interactions")


async def test_after_the_canary_is_promoted_its_traffic_is_in_neither_arm(client, admin_headers, engine, measured):
    now = datetime.now(UTC)
    live_at = now - timedelta(days=1)
    issue_id = await issues_with_history(engine, now)
    version = await published_version(client, admin_headers)
    after = (live_at + H, now - H)
    await seed_traffic(engine, REFUND, *after, total=40, negative=4, positive=6, policies=note("canary", version))
    await seed_traffic(engine, REFUND, *after, total=60, negative=30, positive=10, policies=note("active", ACTIVE))
    # Promoted: the active arm now serves the canary's version to everyone.
    await seed_traffic(engine, REFUND, *after, total=50, negative=5, positive=10, policies=note("active", version))
    await link_canary(client, admin_headers, issue_id, version, live_at)

    canary = (await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)).json()["canary"]

    assert (canary["canary"]["interactions"], canary["canary"]["negative"]) == (40, 4)
    assert (canary["rest"]["interactions"], canary["rest"]["negative"]) == (60, 30)


async def test_too_few_interactions_is_not_enough_data(client, admin_headers, engine, measured):
    now = datetime.now(UTC)
    live_at = now - timedelta(hours=10)
    issue_id = await issues_with_history(engine, now)
    await seed_traffic(engine, REFUND, live_at - timedelta(hours=9), live_at - H, total=12, negative=6, positive=0)
    await seed_traffic(engine, REFUND, live_at + H, now - H, total=12, negative=0, positive=6)
    entry = (
        await client.post(
            "/api/kb", json={"app": "support-bot", "title": "Refunds", "content": "5 days."}, headers=admin_headers
        )
    ).json()
    await link(
        client, admin_headers, issue_id, {"kind": "knowledge", "fix_id": entry["id"], "live_at": live_at.isoformat()}
    )

    change = (await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)).json()["before_after"]

    assert change["enough_data"] is False and change["p_value"] is None
    # A small app's before window may never reach the minimum: the verdict names the setting to lower, and says
    # how far back the window reaches now and that it reaches further as time passes (it read as if stuck). The
    # after window is short too, and is named with its count: naming the before window alone read as if it were all.
    assert change["verdict"].startswith(
        "not enough data yet: the before window has 12 interactions and the after window has 12; at least 30 are "
        "needed in each (effect_min_interactions); "
        f"the before window reaches back to {change['before']['since'][:10]} "
    )
    assert change["verdict"].endswith(
        "UTC now, and further as time passes (as long as the after window, up to 14 days)"
    )
    assert change["before"]["interactions"] == 12 and change["before"]["negative_rate"] == 0.5


async def linked_kb_fix(client, admin_headers, issue_id: str, live_at: datetime) -> None:
    entry = (
        await client.post(
            "/api/kb", json={"app": "support-bot", "title": "Refunds", "content": "5 days."}, headers=admin_headers
        )
    ).json()
    await link(
        client, admin_headers, issue_id, {"kind": "knowledge", "fix_id": entry["id"], "live_at": live_at.isoformat()}
    )


async def test_answers_too_recent_to_be_rated_yet_do_not_make_a_fall(client, admin_headers, engine, measured):
    now = datetime.now(UTC)
    live_at = now - timedelta(days=2)
    issue_id = await issues_with_history(engine, now)
    # 40 % negative before and after the fix; the newest answers have had no time to be rated.
    await seed_traffic(engine, REFUND, live_at - timedelta(days=2) + H, live_at - H, total=40, negative=16, positive=0)
    await seed_traffic(engine, REFUND, live_at + H, now - 2 * H, total=40, negative=16, positive=0)
    await seed_traffic(engine, REFUND, now - timedelta(minutes=50), now, total=40, negative=0, positive=0)
    await linked_kb_fix(client, admin_headers, issue_id, live_at)

    effect = (await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)).json()
    change = effect["before_after"]

    assert effect["follow_up_hours"] == 1
    assert (change["after"]["interactions"], change["after"]["negative"]) == (40, 16)
    assert change["verdict"].startswith("no significant change")


async def test_feedback_given_after_the_follow_up_does_not_count(client, admin_headers, engine, measured):
    now = datetime.now(UTC)
    live_at = now - timedelta(days=2)
    issue_id = await issues_with_history(engine, now)
    before = await seed_traffic(engine, REFUND, live_at - timedelta(days=2) + H, live_at - H, 40, 0, 0)
    store = FeedbackStore(engine)
    for interaction_id in before[:10]:
        # A thumbs-down given a day after its answer: later than the follow-up.
        await store.append(
            {
                "id": str(uuid_utils.uuid7()),
                "interaction_id": interaction_id,
                "created_at": now,
                "app": "support-bot",
                "user_id": "user-2",
                "thumbs": "down",
                "negative": True,
                "submitted_via": "app",
                "seconds_after_answer": 86_400.0,
            }
        )
    await seed_traffic(engine, REFUND, live_at + H, now - 2 * H, 40, 0, 0)
    await linked_kb_fix(client, admin_headers, issue_id, live_at)

    change = (await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)).json()["before_after"]

    assert (change["before"]["negative"], change["before"]["with_feedback"]) == (0, 0)


async def test_a_fix_younger_than_the_follow_up_is_not_measured_yet(client, admin_headers, engine, measured):
    now = datetime.now(UTC)
    issue_id = await issues_with_history(engine, now)
    await linked_kb_fix(client, admin_headers, issue_id, now - timedelta(minutes=20))

    effect = (await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)).json()

    assert effect["before_after"] is None
    assert effect["reason"].startswith("the answers after the fix need 1 hour to collect their feedback")


async def test_the_rest_of_an_app_wide_canary_leaves_out_models_with_their_own_version(
    client, admin_headers, engine, measured
):
    now = datetime.now(UTC)
    live_at = now - timedelta(days=1)
    issue_id = await issues_with_history(engine, now)
    version = await published_version(client, admin_headers)
    after = (live_at + H, now - H)
    await seed_traffic(engine, REFUND, *after, total=40, negative=4, positive=6, policies=note("canary", version))
    await seed_traffic(engine, REFUND, *after, total=100, negative=40, positive=10, policies=note("active", ACTIVE))
    # Calls for gpt-4o get that model's own active version: the app-wide canary never reaches them,
    # so they are not the canary's rest (the guard leaves them out too).
    own = [{**note("active", {"id": "gpt-4o-version", "number": 1})[0], "model": "gpt-4o"}]
    await seed_traffic(engine, REFUND, *after, total=60, negative=0, positive=30, policies=own)
    await link_canary(client, admin_headers, issue_id, version, live_at)

    canary = (await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)).json()["canary"]

    assert (canary["canary"]["interactions"], canary["canary"]["negative"]) == (40, 4)
    assert (canary["rest"]["interactions"], canary["rest"]["negative"]) == (100, 40)
