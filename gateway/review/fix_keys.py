"""The idempotency key of resolving a review task by a new fix (the task page's form key, the API's Idempotency-Key).

Sent twice (a double click, a retry after a timeout, even at once), the request makes one fix, one
decision and one link: the key is claimed in the transaction that writes them
(gateway.store.task_fixes), and the repeat answers the task as resolved by the first request's fix.
The key has its own scope, bound to the task, the reviewer and every field of the fix: the same key
with another title, another task or another kind of fix is refused (KeyReused), as a creation's is
(gateway.domain.idempotency); and a key sent to `POST /api/kb` or `/api/prompts` never stands for a
task's resolution.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from gateway.domain.idempotency import checked_key, key_claim
from gateway.effect.records import FixKind
from gateway.review.people import person_key
from gateway.store.idempotency import KeyClaim

# Where the keys are kept (gateway.store.idempotency): one per task resolved by a new fix.
SCOPE = "review.fix"


@dataclass(frozen=True, slots=True)
class FixKey:
    """A request's key: the field that carried it (named in refusals) and its claim, whose fix id is not known yet."""

    field: str
    claim: KeyClaim

    def for_fix(self, fix_id: str) -> KeyClaim:
        """The claim of the key for making the fix `fix_id`."""
        return replace(self.claim, subject_id=fix_id)


def fix_key(
    key: str | None,
    field: str,
    task_id: str,
    reviewer: str,
    kind: FixKind | Literal["linked"],
    fields: Mapping[str, object],
) -> FixKey | None:
    """The key of resolving `task_id` by a new fix of `kind` made of `fields`, or by a fix already linked (kind
    "linked", `fields` naming the link) (None: no key); InvalidQuery naming `field` for a key that cannot be one."""
    checked = checked_key(key, field)
    if checked is None:
        return None
    asked = {"task": task_id, "kind": kind, "reviewer": person_key(reviewer), **fields}
    return FixKey(field, key_claim(SCOPE, checked, "", asked))
