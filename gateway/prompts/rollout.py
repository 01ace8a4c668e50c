"""Planning changes to an app's prompts: what each verb writes, checked against the state as locked.

Pure functions of the locked state, so every rule (one canary at a time, promote only the
canary…) is decided where no other change can interleave; the store applies the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.audit.names import AuditAction, AuditSubjectType
from gateway.audit.records import AuditEntry
from gateway.prompts.errors import PromptConflict
from gateway.prompts.records import AppPrompts, Deployment, Mode, PromptVersion
from gateway.store.prompts import DeploymentWrite, PromptChange

SUBJECT: AuditSubjectType = "prompt_version"


@dataclass(frozen=True, slots=True)
class Rollout:
    """How a newly published version goes out: not at all (inactive), as the active version, or as a canary."""

    activate: bool = False
    canary_share: float | None = None


def describe(version: PromptVersion | None) -> dict[str, Any] | None:
    """A version as the audit log shows it in before and after."""
    if version is None:
        return None
    return {"id": version.id, "number": version.number, "model": version.model}


def summary(deployment: Deployment | None, mode: Mode) -> dict[str, Any]:
    """What an app and model runs, as the audit log shows it."""
    if deployment is None:
        return {"active": None, "canary": None, "canary_share": None, "mode": mode}
    return {
        "active": describe(deployment.active),
        "canary": describe(deployment.canary),
        "canary_share": deployment.canary_share,
        "mode": mode,
    }


def _write(current: Deployment | None, model: str | None, **changes: Any) -> DeploymentWrite:
    """`current` as a write, with `changes` applied."""
    values: dict[str, Any] = {
        "active_version_id": current.active.id if current and current.active else None,
        "previous_version_id": current.previous.id if current and current.previous else None,
        "canary_version_id": current.canary.id if current and current.canary else None,
        "canary_share": current.canary_share if current else None,
        "canary_started_at": current.canary_started_at if current else None,
    }
    values.update(changes)
    return DeploymentWrite(model=model, **values)


def _after(write: DeploymentWrite, known: dict[str, PromptVersion], mode: Mode) -> dict[str, Any]:
    """The summary of what `write` leaves running, from the versions it names."""
    return {
        "active": describe(known.get(write.active_version_id or "")),
        "canary": describe(known.get(write.canary_version_id or "")),
        "canary_share": write.canary_share,
        "mode": mode,
    }


def _known(deployment: Deployment | None, *more: PromptVersion) -> dict[str, PromptVersion]:
    versions = [*more]
    if deployment is not None:
        versions += [v for v in (deployment.active, deployment.canary, deployment.previous) if v is not None]
    return {version.id: version for version in versions}


def _entry(
    actor: str, action: AuditAction, version: PromptVersion, before: Any, after: Any, detail: Any = None
) -> AuditEntry:
    return AuditEntry(
        actor=actor,
        action=action,
        subject_type=SUBJECT,
        subject_id=version.id,
        app=version.app,
        before=before,
        after=after,
        detail=detail,
    )


def _start_canary(deployment: Deployment | None, version: PromptVersion, share: float, now: datetime) -> dict[str, Any]:
    """The deployment values that make `version` the canary (or change the running canary's share)."""
    if deployment is not None and deployment.active is not None and deployment.active.id == version.id:
        raise PromptConflict(f"version {version.number} is the active version: it cannot also be the canary")
    running = deployment.canary if deployment is not None else None
    if running is not None and running.id != version.id:
        raise PromptConflict(
            f"version {running.number} is already the canary for this app and model: promote it or roll it back first"
        )
    started = deployment.canary_started_at if running is not None and deployment is not None else now
    return {"canary_version_id": version.id, "canary_share": share, "canary_started_at": started}


def _activation(current: Deployment | None, version: PromptVersion) -> dict[str, Any]:
    """The deployment values that make `version` active for all traffic: a running canary ends with it.

    Active means every request: a canary left running would keep its share on the version the
    person just replaced ("active for all traffic" from a task's fix form left 10 % on it).
    """
    active = current.active if current else None
    return {
        "active_version_id": version.id,
        "previous_version_id": active.id if active else None,
        "canary_version_id": None,
        "canary_share": None,
        "canary_started_at": None,
    }


def plan_publish(
    state: AppPrompts,
    draft: PromptVersion,
    rollout: Rollout,
    mode: Mode | None,
    actor: str,
    detail: dict[str, Any] | None,
    now: datetime,
) -> PromptChange:
    """Store `draft` as the next version of its app and model, going out as `rollout` says; set the mode if given."""
    version = PromptVersion(
        id=draft.id,
        app=draft.app,
        model=draft.model,
        number=state.latest_numbers.get(draft.model, 0) + 1,
        text=draft.text,
        author=draft.author,
        message=draft.message,
        created_at=now,
    )
    new_mode = mode if mode is not None and mode != state.mode else None
    shown_mode = new_mode or state.mode
    current = state.deployments.get(version.model)
    before = summary(current, state.mode)
    write = None
    if rollout.activate:
        write = _write(current, version.model, **_activation(current, version))
    elif rollout.canary_share is not None:
        write = _write(current, version.model, **_start_canary(current, version, rollout.canary_share, now))
    after = _after(write, _known(current, version), shown_mode) if write else summary(current, shown_mode)
    published = {
        "id": version.id,
        "number": version.number,
        "model": version.model,
        "text": version.text,
        "message": version.message,
        "author": version.author,
    }
    entries = [_entry(actor, "prompt.publish", version, before, after, {"version": published, **(detail or {})})]
    return PromptChange(audit=tuple(entries), new_version=version, deployment=write, mode=new_mode)


def plan_activate(state: AppPrompts, version: PromptVersion, actor: str, detail: Any = None) -> PromptChange:
    """Make `version` its app and model's active version (a running canary ends); an earlier one is a rollback."""
    current = state.deployments.get(version.model)
    active = current.active if current else None
    if active is not None and active.id == version.id:
        raise PromptConflict(f"version {version.number} is already the active version")
    if current is not None and current.canary is not None and current.canary.id == version.id:
        raise PromptConflict(f"version {version.number} is the canary: promote it to make it active")
    write = _write(current, version.model, **_activation(current, version))
    action: AuditAction = (
        "prompt.rollback" if active is not None and version.number < active.number else "prompt.activate"
    )
    after = _after(write, _known(current, version), state.mode)
    entry = _entry(actor, action, version, summary(current, state.mode), after, detail)
    return PromptChange(audit=(entry,), deployment=write)


def plan_canary(
    state: AppPrompts, version: PromptVersion, share: float, actor: str, now: datetime, detail: Any = None
) -> PromptChange:
    """Roll `version` out to `share` of its app and model's traffic (or change the running canary's share)."""
    current = state.deployments.get(version.model)
    write = _write(current, version.model, **_start_canary(current, version, share, now))
    after = _after(write, _known(current, version), state.mode)
    entry = _entry(actor, "prompt.canary", version, summary(current, state.mode), after, detail)
    return PromptChange(audit=(entry,), deployment=write)


def plan_promote(state: AppPrompts, version: PromptVersion, actor: str, detail: Any = None) -> PromptChange:
    """Make the canary `version` the active version for all of the traffic."""
    current = state.deployments.get(version.model)
    if current is None or current.canary is None or current.canary.id != version.id:
        raise PromptConflict(f"version {version.number} is not the canary: only the running canary can be promoted")
    previous = current.active.id if current.active else None
    write = _write(
        current,
        version.model,
        active_version_id=version.id,
        previous_version_id=previous,
        canary_version_id=None,
        canary_share=None,
        canary_started_at=None,
    )
    after = _after(write, _known(current), state.mode)
    entry = _entry(actor, "prompt.promote", version, summary(current, state.mode), after, detail)
    return PromptChange(audit=(entry,), deployment=write)


def plan_rollback(
    state: AppPrompts, version: PromptVersion, actor: str, detail: Any = None, action: AuditAction | None = None
) -> PromptChange:
    """End the canary `version`, or replace the active `version` by the one active before it (or by none)."""
    current = state.deployments.get(version.model)
    if current is not None and current.canary is not None and current.canary.id == version.id:
        write = _write(current, version.model, canary_version_id=None, canary_share=None, canary_started_at=None)
        chosen = action or "prompt.canary_rollback"
    elif current is not None and current.active is not None and current.active.id == version.id:
        back_to = current.previous.id if current.previous else None
        write = _write(current, version.model, active_version_id=back_to, previous_version_id=None)
        chosen = action or "prompt.rollback"
    else:
        raise PromptConflict(
            f"version {version.number} is neither the active version nor the canary: nothing to roll back"
        )
    after = _after(write, _known(current), state.mode)
    entry = _entry(actor, chosen, version, summary(current, state.mode), after, detail)
    return PromptChange(audit=(entry,), deployment=write)


def plan_mode(state: AppPrompts, mode: Mode, actor: str) -> PromptChange:
    """Set how the app's versions meet its own system message."""
    entry = AuditEntry(
        actor=actor,
        action="prompt.mode",
        subject_type="prompt_config",
        subject_id=state.app,
        app=state.app,
        before={"mode": state.mode},
        after={"mode": mode},
    )
    return PromptChange(audit=(entry,), mode=mode)
