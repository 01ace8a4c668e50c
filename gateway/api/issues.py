"""`/api/issues`: recurring problems found by clustering negative feedback, for admins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from litestar import Controller, get, patch
from msgspec import Meta
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from gateway.api.auth import require_admin
from gateway.api.serialize import utc
from gateway.services import Services
from gateway.store.issues import IssueFilter

IssueStatusParam = Literal["new", "open", "resolved", "dismissed"]


@dataclass
class StatusChange:
    """A person's decision about an issue: `status` is open, resolved or dismissed; `note` says why."""

    status: Literal["open", "resolved", "dismissed"]
    note: Annotated[str, Meta(max_length=2000)] | None = None


def point_json(point: dict[str, Any]) -> dict[str, Any]:
    """One history point: an issue's size and negative count on a day."""
    return {"day": point["day"].isoformat(), "size": point["size"], "negative_count": point["negative_count"]}


def issue_json(row: dict[str, Any]) -> dict[str, Any]:
    """One issue as listings return it."""
    return {
        "id": row["id"],
        "app": row["app"],
        "title": row["title"],
        "summary": row.get("summary"),
        "keywords": row.get("keywords") or [],
        "size": row["size"],
        "negative_count": row["negative_count"],
        "status": row["status"],
        "regressed": bool(row["regressed"]),
        "merged_into": row.get("merged_into"),
        "first_seen": utc(row["first_seen"]),
        "last_seen": utc(row["last_seen"]),
        "trend": {
            "growth": row["growth"],
            "points": [point_json(point) for point in row["trend"]],
        },
    }


def issue_detail_json(row: dict[str, Any]) -> dict[str, Any]:
    """One issue with its examples, every member id and what happened to it."""
    events = [
        {"kind": event["kind"], "detail": event["detail"], "run_id": event["run_id"], "at": utc(event["created_at"])}
        for event in row["events"]
    ]
    return {
        **issue_json(row),
        "examples": row.get("examples") or [],
        "member_ids": row["member_ids"],
        "daily": [point_json(point) for point in row["daily"]],
        "events": events,
    }


class IssuesController(Controller):
    """Read and triage discovered issues."""

    path = "/api/issues"
    guards = [require_admin]
    tags = ["issues"]

    @get("/", summary="List issues, biggest or fastest-growing first")
    async def list_issues(
        self,
        services: NamedDependency[Services],
        app: FromQuery[str | None] = None,
        status: FromQuery[IssueStatusParam | None] = None,
        sort: Annotated[
            Literal["size", "growth"], Parameter(description="growth: size gained since the previous run")
        ] = "size",
        include_empty: Annotated[
            bool, Parameter(description="also issues whose complaints vanished or merged into another issue")
        ] = False,
        limit: Annotated[int, Parameter(ge=1, le=1000, description="page size, 1 to 1000")] = 50,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000, description="next_offset of the previous page")] = 0,
    ) -> dict[str, Any]:
        where = IssueFilter(app=app, status=status, include_empty=include_empty)
        # One row more than asked tells whether another page follows.
        rows = await services.issues.list(where, sort=sort, limit=limit + 1, offset=offset)
        next_offset = offset + limit if len(rows) > limit else None
        return {"data": [issue_json(row) for row in rows[:limit]], "next_offset": next_offset}

    @get("/{issue_id:str}", summary="One issue with representative examples, every member interaction id and its events")
    async def get_issue(self, services: NamedDependency[Services], issue_id: FromPath[str]) -> dict[str, Any]:
        row = await services.issues.get(issue_id)
        if row is None:
            raise NotFoundException(f"no issue with id {issue_id!r}")
        return issue_detail_json(row)

    @patch("/{issue_id:str}", summary="Triage an issue: open, resolve or dismiss it")
    async def change_status(
        self, services: NamedDependency[Services], issue_id: FromPath[str], data: JSONBody[StatusChange]
    ) -> dict[str, Any]:
        row = await services.issues.set_status(issue_id, data.status, data.note)
        if row is None:
            raise NotFoundException(f"no issue with id {issue_id!r}")
        return issue_detail_json(row)
