"""The idempotency key of a decision (a task page's decision form key, the API's Idempotency-Key).

A decision sent twice (a double click, a browser's retry, a client's retry after a timeout, even at once) is
one decision: the key is claimed in the decision's own transaction (ReviewStore.change), and the repeat
writes nothing, tells no listener again and answers the task as it is. Without it the repeat was a 409 on a
task awaiting a second opinion ("already decided: it needs a second opinion from a different reviewer") and
on a task the first sending resolved ("resolved: reopen it first"). The key is bound to the task, the
reviewer (without case) and every field of the decision: the same key with another outcome, correction,
comment or choice is refused (KeyReused, gateway.domain.idempotency), and a decision without a key is
judged as before, so the same reviewer deciding again from a new page is still a conflict.
"""

from __future__ import annotations

from gateway.domain.idempotency import checked_key, key_claim
from gateway.review.people import person_key
from gateway.review.records import Outcome
from gateway.store.idempotency import KeyClaim

# Where the keys are kept (gateway.store.idempotency): one per decision sent with a key.
SCOPE = "review.decision"


def decision_key(
    key: str | None,
    field: str,
    task_id: str,
    reviewer: str,
    outcome: Outcome,
    correction: str | None,
    comment: str | None,
    choice: int | None,
) -> KeyClaim | None:
    """The claim of `key` for this decision on `task_id` (None: no key); InvalidQuery naming `field` for a key that
    cannot be one."""
    checked = checked_key(key, field)
    if checked is None:
        return None
    asked = {
        "task": task_id,
        "reviewer": person_key(reviewer),
        "outcome": outcome.value,
        "correction": correction,
        "comment": comment,
        "choice": choice,
    }
    return key_claim(SCOPE, checked, task_id, asked)
