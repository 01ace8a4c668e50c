"""When a prompt canary ended (rolled back, promoted, or replaced by a version made active), read from the audit log.

A canary link's comparison with the rest must stop there: afterwards every call is in the active arm, so the
rest keeps growing while the canary does not, and the two no longer share a period. Every change to a
deployment is audited with what it ran before and after (gateway.prompts.rollout.summary), so the end is the
first change whose `before` has the version as the canary and whose `after` no longer does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# How each action that can end a canary reads in a sentence: "the canary was …".
_ENDED_BY = {
    "prompt.promote": "promoted",
    "prompt.canary_rollback": "rolled back",
    "prompt.auto_rollback": "rolled back by the rollout guard",
}
# Any other change that ends it makes another version active for all traffic (activate, publish as active).
_REPLACED = "ended by another version made active"


@dataclass(frozen=True, slots=True)
class FixEnd:
    """When a fix stopped (a canary ended, a fix linked live stopped serving: gateway.effect.live_end), and how, as a
    sentence says it ("rolled back", "promoted"…)."""

    at: datetime
    how: str


def canary_end(changes: Iterable[Mapping[str, Any]], version_id: str) -> FixEnd | None:
    """The first of `changes` (audited prompt changes, oldest first) that ended `version_id`'s canary; None: none did."""
    for change in changes:
        if _canary_id(change.get("before")) == version_id and _canary_id(change.get("after")) != version_id:
            return FixEnd(change["created_at"], _ENDED_BY.get(change["action"], _REPLACED))
    return None


def _canary_id(deployment: Any) -> str | None:
    """The canary's version id in an audited deployment summary ({"canary": {"id": …}, …})."""
    canary = deployment.get("canary") if isinstance(deployment, Mapping) else None
    found = canary.get("id") if isinstance(canary, Mapping) else None
    return found if isinstance(found, str) else None
