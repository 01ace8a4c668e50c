"""PromptPolicy: the proxy applies each app's active (or canary) instruction version to its requests.

Answered from the in-memory snapshot alone: no database on the request path. The note stored
with the interaction says which version went out, in which arm and mode, for the guard and
for people: {"version": n, "version_id": …, "arm": "active"|"canary", "mode": …, "model"?}.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.fixes.snapshots import FixSnapshots
from gateway.prompts.assignment import assignment_key, in_canary
from gateway.prompts.injection import inject_chat, inject_responses
from gateway.prompts.records import AppPrompts, Mode
from gateway.proxy.policy import PASS, AfterResult, Decision, Pass, PolicyAnswer, PolicyRequest, ReplaceBody

# The policy's name in interactions' notes (and what the guard reads them by).
POLICY_NAME = "prompts"
Injector = Callable[[dict[str, Any], str, Mode], dict[str, Any]]
INJECTORS: dict[str, Injector] = {"chat.completions": inject_chat, "responses": inject_responses}


class PromptPolicy:
    """Adds the app's instruction version to chat and Responses API requests, as its mode says."""

    name = POLICY_NAME

    def __init__(self, snapshots: FixSnapshots[AppPrompts]) -> None:
        self._snapshots = snapshots

    def applies_to(self, app: str, endpoint: str) -> bool:
        """Whether `app` has an active or canary version (from memory) and `endpoint` takes instructions."""
        return endpoint in INJECTORS and self._snapshots.get(app) is not None

    async def before(self, request: PolicyRequest) -> Decision:
        """A new request with the version for this request's model and arm; the note names them."""
        prompts = self._snapshots.get(request.app)
        if prompts is None:  # unloaded since applies_to: forward as it is
            return PASS
        model = request.json.get("model")
        deployment = prompts.for_model(model if isinstance(model, str) else None)
        if deployment is None:
            return PASS
        arm, version = "active", deployment.active
        canary, share = deployment.canary, deployment.canary_share
        if canary is not None and share and in_canary(assignment_key(request), canary.id, share):
            arm, version = "canary", canary
        elif version is None and deployment.model is not None:
            # A model's canary with no active version of its own: the rest of that model's calls keep what
            # they got before the canary, the app-wide active version (noted with the model: they are its rest).
            shared = prompts.deployments.get(None)
            version = shared.active if shared is not None else None
        note: dict[str, Any] = {"arm": arm, "mode": prompts.mode}
        if deployment.model is not None:
            note["model"] = deployment.model
        if version is None:
            # Outside a canary with no active version: the app's own prompt, counted in the guard's rest.
            return Pass({"version": None, **note})
        body = INJECTORS[request.endpoint](request.json, version.text, prompts.mode)
        return ReplaceBody(body, {"version": version.number, "version_id": version.id, **note})

    async def after(self, request: PolicyRequest, answer: PolicyAnswer) -> AfterResult:
        """Nothing to do once the answer is in."""
        return None
