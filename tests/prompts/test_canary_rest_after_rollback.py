"""What a canary's rest (the traffic not drawn into it) gets once the canary is rolled back, by a person or the guard.

Pinned on both databases, from the deployment as stored through the policy the proxy runs: every call, the
canary's users too, gets the version that was active beside the canary (the rest never loses it), in the
active arm; a model's own canary with no active version of its own hands that model's calls back to the
app-wide active version, as its rest had during the canary; the version active before stays the one a
later rollback of the active version returns to; and the listing (the Prompts page's and the API's) shows
the canary version inactive with no share left over.
"""

from __future__ import annotations

import pytest

from gateway.prompts.policy import PromptPolicy
from gateway.prompts.service import PromptService
from gateway.proxy.policy import PolicyRequest, ReplaceBody
from gateway.store.prompts import PromptStore

USERS = [f"user-{n}" for n in range(40)]


class Stored:
    """The policy's snapshots, read from the store as every gateway process reloads them."""

    def __init__(self, store: PromptStore) -> None:
        self.store = store
        self.prompts = None

    async def reload(self) -> None:
        self.prompts = await self.store.live("bot")

    def get(self, app: str):
        return self.prompts if app == "bot" else None


@pytest.fixture
def store(engine) -> PromptStore:
    return PromptStore(engine)


@pytest.fixture
def service(store) -> PromptService:
    return PromptService(store)


def chat(user: str, model: str = "gpt-4o-mini") -> PolicyRequest:
    body = {"model": model, "messages": [{"role": "user", "content": "Hi"}]}
    return PolicyRequest(f"i-{user}", "bot", "chat.completions", body, user, None, [])


async def sent(store: PromptStore, model: str = "gpt-4o-mini") -> dict[str, tuple[str, str | None, str | None]]:
    """Per user: the arm, the instructions sent, and the model the note names."""
    snapshots = Stored(store)
    await snapshots.reload()
    policy = PromptPolicy(snapshots)  # type: ignore[arg-type]
    seen = {}
    for user in USERS:
        decision = await policy.before(chat(user, model))
        assert isinstance(decision, ReplaceBody), decision
        seen[user] = (decision.note["arm"], decision.json["messages"][0]["content"], decision.note.get("model"))
    return seen


async def roll_back(service: PromptService, version_id: str, how: str) -> None:
    if how == "person":
        await service.rollback(version_id, "alice")
    else:
        await service.guard_rollback(version_id, {"test": "pinned"})


@pytest.mark.parametrize("how", ["person", "guard"])
async def test_the_rest_and_the_canarys_users_get_the_active_version_after_the_rollback(store, service, how):
    v1 = await service.publish("bot", "One.", "", "alice", activate=True)
    v2 = await service.publish("bot", "Two.", "", "alice", canary_share=0.5)
    during = await sent(store)
    assert {arm for arm, _, _ in during.values()} == {"active", "canary"}
    assert all(text == ("Two." if arm == "canary" else "One.") for arm, text, _ in during.values())

    await roll_back(service, v2.version.id, how)

    after = await sent(store)
    assert set(after.values()) == {("active", "One.", None)}
    listing = {item.version.id: (item.state, item.canary_share) for item in (await service.list("bot")).versions}
    assert listing == {v1.version.id: ("active", None), v2.version.id: ("inactive", None)}
    deployment = (await store.live("bot")).for_model(None)
    assert (deployment.canary, deployment.canary_share, deployment.canary_started_at) == (None, None, None)


@pytest.mark.parametrize("how", ["person", "guard"])
async def test_the_version_active_before_stays_where_rolling_back_the_active_one_returns_to(store, service, how):
    v1 = await service.publish("bot", "One.", "", "alice", activate=True)
    v2 = await service.publish("bot", "Two.", "", "alice", activate=True)
    v3 = await service.publish("bot", "Three.", "", "alice", canary_share=0.5)

    await roll_back(service, v3.version.id, how)

    assert set((await sent(store)).values()) == {("active", "Two.", None)}
    await service.rollback(v2.version.id, "alice")
    assert set((await sent(store)).values()) == {("active", "One.", None)}
    assert (await service.get(v1.version.id)).state == "active"


@pytest.mark.parametrize("how", ["person", "guard"])
async def test_a_models_own_canary_hands_its_calls_back_to_the_app_wide_version(store, service, how):
    await service.publish("bot", "Every model.", "", "alice", activate=True)
    canary = await service.publish("bot", "Only gpt-4o.", "", "alice", model="gpt-4o", canary_share=0.5)
    during = await sent(store, "gpt-4o")
    # The rest of gpt-4o's calls keep the app-wide version, noted as that model's rest.
    assert {value for value in during.values() if value[0] == "active"} == {("active", "Every model.", "gpt-4o")}

    await roll_back(service, canary.version.id, how)

    assert set((await sent(store, "gpt-4o")).values()) == {("active", "Every model.", None)}
    assert (await service.get(canary.version.id)).state == "inactive"


async def test_the_api_shows_the_rolled_back_canary_inactive_and_the_active_version_as_it_was(
    gateway, client, admin_headers
):
    prompts = gateway.services.prompts.service
    v1 = await prompts.publish("bot", "One.", "", "alice", activate=True)
    v2 = await prompts.publish("bot", "Two.", "", "alice", canary_share=0.25)

    await prompts.guard_rollback(v2.version.id, {"test": "pinned"})

    listed = (await client.get("/api/prompts", params={"app": "bot"}, headers=admin_headers)).json()["versions"]
    states = {version["id"]: (version["state"], version["canary_share"]) for version in listed}
    assert states == {v1.version.id: ("active", None), v2.version.id: ("inactive", None)}
