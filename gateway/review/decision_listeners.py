"""Who hears of a stored decision or dismissal: the record they get, and telling each of them without undoing it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from gateway.review.records import Decision, ReviewTaskDetail

logger = logging.getLogger("feedgate.review")


@dataclass(frozen=True, slots=True)
class DecisionMade:
    """A decision just stored, for listeners (fixes, training data, held answers, webhooks)."""

    task: ReviewTaskDetail
    decision: Decision
    # False when the task now waits for a second reviewer.
    resolved: bool


@dataclass(frozen=True, slots=True)
class DismissalMade:
    """A dismissal just stored (the task read after it committed), for listeners (the held-answer webhook)."""

    task: ReviewTaskDetail


class _Change(Protocol):
    @property
    def task(self) -> ReviewTaskDetail: ...


Made = TypeVar("Made", bound=_Change)


DecisionListener = Callable[[DecisionMade], Awaitable[None]]
DismissalListener = Callable[[DismissalMade], Awaitable[None]]


class Listeners(Generic[Made]):
    """The listeners of one review service to one kind of change, told of each in the order they were added."""

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._listeners: list[Callable[[Made], Awaitable[None]]] = []

    def add(self, listener: Callable[[Made], Awaitable[None]]) -> None:
        """Call `listener` after every change of this kind stored."""
        self._listeners.append(listener)

    async def tell(self, made: Made) -> None:
        """Call every listener with `made`; a failing one is logged and the next is still called."""
        for listener in self._listeners:
            try:
                await listener(made)
            except Exception:
                # The change is stored and audited: a failing follow-up must not turn it into an error.
                logger.exception("review %s listener %r failed for task %s", self._kind, listener, made.task.task.id)
