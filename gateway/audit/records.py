"""What a caller records in the audit log, what is stored, and how a stored record is hashed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any

import orjson

from gateway.audit.names import ACTIONS, SUBJECT_TYPES, AuditAction, AuditSubjectType

# The prev_hash of the first record: no record comes before it.
GENESIS_HASH = "0" * 64

# A JSON value: a dict, list, string, number, boolean or None.
JsonValue = Any
# The audit_log columns' sizes, checked up front so an oversized entry fails alike on both databases.
MAX_LENGTHS = {"actor": 200, "action": 100, "subject_type": 50, "subject_id": 200, "app": 200}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One thing to record: who (`actor`) did what (`action`) to which subject, with before and after.

    `actor` is a user name, "admin-token" or "rule:<name>"; `action` is dotted, e.g.
    "issue.status", "review.decision", "kb.edit" (gateway.audit.names lists them all). `before`, `after` and `detail` are
    JSON values (dicts, lists, strings, numbers, booleans or None).
    """

    actor: str
    action: AuditAction
    subject_type: AuditSubjectType
    subject_id: str
    app: str | None = None
    before: JsonValue = None
    after: JsonValue = None
    detail: JsonValue = None

    def __post_init__(self) -> None:
        for name, limit in MAX_LENGTHS.items():
            value = getattr(self, name)
            if value is None and name == "app":
                continue
            if not value or len(value) > limit:
                raise ValueError(f"audit entry {name} must be 1 to {limit} characters, got {value!r}")
        # The API's filters take these lists alone: a record outside them could never be listed by its kind.
        if self.action not in ACTIONS:
            raise ValueError(f"audit entry action {self.action!r} is not in gateway.audit.names.AuditAction")
        if self.subject_type not in SUBJECT_TYPES:
            raise ValueError(
                f"audit entry subject_type {self.subject_type!r} is not in gateway.audit.names.AuditSubjectType"
            )


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """A stored entry: its place in the chain (`seq`, `prev_hash`) and the `hash` that seals it."""

    seq: int
    id: str
    created_at: datetime
    actor: str
    action: AuditAction
    subject_type: AuditSubjectType
    subject_id: str
    app: str | None
    before: JsonValue
    after: JsonValue
    detail: JsonValue
    prev_hash: str
    hash: str


# Everything but the hash itself; adding a field to AuditRecord adds it to the hash.
HASHED_FIELDS = tuple(field.name for field in fields(AuditRecord) if field.name != "hash")


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The newest record's seq and hash, kept apart from the records so removing the newest is detectable."""

    seq: int
    hash: str


def as_stored_json(value: JsonValue) -> JsonValue:
    """`value` as it reads back from the database: tuples become lists, datetimes ISO strings.

    Hashing the stored form, not the caller's, is what lets verification recompute the hash.
    """
    return orjson.loads(orjson.dumps(value))


def iso_utc(moment: datetime) -> str:
    """`moment` as ISO 8601 UTC with microseconds, the form the hash covers."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def record_hash(record: AuditRecord) -> str:
    """SHA-256 (hex) of every field of `record` but its hash, serialized canonically (sorted keys).

    The hash `record` must carry if nothing in it was changed.
    """
    hashed = {name: getattr(record, name) for name in HASHED_FIELDS}
    hashed["created_at"] = iso_utc(record.created_at)
    return hashlib.sha256(orjson.dumps(hashed, option=orjson.OPT_SORT_KEYS)).hexdigest()


def seal(entry: AuditEntry, *, seq: int, id: str, created_at: datetime, prev_hash: str) -> AuditRecord:  # noqa: A002 - the record's field
    """The record that stores `entry` at `seq`, chained to the record whose hash is `prev_hash`."""
    unsealed = AuditRecord(
        seq=seq,
        id=id,
        created_at=created_at.astimezone(UTC),
        actor=entry.actor,
        action=entry.action,
        subject_type=entry.subject_type,
        subject_id=entry.subject_id,
        app=entry.app,
        before=as_stored_json(entry.before),
        after=as_stored_json(entry.after),
        detail=as_stored_json(entry.detail),
        prev_hash=prev_hash,
        hash="",
    )
    return replace(unsealed, hash=record_hash(unsealed))
