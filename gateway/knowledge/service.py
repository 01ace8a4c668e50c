"""The knowledge-base service: create, edit, activate, deactivate, list, search, versions and restore entries.

Every change keeps a new version (nothing is overwritten), raises the app's "knowledge" revision
so every gateway process reloads its retrieval snapshot, and appends an audit record with the
fields before and after, all in one transaction. A change that changes nothing writes nothing.
`author` is whoever made the change: a user's name, or "admin-token" for the bearer token.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, Required, TypedDict, Unpack

import uuid_utils

from gateway.audit.names import AuditAction, AuditSubjectType
from gateway.audit.records import AuditEntry
from gateway.domain.errors import InvalidQuery
from gateway.domain.idempotency import HEADER, Once, checked_key, key_claim, refuse_other_fields
from gateway.domain.paging import Page, offset_page
from gateway.domain.quoting import quoted
from gateway.domain.search_length import check_search_length
from gateway.knowledge.errors import EntryChanged, EntrySwitchedOff
from gateway.knowledge.fields import (
    EntryFields,
    EntryToCreate,
    checked_app,
    checked_content,
    checked_questions,
    checked_tags,
    checked_title,
    checked_version,
)
from gateway.knowledge.records import EntryVersion, KnowledgeEntry
from gateway.store.knowledge import Change, EntryFilter, EntryWrite, KnowledgeStore

Row = dict[str, Any]
SUBJECT: AuditSubjectType = "kb_entry"
# The audit log's action for each kind of change.
AUDIT_ACTIONS: dict[str, AuditAction] = {
    "created": "kb.create",
    "edited": "kb.edit",
    "activated": "kb.activate",
    "deactivated": "kb.deactivate",
    "restored": "kb.restore",
}


class EntryEdit(TypedDict, total=False):
    """An edit of an entry: the fields to change (left out or None: unchanged), its author and audit `detail`.

    `expected_version` is the version the change was based on (what the editor saw); when the entry has
    moved on since, EntryChanged is raised and nothing is saved, so a stale form or client never silently
    undoes someone else's change. Left out or None: no check.
    """

    author: Required[str]
    title: str | None
    content: str | None
    example_questions: Sequence[str] | None
    tags: Sequence[str] | None
    active: bool | None
    detail: dict[str, Any] | None
    expected_version: int | str | None


# Each field an edit may change, and how its value is checked (in this order, so the first refusal is the same).
FIELD_CHECKS: dict[str, Callable[[Any], Any]] = {
    "title": checked_title,
    "content": checked_content,
    "example_questions": checked_questions,
    "tags": checked_tags,
    "active": bool,
}


class KnowledgeService:
    """The verbs the API, the admin pages and review decisions call to manage knowledge-base entries."""

    def __init__(self, store: KnowledgeStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._clock = clock

    async def create(
        self,
        app: str,
        title: str,
        content: str,
        example_questions: Sequence[str] = (),
        tags: Sequence[str] = (),
        active: bool = True,
        *,
        author: str,
        detail: dict[str, Any] | None = None,
    ) -> KnowledgeEntry:
        """A new entry (version 1); `detail` goes into the audit record (e.g. the review task it resolves)."""
        asked = EntryToCreate(app, title, content, example_questions, tags, active, author=author, detail=detail)
        return (await self.create_once(None, asked)).value

    async def create_once(
        self, idempotency_key: str | None, asked: EntryToCreate, *, key_field: str = HEADER
    ) -> Once[KnowledgeEntry]:
        """A new entry, once per `idempotency_key` (None: no key): a repeat answers the entry the first made.

        KeyReused (naming `key_field`) when the key made an entry from other fields (gateway.domain.idempotency).
        """
        key = checked_key(idempotency_key, key_field)
        write = self.new_entry(asked)
        entry = KnowledgeEntry.from_row(write.values)
        fields = _asked(entry.app, _fields_of(entry), asked.author)
        claim = None if key is None else key_claim(AUDIT_ACTIONS["created"], key, entry.id, fields)
        earlier = await self._store.insert(write, claim)
        if claim is None or earlier is None:
            return Once(entry)
        refuse_other_fields(claim, earlier, key_field)
        made = await self.get(earlier.subject_id)
        if made is None:  # entries are never deleted; said plainly should one ever be
            raise InvalidQuery(key_field, f"'{key_field}' {quoted(key)} made entry {earlier.subject_id}, which is gone")
        return Once(made, repeated=True)

    def new_entry(self, asked: EntryToCreate) -> EntryWrite:
        """What `create` writes, checked: for a caller storing it with other changes in one transaction."""
        app = checked_app(asked.app)
        author = asked.author
        fields = EntryFields(
            checked_title(asked.title),
            checked_content(asked.content),
            checked_questions(asked.example_questions),
            checked_tags(asked.tags),
            bool(asked.active),
        )
        now = self._clock()
        entry_id = str(uuid_utils.uuid7())
        values = {
            "id": entry_id,
            "app": app,
            **_columns(fields),
            "version": 1,
            "author": author,
            "created_at": now,
            "updated_at": now,
        }
        entry = KnowledgeEntry.from_row(values)
        audit = AuditEntry(
            actor=author,
            action=AUDIT_ACTIONS["created"],
            subject_type=SUBJECT,
            subject_id=entry_id,
            app=app,
            before=None,
            after=entry.fields(),
            detail=asked.detail,
        )
        return EntryWrite(values, _version_row(entry_id, 1, fields, author, "created", None, now), audit)

    async def get(self, entry_id: str) -> KnowledgeEntry | None:
        """One entry as it stands now (None: no such entry)."""
        row = await self._store.get(entry_id)
        return KnowledgeEntry.from_row(row) if row is not None else None

    async def list(self, where: EntryFilter, limit: int = 50, offset: int = 0) -> Page[KnowledgeEntry]:
        """Entries matching `where` (app, tag, active, text in title/content/examples), most recently changed first;
        the text as long as any search may be (gateway.domain.search_length)."""
        checked = _checked_filter(where)
        return await offset_page(
            lambda n, skip: self._store.list(checked, n, skip), limit, offset, KnowledgeEntry.from_row
        )

    async def count(self, where: EntryFilter) -> int:
        """How many entries match `where`, checked and read as `list` reads it (the API's `total`, the page's count)."""
        return await self._store.count(_checked_filter(where))

    async def edit(self, entry_id: str, **edit: Unpack[EntryEdit]) -> KnowledgeEntry | None:
        """Change the given fields as a new version (EntryEdit); None when there is no such entry.

        When the entry has moved on past `expected_version`, EntryChanged is raised and nothing is saved.
        """
        return await self._saved(entry_id, self.edit_plan(entry_id, **edit))

    def edit_plan(self, entry_id: str, *, only_active: bool = False, **edit: Unpack[EntryEdit]) -> Change:
        """What `edit` writes, its fields checked: for a caller storing it with other changes in one transaction
        (gateway.store.knowledge.edit_entry); it writes nothing when the entry already holds those fields.
        `only_active`: EntrySwitchedOff when the entry, read under its lock, is switched off (a revision of a live fix)."""
        asked: Mapping[str, Any] = edit
        expected_version = edit.get("expected_version")
        expected = None if expected_version is None else checked_version(expected_version, "expected_version")
        changes = {name: check(asked[name]) for name, check in FIELD_CHECKS.items() if asked.get(name) is not None}
        if not changes:
            raise InvalidQuery("body", "nothing to change: give title, content, example_questions, tags or active")
        return self._change_plan(
            entry_id,
            edit["author"],
            "edited",
            lambda fields: _with(fields, changes),
            edit.get("detail"),
            expected,
            only_active,
        )

    async def activate(self, entry_id: str, *, author: str) -> KnowledgeEntry | None:
        """Make the entry count in retrieval (a no-op when it already does)."""
        plan = self._change_plan(entry_id, author, "activated", lambda fields: _with(fields, {"active": True}))
        return await self._saved(entry_id, plan)

    async def deactivate(self, entry_id: str, *, author: str) -> KnowledgeEntry | None:
        """Take the entry out of retrieval, keeping it and its history (a no-op when it is inactive)."""
        plan = self._change_plan(entry_id, author, "deactivated", lambda fields: _with(fields, {"active": False}))
        return await self._saved(entry_id, plan)

    async def versions(self, entry_id: str) -> tuple[EntryVersion, ...] | None:
        """Every version of the entry, newest first (None: no such entry)."""
        rows = await self._store.versions(entry_id)
        if not rows and await self._store.get(entry_id) is None:
            return None
        return tuple(EntryVersion.from_row(row) for row in rows)

    async def restore(
        self,
        entry_id: str,
        version: int | str | None,
        *,
        author: str,
        expected_version: int | str | None = None,
    ) -> KnowledgeEntry | None:
        """Bring back version `version`'s title, content, example questions and tags as a new version.

        `version` is as sent (a form's text too): checked_version refuses anything but a storable number.
        The entry stays active or inactive as it is now: restoring text never switches retrieval on or off.
        `expected_version` works as for `edit`: a restore chosen from a stale page never replaces a newer text.
        """
        version = checked_version(version)
        expected = None if expected_version is None else checked_version(expected_version, "expected_version")
        old = await self._store.version(entry_id, version)  # versions never change, so no lock is needed
        if old is None:
            if await self._store.get(entry_id) is None:
                return None
            raise InvalidQuery("version", f"entry {entry_id} has no version {version}")
        restored = {name: old[name] for name in ("title", "content")}
        restored |= {"example_questions": tuple(old["example_questions"]), "tags": tuple(old["tags"])}
        plan = self._change_plan(
            entry_id, author, "restored", lambda fields: _with(fields, restored), {"restored_from": version}, expected
        )
        return await self._saved(entry_id, plan)

    async def _saved(self, entry_id: str, plan: Change) -> KnowledgeEntry | None:
        """Store `plan`'s change to the entry; the entry as it then stands (None: no such entry)."""
        row = await self._store.update(entry_id, plan)
        return KnowledgeEntry.from_row(row) if row is not None else None

    def _change_plan(
        self,
        entry_id: str,
        author: str,
        change: str,
        new_fields: Callable[[EntryFields], EntryFields],
        detail: dict[str, Any] | None = None,
        expected_version: int | None = None,
        only_active: bool = False,
    ) -> Change:
        now = self._clock()

        def write(row: Row) -> EntryWrite | None:
            before = KnowledgeEntry.from_row(row)
            # Read under the entry's lock: a concurrent save cannot slip in between check and write.
            if expected_version is not None and before.version != expected_version:
                raise EntryChanged(before, expected_version)
            if only_active and not before.active:
                raise EntrySwitchedOff(before)
            current = _fields_of(before)
            fields = new_fields(current)
            if fields == current:
                return None
            number = before.version + 1
            values = {**_columns(fields), "version": number, "updated_at": now}
            after = KnowledgeEntry.from_row({**row, **values})
            restored_from = (detail or {}).get("restored_from") if change == "restored" else None
            audit = AuditEntry(
                actor=author,
                action=AUDIT_ACTIONS[change],
                subject_type=SUBJECT,
                subject_id=entry_id,
                app=before.app,
                before=before.fields(),
                after=after.fields(),
                detail=detail,
            )
            return EntryWrite(values, _version_row(entry_id, number, fields, author, change, restored_from, now), audit)

        return write


def _asked(app: str, fields: EntryFields, author: str) -> dict[str, Any]:
    """What a creation asked, as checked: a repeat under its key must ask the same."""
    return {"app": app, **_columns(fields), "author": author}


def _fields_of(entry: KnowledgeEntry) -> EntryFields:
    return EntryFields(entry.title, entry.content, entry.example_questions, entry.tags, entry.active)


def _with(fields: EntryFields, changes: dict[str, Any]) -> EntryFields:
    return EntryFields(**{**asdict(fields), **changes})


def _columns(fields: EntryFields) -> Row:
    return {
        "title": fields.title,
        "content": fields.content,
        "example_questions": list(fields.example_questions),
        "tags": list(fields.tags),
        "active": fields.active,
    }


def _version_row(
    entry_id: str, number: int, fields: EntryFields, author: str, change: str, restored_from: int | None, now: datetime
) -> Row:
    return {
        "entry_id": entry_id,
        "version": number,
        **_columns(fields),
        "author": author,
        "change": change,
        "restored_from": restored_from,
        "created_at": now,
    }


def _checked_filter(where: EntryFilter) -> EntryFilter:
    """`where` as the listing reads it: its search no longer than any search, its tag one a tag may be (InvalidQuery)."""
    if where.text is not None:
        check_search_length(where.text)
    if where.tag is None:
        return where
    try:
        tag = checked_tags([where.tag])[0]
    except InvalidQuery as refused:
        raise InvalidQuery("tag", refused.message.replace("tags[0]", "tag", 1)) from None
    return EntryFilter(where.app, where.text, tag, where.active)
