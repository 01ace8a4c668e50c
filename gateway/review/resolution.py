"""How a closed task ended, as one rule for the pages and the API: by a fix, by a reviewer's outcome, or dismissed.

A task resolved by a fix (gateway.review.fix_resolution) carries a `reject` outcome (the answers
were wrong; the fix is the remedy), which read alone says the opposite of what happened. Its
decided event names the fix under `FIX_KEY`; a decision recorded before events named it is
recognised by the note its comment starts with (`FIX_NOTES`), without the fix's id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Where a decided event's detail names the fix the decision resolved its task by.
FIX_KEY = "fix"
# How a decision's comment names the fix that resolved its task (see TaskFixes._resolve).
FIX_NOTES = ("Resolved by knowledge-base entry ", "Resolved by prompt version ")
FIX_KINDS = {"knowledge": FIX_NOTES[0], "prompt": FIX_NOTES[1]}


@dataclass(frozen=True, slots=True)
class ResolvingFix:
    """The fix a decision resolved its task by: its kind, its name as the decision gave it, and its id if known."""

    kind: str
    label: str
    fix_id: str | None = None
    version: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The stored (and API) form."""
        return {"kind": self.kind, "label": self.label, "id": self.fix_id, "version": self.version}


def _from_detail(detail: dict[str, Any]) -> ResolvingFix | None:
    named = detail.get(FIX_KEY)
    if isinstance(named, dict) and named.get("kind") in FIX_KINDS and isinstance(named.get("label"), str):
        version = named.get("version")
        fix_id = named.get("id")
        return ResolvingFix(
            named["kind"],
            named["label"],
            fix_id if isinstance(fix_id, str) else None,
            version if isinstance(version, int) else None,
        )
    comment = detail.get("comment")
    for kind, note in FIX_KINDS.items():
        if isinstance(comment, str) and comment.startswith(note):
            # "Resolved by <label>. <the reviewer's comment>": the label ends at its closing parenthesis.
            label = comment.removeprefix("Resolved by ")
            end = label.find(").")
            return ResolvingFix(kind, label[: end + 1] if end >= 0 else label.rstrip("."))
    return None


def resolving_fix(decided: Iterable[Any], task_round: int) -> ResolvingFix | None:
    """The fix named by a decision of round `task_round`, from the details of the task's decided events."""
    for detail in decided:
        if isinstance(detail, dict) and detail.get("round") == task_round:
            found = _from_detail(detail)
            if found is not None:
                return found
    return None


def resolution_text(status: str, outcome: str | None, fix: ResolvingFix | None) -> str | None:
    """What became of a closed task in words ("resolved by a fix: …", "resolved: approve", "dismissed"); None if open."""
    if status == "dismissed":
        return "dismissed without a decision"
    if status != "resolved":
        return None
    if fix is None:
        return f"resolved: {outcome}" if outcome else "resolved"
    if outcome in (None, "reject"):
        return f"resolved by a fix: {fix.label}"
    # A second reviewer judged the fix's answers otherwise: their outcome stands, and the fix is still live.
    return f"resolved: {outcome} on a second opinion about the fix {fix.label}"
