"""Before and after windows bounded by the issue's other fixes: the effect of this fix, not of the ones around it.

The effect of a fix is the state just after it against the state just before it. Equal windows on
either side of `live_at` measure that while nothing else changed; with two fixes linked to one issue,
the latest fix's before window reached back across the earlier fix's `live_at`, into time when the
rate was still the one without any fix: a fall the earlier fix made read as this fix's (93 % before
both, 40 % after the first, 38 % after the second: the second could read as a fall from 65 % to 38 %). Time when the
earlier fix was already live is the right baseline (the state this fix changed); time when the rate
was changing is not. So the before window starts no earlier than the latest earlier fix went live,
and the after window (for an older fix measured by `link_id`) ends no later than the next fix went
live. The windows are then of unequal length, which a comparison of rates does not mind: each holds
one state. Clipped short, a window may hold too little data ("not enough data yet"): the honest
answer when two fixes went live too close together to tell apart. The after window of a fix linked live also ends
where the fix stopped serving (rolled back, replaced, switched off: gateway.effect.live_end), `Bounds.stopped_at`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from gateway.effect.canary_end import FixEnd
from gateway.effect.records import FixLink


@dataclass(frozen=True, slots=True)
class Bounds:
    """The before window's start and the after window's end, and the fixes that moved them (None: not moved)."""

    since: datetime
    until: datetime
    earlier: FixLink | None
    later: FixLink | None
    # Set when the fix stopped serving before `until` would otherwise be: the after window ends there.
    stopped: FixEnd | None = None

    def stopped_at(self, end: FixEnd | None) -> Bounds:
        """These bounds with the after window ending at `end`, when the fix stopped serving (None, or after `until`:
        as they are)."""
        if end is None or end.at >= self.until:
            return self
        return replace(self, until=end.at, later=None, stopped=end)

    def note(self, moment: Callable[[datetime], str]) -> str | None:
        """What moved the windows, in words (None: nothing did); `moment` says a time."""
        said = []
        if self.earlier is not None:
            said.append(
                f"the before window starts at {moment(self.since)}, when the previous fix linked to this issue (a "
                f"{self.earlier.kind} fix) went live: this fix is compared with the state just before it, not with the "
                "time before the earlier fix, when the rate was still changing"
            )
        if self.later is not None:
            said.append(
                f"the after window ends at {moment(self.until)}, when the next fix linked to this issue (a "
                f"{self.later.kind} fix) went live: what came after is that fix's effect"
            )
        if self.stopped is not None:
            said.append(
                f"the after window ends at {moment(self.until)}, when the fix was {self.stopped.how}: the calls after "
                "that did not get it"
            )
        return "; ".join(said) or None


def bounded(fix: FixLink, fixes: Sequence[FixLink], since: datetime, until: datetime) -> Bounds:
    """[since, fix.live_at) and [fix.live_at, until) cut back to the issue's fixes nearest `fix` on either side."""
    earlier = max((other for other in fixes if since < other.live_at < fix.live_at), key=_live, default=None)
    later = min((other for other in fixes if fix.live_at < other.live_at < until), key=_live, default=None)
    return Bounds(
        earlier.live_at if earlier is not None else since,
        later.live_at if later is not None else until,
        earlier,
        later,
    )


def _live(link: FixLink) -> datetime:
    return link.live_at
