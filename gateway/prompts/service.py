"""The prompt service: the verbs the API, the admin pages, review tasks and the guard call on instruction versions."""

from __future__ import annotations

import builtins
import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import uuid_utils

from gateway.domain.blank_text import refuse_blank, said_or_none, says_nothing, without_blank_ends
from gateway.domain.errors import InvalidQuery
from gateway.domain.fixed_values import not_one_of
from gateway.domain.idempotency import HEADER, Once, checked_key, key_claim, refuse_other_fields
from gateway.domain.quoting import quoted
from gateway.prompts import rollout
from gateway.prompts.errors import PromptConflict, VersionNotFound
from gateway.prompts.records import (
    MODES,
    AppPromptListing,
    AppPrompts,
    ListedVersion,
    Mode,
    PromptVersion,
    VersionDiff,
    VersionToPublish,
    is_mode,
)
from gateway.store.idempotency import KeyUse
from gateway.store.prompts import PromptChange, PromptStore

MAX_NAME = 200
MAX_TEXT = 100_000
MAX_MESSAGE = 2000


def check_version_text(text: str, message: str | None) -> None:
    """InvalidQuery unless `text` can be a version's instructions and `message` its note."""
    if says_nothing(text):
        raise InvalidQuery("text", "'text' must be the instructions: a non-empty string")
    if len(text) > MAX_TEXT:
        raise InvalidQuery("text", f"'text' may be at most {MAX_TEXT} characters")
    if message is not None and len(message) > MAX_MESSAGE:
        raise InvalidQuery("message", f"'message' may be at most {MAX_MESSAGE} characters")


# The actor of the guarded rollout's automatic rollbacks, as the audit log names it.
GUARD_ACTOR = "rule:prompt-guard"


def _name(value: str | None, field: str, required: bool = True) -> str | None:
    """An app's or a model's name as sent, without its blank ends by the one rule (it names them as their calls do:
    str.strip kept a U+200B end, and "bot\u200b" was an app of its own); one that says nothing is refused as blank."""
    refuse_blank(field, value, _WANTED.get(field, "give a name"))
    cleaned = without_blank_ends(value or "")
    if not cleaned:
        if required:
            raise InvalidQuery(field, f"'{field}' must be a non-empty string")
        return None
    if len(cleaned) > MAX_NAME:
        raise InvalidQuery(field, f"'{field}' may be at most {MAX_NAME} characters")
    return cleaned


# What a blank name's refusal asks for instead: a model given blank is refused, not taken as every model.
_WANTED = {
    "app": "name the app (as its calls are recorded)",
    "model": "name a model (e.g. gpt-4o-mini), or leave it out for a version every model of the app gets",
    "author": "name who publishes the version",
}


def _mode(mode: str | None) -> Mode | None:
    if mode is None or is_mode(mode):
        return mode
    raise not_one_of("mode", MODES, mode)


def _model(model: str | None) -> str | None:
    """The model a version is for (None: every model); a model given blank is refused, not taken as every model."""
    return _name(model, "model", required=False)


# The canary's share of traffic: a share below the smallest gets next to no calls (1e-300 gets none, so the guard
# never compares it), one above the largest leaves the active version next to none.
MIN_CANARY_SHARE = 0.001
MAX_CANARY_SHARE = 0.999


def is_canary_share(share: float) -> bool:
    """Whether `share` is a canary's share of traffic the gateway takes (MIN_CANARY_SHARE to MAX_CANARY_SHARE)."""
    return math.isfinite(share) and MIN_CANARY_SHARE <= share <= MAX_CANARY_SHARE


def settable_share(share: float) -> float:
    """The share nearest `share` that a canary can be set to now: `share` itself, or the range's end for one stored
    before the range (a canary published at 0.0005 keeps running at it; changing its share takes 0.001 or more)."""
    return min(max(share, MIN_CANARY_SHARE), MAX_CANARY_SHARE)


def checked_share(share: float | None, field: str = "canary_share") -> float | None:
    """`share` (None: none asked) once it is a canary's share the gateway takes; InvalidQuery naming `field` and the
    range otherwise: the one refusal of every path that takes a share as a fraction (the pages' percent boxes say it
    in percent, admin_ui.form_text.canary_share, by the same `is_canary_share`)."""
    if share is not None and not is_canary_share(share):
        raise InvalidQuery(
            field,
            f"'{field}' must be a fraction of traffic from {MIN_CANARY_SHARE} to {MAX_CANARY_SHARE}, e.g. 0.1; "
            f"got {quoted(share)}",
        )
    return share


def listed(prompts: AppPrompts, version: PromptVersion) -> ListedVersion:
    """`version` with its place in `prompts`' rollout now."""
    deployment = prompts.deployments.get(version.model)
    if deployment is not None and deployment.active is not None and deployment.active.id == version.id:
        return ListedVersion(version, "active")
    if deployment is not None and deployment.canary is not None and deployment.canary.id == version.id:
        return ListedVersion(version, "canary", deployment.canary_share)
    return ListedVersion(version, "inactive")


class PromptService:
    """Publishes, activates, canaries, promotes and rolls back instruction versions; lists and compares them.

    Every change raises the app's fix revision (so every gateway process reloads it) and is
    audited with before and after, in one transaction. `actor` is who makes the change
    ("admin-token", a user's name, "rule:<name>"); `detail` (a dict) is added to the audit
    record, e.g. {"task_id": …, "issue_id": …} when a review task publishes the fix.
    """

    def __init__(self, store: PromptStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._clock = clock

    async def publish(
        self,
        app: str,
        text: str,
        message: str,
        author: str,
        *,
        model: str | None = None,
        mode: str | None = None,
        activate: bool = False,
        canary_share: float | None = None,
        detail: dict[str, Any] | None = None,
    ) -> ListedVersion:
        """Store a new version of `app`'s instructions (for `model`, else every model): inactive, active, or a canary.

        `mode`, when given, also sets how the app's versions meet its own system message.
        """
        asked = VersionToPublish(
            app,
            text,
            message,
            author,
            model=model,
            mode=mode,
            activate=activate,
            canary_share=canary_share,
            detail=detail,
        )
        return (await self.publish_once(None, asked)).value

    async def publish_once(
        self, idempotency_key: str | None, asked: VersionToPublish, *, key_field: str = HEADER
    ) -> Once[ListedVersion]:
        """Publish as `publish` does, once per `idempotency_key` (None: no key): a repeat answers the version the
        first published, as it stands now; KeyReused (naming `key_field`) when the key published other fields."""
        key = checked_key(idempotency_key, key_field)
        publication = self._publication(asked)
        draft, plan = publication.draft, publication.release
        fields = {
            "app": draft.app,
            "model": draft.model,
            "text": draft.text,
            "message": draft.message,
            "author": draft.author,
            "mode": publication.mode,
            "active": plan.activate,
            "canary_share": plan.canary_share,
        }
        claim = None if key is None else key_claim("prompt.publish", key, draft.id, fields)
        change = await self._store.change(draft.app, publication.plan, claim)
        if isinstance(change, KeyUse):
            assert claim is not None
            refuse_other_fields(claim, change, key_field)
            return Once(await self._listed(await self._version(change.subject_id)), repeated=True)
        assert change.new_version is not None
        return Once(await self._listed(change.new_version))

    def publish_plan(self, asked: VersionToPublish) -> tuple[PromptVersion, Callable[[AppPrompts], PromptChange]]:
        """What `publish` applies, checked: the draft (its app and id; its number is set under the lock) and the plan
        its store applies under the app's lock (for a caller storing it with other changes in one transaction)."""
        publication = self._publication(asked)
        return publication.draft, publication.plan

    def _publication(self, asked: VersionToPublish) -> _Publication:
        app_name = _name(asked.app, "app")
        check_version_text(asked.text, asked.message)
        if asked.activate and asked.canary_share is not None:
            raise InvalidQuery("canary_share", "give either 'active': true or 'canary_share', not both")
        draft = PromptVersion(
            id=str(uuid_utils.uuid7()),
            app=app_name or "",
            model=_model(asked.model),
            number=0,
            text=asked.text,
            author=_name(asked.author, "author") or "",
            # A person's words, trimmed by the one rule: a message of blank characters only is none.
            message=said_or_none(asked.message) or "",
            created_at=self._clock(),
        )
        plan = rollout.Rollout(activate=asked.activate, canary_share=checked_share(asked.canary_share))
        wanted_mode = _mode(asked.mode)
        detail = asked.detail
        return _Publication(
            draft,
            plan,
            wanted_mode,
            lambda state: rollout.plan_publish(state, draft, plan, wanted_mode, draft.author, detail, self._clock()),
        )

    async def activate(self, version_id: str, actor: str, detail: dict[str, Any] | None = None) -> ListedVersion:
        """Make a version active for its app and model; re-activating an earlier one is a rollback."""
        version = await self._version(version_id)
        await self._store.change(version.app, lambda state: rollout.plan_activate(state, version, actor, detail))
        return await self._listed(version)

    async def canary(
        self, version_id: str, share: float, actor: str, detail: dict[str, Any] | None = None
    ) -> ListedVersion:
        """Roll a version out to `share` (MIN_CANARY_SHARE to MAX_CANARY_SHARE) of its app and model's traffic, or change the canary's share."""
        checked = checked_share(share, "share")
        if checked is None:
            raise InvalidQuery("share", "'share' is required: the canary's share of traffic, e.g. 0.1")
        version = await self._version(version_id)
        await self._store.change(
            version.app, lambda state: rollout.plan_canary(state, version, checked, actor, self._clock(), detail)
        )
        return await self._listed(version)

    async def promote(self, version_id: str, actor: str, detail: dict[str, Any] | None = None) -> ListedVersion:
        """Make the running canary the active version for all traffic."""
        version = await self._version(version_id)
        await self._store.change(version.app, lambda state: rollout.plan_promote(state, version, actor, detail))
        return await self._listed(version)

    async def rollback(self, version_id: str, actor: str, detail: dict[str, Any] | None = None) -> ListedVersion:
        """End a running canary, or replace the active version by the one active before it (none if there was none)."""
        version = await self._version(version_id)
        await self._store.change(version.app, lambda state: rollout.plan_rollback(state, version, actor, detail))
        return await self._listed(version)

    async def guard_rollback(self, version_id: str, detail: dict[str, Any]) -> ListedVersion:
        """End a canary because the guarded rollout's test found it worse (audited as prompt.auto_rollback)."""
        version = await self._version(version_id)

        def plan(state: AppPrompts) -> PromptChange:
            current = state.deployments.get(version.model)
            if current is None or current.canary is None or current.canary.id != version.id:
                # Promoted or rolled back by a person meanwhile: nothing left to guard.
                raise PromptConflict(f"version {version.number} is no longer the canary")
            return rollout.plan_rollback(state, version, GUARD_ACTOR, detail, action="prompt.auto_rollback")

        await self._store.change(version.app, plan)
        return await self._listed(version)

    async def set_mode(self, app: str, mode: str, actor: str) -> AppPromptListing:
        """Set how `app`'s versions meet its own system message: prepend, append or replace."""
        app_name = _name(app, "app") or ""
        wanted = _mode(mode)
        if wanted is None:
            raise InvalidQuery("mode", f"'mode' is required: one of {', '.join(MODES)}")
        await self._store.change(app_name, lambda state: rollout.plan_mode(state, wanted, actor))
        return await self.list(app_name)

    async def list(self, app: str) -> AppPromptListing:
        """Every version of `app`, newest first, each with its state, and the app's mode."""
        app_name = _name(app, "app") or ""
        prompts = await self._store.app_prompts(app_name)
        versions = await self._store.versions(app_name)
        return AppPromptListing(app_name, prompts.mode, tuple(listed(prompts, version) for version in versions))

    async def mode(self, app: str) -> Mode:
        """How `app`'s versions meet its own system message now (the default for an app with none)."""
        return (await self._store.app_prompts(_name(app, "app") or "")).mode

    async def apps(self) -> builtins.list[str]:
        """Every app that has instruction versions, by name."""
        return await self._store.apps()

    async def get(self, version_id: str) -> ListedVersion:
        """One version with its state."""
        return await self._listed(await self._version(version_id))

    async def diff(self, from_id: str, to_id: str) -> VersionDiff:
        """A unified diff from one version's text to another's."""
        old = await self._version(from_id, "from")
        new = await self._version(to_id, "to")
        lines = difflib.unified_diff(
            old.text.splitlines(keepends=True),
            new.text.splitlines(keepends=True),
            fromfile=f"{old.app} {old.label()}",
            tofile=f"{new.app} {new.label()}",
        )
        # A last line without its newline would run into the next header: end every line.
        text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
        return VersionDiff(old, new, text)

    async def _version(self, version_id: str, field: str = "id") -> PromptVersion:
        version = await self._store.version(version_id) if version_id else None
        if version is None:
            raise VersionNotFound(version_id, field)
        return version

    async def _listed(self, version: PromptVersion) -> ListedVersion:
        return listed(await self._store.app_prompts(version.app), version)


@dataclass(frozen=True, slots=True)
class _Publication:
    """A new version, checked: its draft, how it is released, the mode asked for, and the plan that publishes it."""

    draft: PromptVersion
    release: rollout.Rollout
    mode: Mode | None
    plan: Callable[[AppPrompts], PromptChange]
