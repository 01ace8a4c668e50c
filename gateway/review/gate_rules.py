"""Which apps the confidence gate watches, and how: each app's rule, read from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gateway.config import Settings

Mode = Literal["audit", "hold"]
Streams = Literal["refuse", "audit"]


@dataclass(frozen=True, slots=True)
class GateRule:
    """One app's gate: the confidence below which an answer is risky, and what happens to a risky one."""

    threshold: float
    mode: Mode
    # Under mode "hold": whether a stream that is not flagged is refused or goes out (audited when risky).
    streams: Streams = "refuse"


def gate_rules(settings: Settings) -> dict[str, GateRule]:
    """Each gated app's rule, with the settings' defaults filled in."""
    return {
        gate.app: GateRule(
            threshold=settings.review_gate_threshold if gate.threshold is None else gate.threshold,
            mode=gate.mode or settings.review_gate_mode,
            streams=gate.streams or settings.review_gate_streams,
        )
        for gate in settings.review_gates
    }
