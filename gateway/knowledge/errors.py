"""What the knowledge-base service refuses besides bad fields (InvalidQuery): a stale edit, or a revision of an
entry switched off meanwhile (409s over HTTP)."""

from __future__ import annotations

from gateway.knowledge.records import KnowledgeEntry


class EntryChanged(Exception):
    """An edit based on an older version than the entry's current one: saving it would undo a change its author never saw.

    Nothing is saved; `entry` is the entry as it stands now, for the caller to show.
    """

    def __init__(self, entry: KnowledgeEntry, expected_version: int) -> None:
        self.entry = entry
        self.expected_version = expected_version
        self.message = (
            f"entry {entry.id} changed since version {expected_version} was read: it is now at version "
            f"{entry.version}; nothing was saved, so apply your change to the current version"
        )
        super().__init__(self.message)


class EntrySwitchedOff(Exception):
    """A revision meant for a live entry found it switched off, read under its lock: revised, it would read as a
    live fix while no request gets it. Nothing is saved; `entry` is the entry as it stands now."""

    def __init__(self, entry: KnowledgeEntry) -> None:
        self.entry = entry
        self.message = (
            f"entry {entry.id} ({entry.title!r}) was switched off while this was being made live as a new version of "
            "it: nothing was made or linked. Make it live again to add it as a new entry, or switch the entry back on "
            "first to revise it"
        )
        super().__init__(self.message)
