"""Audit fixtures: a store on each database, and entries appended to it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from audit_helpers import entry
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.audit.records import AuditRecord
from gateway.store.audit import AuditStore


@pytest.fixture
def audit(engine: AsyncEngine) -> AuditStore:
    return AuditStore(engine)


@pytest.fixture
def append_many(audit: AuditStore) -> Callable[[int], Awaitable[list[AuditRecord]]]:
    """Append entries 1..n one after another."""

    async def append(n: int) -> list[AuditRecord]:
        return [await audit.append(entry(i)) for i in range(1, n + 1)]

    return append
