"""PromptPolicy: which calls it claims, the body it sends, and the note naming the version and arm."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.prompts.assignment import in_canary
from gateway.prompts.policy import PromptPolicy
from gateway.prompts.records import AppPrompts, Deployment, PromptVersion
from gateway.proxy.policy import Pass, PolicyRequest, ReplaceBody

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def version(number: int, text: str, model: str | None = None) -> PromptVersion:
    return PromptVersion(f"v{number}-{model}", "bot", model, number, text, "alice", "", NOW)


def deployment(active=None, canary=None, share=None, model=None) -> Deployment:
    return Deployment("bot", model, active, canary, share, NOW if canary else None, None)


class Snapshots:
    """Stands in for FixSnapshots: the apps' prompts, from memory."""

    def __init__(self, **apps: AppPrompts) -> None:
        self.apps = apps

    def get(self, app: str) -> AppPrompts | None:
        return self.apps.get(app)


def prompts(*deployments: Deployment, mode="prepend") -> AppPrompts:
    return AppPrompts("bot", mode, {d.model: d for d in deployments}, {})


def chat(user: str | None = None, model: str = "gpt-4o-mini", interaction_id: str = "i-1") -> PolicyRequest:
    body = {"model": model, "messages": [{"role": "system", "content": "App."}, {"role": "user", "content": "Hi"}]}
    return PolicyRequest(interaction_id, "bot", "chat.completions", body, user, None, [])


def test_claims_only_apps_with_versions_and_endpoints_that_take_instructions():
    policy = PromptPolicy(Snapshots(bot=prompts(deployment(active=version(1, "One.")))))  # type: ignore[arg-type]

    assert policy.applies_to("bot", "chat.completions")
    assert policy.applies_to("bot", "responses")
    assert not policy.applies_to("bot", "embeddings")
    assert not policy.applies_to("bot", "completions")
    assert not policy.applies_to("other", "chat.completions")


async def test_the_active_version_goes_out_with_its_note():
    policy = PromptPolicy(Snapshots(bot=prompts(deployment(active=version(3, "Three.")), mode="append")))  # type: ignore[arg-type]
    request = chat()

    decision = await policy.before(request)

    assert isinstance(decision, ReplaceBody)
    assert [m["content"] for m in decision.json["messages"]] == ["App.", "Three.", "Hi"]
    assert decision.note == {"version": 3, "version_id": "v3-None", "arm": "active", "mode": "append"}
    assert request.json["messages"][0]["content"] == "App."  # the parsed request is untouched


async def test_canary_users_get_the_canary_and_the_rest_the_active_version():
    canary = version(2, "Two.")
    policy = PromptPolicy(Snapshots(bot=prompts(deployment(version(1, "One."), canary, 0.3))))  # type: ignore[arg-type]

    for n in range(200):
        user = f"user-{n}"
        decision = await policy.before(chat(user=user))
        assert isinstance(decision, ReplaceBody)
        expected = "canary" if in_canary("user:" + user, canary.id, 0.3) else "active"
        assert decision.note["arm"] == expected
        assert decision.note["version"] == (2 if expected == "canary" else 1)
        assert (await policy.before(chat(user=user))).note == decision.note  # stable per user


async def test_outside_a_canary_without_an_active_version_the_request_passes_noted():
    canary = version(1, "One.")
    policy = PromptPolicy(Snapshots(bot=prompts(deployment(None, canary, 0.0001))))  # type: ignore[arg-type]

    decision = await policy.before(chat(user="someone"))

    assert isinstance(decision, Pass)
    assert decision.note == {"version": None, "arm": "active", "mode": "prepend"}


async def test_a_model_specific_version_wins_for_its_model():
    app_wide = deployment(active=version(1, "Everyone."))
    for_4o = deployment(active=version(1, "Only 4o.", "gpt-4o"), model="gpt-4o")
    policy = PromptPolicy(Snapshots(bot=prompts(app_wide, for_4o, mode="replace")))  # type: ignore[arg-type]

    on_4o = await policy.before(chat(model="gpt-4o"))
    on_mini = await policy.before(chat(model="gpt-4o-mini"))

    assert on_4o.json["messages"][0]["content"] == "Only 4o." and on_4o.note["model"] == "gpt-4o"
    assert on_mini.json["messages"][0]["content"] == "Everyone." and "model" not in on_mini.note
    assert len(on_mini.json["messages"]) == 2  # replace: the app's system message is gone


async def test_responses_requests_get_instructions():
    policy = PromptPolicy(Snapshots(bot=prompts(deployment(active=version(1, "One.")))))  # type: ignore[arg-type]
    request = PolicyRequest(
        "i-1", "bot", "responses", {"model": "m", "input": "Hi", "instructions": "App."}, None, None, []
    )

    decision = await policy.before(request)

    assert decision.json["instructions"] == "One.\n\nApp."


async def test_outside_a_models_canary_with_no_version_of_its_own_the_app_wide_version_still_applies():
    # Before the canary, gpt-4o's calls got the app-wide instructions; a 10 % canary for gpt-4o must not take
    # them away from the other 90 % (they are its rest, noted with the model, as the guard and effect count it).
    app_wide = deployment(active=version(3, "Everyone."))
    for_4o = deployment(None, version(1, "Only 4o, new.", "gpt-4o"), 0.0001, model="gpt-4o")
    policy = PromptPolicy(Snapshots(bot=prompts(app_wide, for_4o)))  # type: ignore[arg-type]

    decision = await policy.before(chat(user="someone", model="gpt-4o"))

    assert isinstance(decision, ReplaceBody)
    assert [m["content"] for m in decision.json["messages"]] == ["Everyone.", "App.", "Hi"]
    assert decision.note == {
        "version": 3,
        "version_id": "v3-None",
        "arm": "active",
        "mode": "prepend",
        "model": "gpt-4o",
    }
