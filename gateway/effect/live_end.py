"""When a fix linked live stopped serving every call, read from the audit log: a prompt version rolled back or replaced by
another made active, a knowledge entry switched off.

A before/after comparison must stop there: the calls after it never had the fix, so counting them as "after the fix"
mixes the state without it back in (8 answers right under a prompt version and 9 wrong after its rollback read as 53 %
negative after the fix). Every change to a deployment is audited with what it ran before and after
(gateway.prompts.rollout.summary), and every change to an entry with its fields before and after, `active` among them,
so the end is the first change whose `before` has the fix serving and whose `after` no longer does. The canary's
counterpart is gateway.effect.canary_end. `fix_end` (either arm) is the one rule every reader of a fix's windows uses:
the effect's after window of a live link and its canary comparison (gateway.effect.service), and the regression check's
baseline and periods (gateway.effect.regression).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from gateway.effect.canary_end import FixEnd, canary_end
from gateway.effect.records import FixLink
from gateway.store.fix_links import FixLinkStore

# How each action that can end an active version reads in a sentence: "the fix was …".
_VERSION_ENDED_BY = {"prompt.rollback": "rolled back"}
# Any other change that ends it makes another version active (activate, promote, publish as active).
_REPLACED = "replaced by another version made active"
_SWITCHED_OFF = "switched off"


async def fix_end(links: FixLinkStore, fix: FixLink, app: str, until: datetime) -> FixEnd | None:
    """When `fix` (of `app`) stopped serving as its link's arm says, between going live and `until`: a canary link's
    canary ended (rolled back, promoted, replaced), a live link's fix stopped serving every call; None: it did not."""
    if fix.arm == "canary":
        return canary_end(await links.prompt_changes(app, fix.live_at, until), fix.fix_id)
    return await live_fix_end(links, fix, app, until)


async def live_fix_end(links: FixLinkStore, fix: FixLink, app: str, until: datetime) -> FixEnd | None:
    """When `fix` (of `app`), linked live, stopped serving every call between going live and `until`; None when it did
    not, or for a canary link (its comparison ends with the canary: gateway.effect.canary_end)."""
    if fix.arm != "live":
        return None
    if fix.kind == "knowledge":
        return entry_end(await links.entry_changes(fix.fix_id, fix.live_at, until))
    return version_end(await links.prompt_changes(app, fix.live_at, until), fix.fix_id)


def version_end(changes: Iterable[Mapping[str, Any]], version_id: str) -> FixEnd | None:
    """The first of `changes` (audited prompt changes, oldest first) that ended `version_id` as the active version."""
    for change in changes:
        if _active_id(change.get("before")) == version_id and _active_id(change.get("after")) != version_id:
            return FixEnd(change["created_at"], _VERSION_ENDED_BY.get(change["action"], _REPLACED))
    return None


def entry_end(changes: Iterable[Mapping[str, Any]]) -> FixEnd | None:
    """The first of `changes` (one entry's audited changes, oldest first) that switched it off."""
    for change in changes:
        if _active(change.get("before")) and not _active(change.get("after")):
            return FixEnd(change["created_at"], _SWITCHED_OFF)
    return None


def _active_id(deployment: Any) -> str | None:
    """The active version's id in an audited deployment summary ({"active": {"id": …}, …})."""
    active = deployment.get("active") if isinstance(deployment, Mapping) else None
    found = active.get("id") if isinstance(active, Mapping) else None
    return found if isinstance(found, str) else None


def _active(entry: Any) -> bool:
    """Whether an audited entry's fields say it is active."""
    return isinstance(entry, Mapping) and entry.get("active") is True
