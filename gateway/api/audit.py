"""`/api/audit`: the hash-chained audit log, for admins."""

from __future__ import annotations

from typing import Annotated, TypedDict

from litestar import get
from litestar.di import NamedDependency
from litestar.params import Parameter

from gateway.api.admin import AdminController
from gateway.api.paging import Cursor, Limit, Since, Until
from gateway.api.serialize import cursor_page_json
from gateway.audit.names import AuditAction, AuditSubjectType
from gateway.audit.records import AuditRecord
from gateway.services import Services
from gateway.store.audit import AuditFilter

# Exact matches; free text no longer than its column.
Actor = Annotated[
    str | None, Parameter(min_length=1, max_length=200, description='"admin-token", "rule:<name>" or a user')
]
# One of the log's fixed lists (gateway.audit.names): any other value is refused listing them.
Action = Annotated[AuditAction | None, Parameter(description='what was done, e.g. "issue.status"')]
SubjectType = Annotated[AuditSubjectType | None, Parameter(description='what it was done to, e.g. "issue"')]
SubjectId = Annotated[str | None, Parameter(min_length=1, max_length=200)]
App = Annotated[str | None, Parameter(min_length=1, max_length=200)]


class AuditPage(TypedDict):
    """A page of audit records, newest first: pass `next_cursor` as `cursor` for the next (null: the last page)."""

    data: list[AuditRecord]
    next_cursor: str | None


def audit_record_json(record: AuditRecord) -> AuditRecord:
    """One record with every field, hashes included, so a client can re-check the chain itself (the record itself;
    the encoder writes each field under its own name)."""
    return record


class AuditController(AdminController):
    """Read access to the audit log."""

    path = "/api/audit"
    tags = ["audit"]

    @get("/", summary="List audit records, newest first")
    async def list_audit_records(
        self,
        services: NamedDependency[Services],
        actor: Actor = None,
        action: Action = None,
        subject_type: SubjectType = None,
        subject_id: SubjectId = None,
        app: App = None,
        since: Since = None,
        until: Until = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> AuditPage:
        where = AuditFilter(
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            app=app,
            since=since,
            until=until,
        )
        page = await services.audit_service.list(where, limit, cursor)
        return cursor_page_json(page, audit_record_json)
