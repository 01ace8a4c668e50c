"""The audit log service: record entries, list them for people, verify the chain."""

from __future__ import annotations

import re
from dataclasses import replace

from gateway.audit.records import AuditEntry, AuditRecord
from gateway.audit.verify import ChainVerifier, VerificationResult
from gateway.domain.paging import Page, invalid_cursor
from gateway.domain.time_range import utc_range
from gateway.store.audit import AuditFilter, AuditStore

# A cursor is a record's seq; bounded so it always fits the column.
CURSOR = re.compile(r"[1-9][0-9]{0,17}")


def parse_cursor(cursor: str | None) -> int | None:
    """The seq a `cursor` from a previous page stands for."""
    if cursor is None:
        return None
    if not CURSOR.fullmatch(cursor):
        raise invalid_cursor()
    return int(cursor)


class AuditService:
    """Appends to the audit log, pages through it newest first, and checks its hash chain.

    To record a change and its audit record atomically, call `gateway.store.audit.append`
    with the transaction's connection instead of `record`.
    """

    def __init__(self, store: AuditStore) -> None:
        self._store = store

    async def record(self, entry: AuditEntry) -> AuditRecord:
        """Append `entry` in a transaction of its own."""
        return await self._store.append(entry)

    async def list(self, where: AuditFilter, limit: int, cursor: str | None = None) -> Page[AuditRecord]:
        """The newest records matching `where`, `limit` at a time; `cursor` (not where.before_seq) pages."""
        since, until = utc_range(where.since, where.until)
        where = replace(where, since=since, until=until, before_seq=parse_cursor(cursor))
        # One record more than asked tells whether another page follows.
        records = await self._store.list(where, limit + 1)
        shown = records[:limit]
        next_cursor = str(shown[-1].seq) if len(records) > limit else None
        return Page(tuple(shown), "cursor", next_cursor=next_cursor)

    async def verify(self) -> VerificationResult:
        """Check the whole stored chain, in chunks, and its head; stops reading at the first break."""
        # The head first: records appended while the chain is read then simply follow it.
        verifier = ChainVerifier(await self._store.head())
        async for chunk in self._store.chain():
            verifier.feed(chunk)
            if verifier.broken:
                break
        return verifier.result()
