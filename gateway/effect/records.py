"""Fix links as the domain hands them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from gateway.domain.records import from_columns

# A knowledge-base entry, or a prompt-instruction version.
FixKind = Literal["knowledge", "prompt"]
# "live": the fix shapes every request of the app from `live_at`; "canary": only the prompts
# policy's canary arm gets it (interactions name their arm in their `policies` notes).
FixArm = Literal["live", "canary"]
FIX_KINDS: tuple[FixKind, ...] = ("knowledge", "prompt")
FIX_ARMS: tuple[FixArm, ...] = ("live", "canary")


@dataclass(frozen=True, slots=True)
class FixLink:
    """A fix that went live for an issue (and the review task it resolved, if any)."""

    id: str
    issue_id: str
    task_id: str | None
    kind: FixKind
    # The knowledge-base entry's id or the prompt version's id.
    fix_id: str
    # The entry's version or the prompt version's number, as it went live.
    fix_version: int | None
    arm: FixArm
    live_at: datetime
    created_by: str
    created_at: datetime
    # The fix as it stands now, which `arm` (how it went live) does not follow: "active", "canary" (a
    # prompt version), "inactive" (an entry deactivated, a version replaced or rolled back) or "gone"
    # (no longer stored); None where it was not read (store.fix_links.standing).
    standing: str | None = None
    # While the fix is a canary (`standing` "canary"), the share of the app's calls it gets now (0.1: 10 %);
    # else None, and None where it was not read (store.fix_links.canary_share).
    canary_share: float | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FixLink:
        """The link in a fix_links row."""
        return from_columns(cls, row)


@dataclass(frozen=True, slots=True)
class NamedFix:
    """A fix link with what people know its fix by, for a page to show instead of the fix's id."""

    link: FixLink
    # The knowledge entry's title, or the prompt version's label ("v3", or "gpt-4o v3" for one model's);
    # None when the fix is no longer stored.
    name: str | None
    # The prompt version's publishing message (what it changed); None for knowledge entries.
    message: str | None = None
    # A knowledge entry's version now and when it was last edited (None: a prompt version, or not stored): the
    # link keeps the version that went live, and the effect measures the calls after `live_at` whatever the text.
    entry_version: int | None = None
    entry_edited_at: datetime | None = None

    def version_note(self) -> str | None:
        """A knowledge fix's version as pages say it: the one that went live, and the entry's now when it was edited
        since (after the fix went live, when it was); None for a prompt version (its label says its number)."""
        fix_version = self.link.fix_version
        if self.link.kind != "knowledge" or fix_version is None:
            return None
        said = f"version {fix_version}"
        if self.entry_version is None or self.entry_version <= fix_version:
            return said
        said += f"; the entry is now at version {self.entry_version}"
        if self.entry_edited_at is not None and self.entry_edited_at > self.link.live_at:
            said += ", edited after this fix went live"
        return said
