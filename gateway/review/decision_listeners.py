"""Who hears of a stored decision: the record they get, and telling each of them without undoing the decision."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from gateway.review.records import Decision, ReviewTaskDetail

logger = logging.getLogger("feedgate.review")


@dataclass(frozen=True, slots=True)
class DecisionMade:
    """A decision just stored, for listeners (fixes, training data, held answers, webhooks)."""

    task: ReviewTaskDetail
    decision: Decision
    # False when the task now waits for a second reviewer.
    resolved: bool


DecisionListener = Callable[[DecisionMade], Awaitable[None]]


class DecisionListeners:
    """The listeners of one review service, told of each decision in the order they were added."""

    def __init__(self) -> None:
        self._listeners: list[DecisionListener] = []

    def add(self, listener: DecisionListener) -> None:
        """Call `listener` after every stored decision."""
        self._listeners.append(listener)

    async def tell(self, made: DecisionMade) -> None:
        """Call every listener with `made`; a failing one is logged and the next is still called."""
        for listener in self._listeners:
            try:
                await listener(made)
            except Exception:
                # The decision is stored and audited: a failing follow-up must not turn it into an error.
                logger.exception("review decision listener %r failed for task %s", listener, made.task.task.id)
