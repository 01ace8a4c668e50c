"""The cap on how much of an app's traffic the confidence gate may hold (in memory, per process)."""

from __future__ import annotations

import math
from collections import deque


class HoldCap:
    """Of each app's last `window` gated calls, at most `max_share` may be held.

    Counted against the full window even while fewer calls have been seen, so an app's first
    risky answer can be held (a share of 1 of 1 would be 100 %). Kept in memory: a restart
    forgets the window, and each gateway process counts its own calls.
    """

    def __init__(self, max_share: float, window: int) -> None:
        self._allowed = math.floor(max_share * window + 1e-9)
        self._window = window
        self._recent: dict[str, deque[bool]] = {}

    def allows_hold(self, app: str) -> bool:
        """Whether one more held answer keeps `app` within the cap."""
        recent = self._recent.get(app)
        held = sum(recent) if recent else 0
        # The call being decided will push the oldest one out of a full window.
        if recent is not None and len(recent) == self._window and recent[0]:
            held -= 1
        return held + 1 <= self._allowed

    def record(self, app: str, held: bool) -> None:
        """Count one gated call of `app`, held or not."""
        recent = self._recent.get(app)
        if recent is None:
            recent = self._recent[app] = deque(maxlen=self._window)
        recent.append(held)

    def take(self, app: str) -> bool:
        """Count one call of `app` as held if the cap allows it; whether it did.

        Checked and counted in one step, with no await between, so risky answers arriving together
        cannot all pass the check before any of them is counted.
        """
        if not self.allows_hold(app):
            return False
        self.record(app, True)
        return True

    def give_back(self, app: str) -> None:
        """Count a taken hold that did not happen (its task could not be opened) as a call not held."""
        recent = self._recent.get(app, deque())
        for position in range(len(recent) - 1, -1, -1):
            if recent[position]:
                recent[position] = False
                return
