"""`/api/issues`: recurring problems found by clustering negative feedback, for admins."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, Parameter

from gateway.api.auth import require_admin
from gateway.api.serialize import utc
from gateway.services import Services
from gateway.store.issues import IssueFilter

IssueStatusParam = Literal["new", "open", "resolved", "dismissed"]


def issue_json(row: dict[str, Any]) -> dict[str, Any]:
    """One issue as listings return it."""
    return {
        "id": row["id"],
        "app": row["app"],
        "title": row["title"],
        "keywords": row.get("keywords") or [],
        "size": row["size"],
        "negative_count": row["negative_count"],
        "status": row["status"],
        "regressed": bool(row["regressed"]),
        "first_seen": utc(row["first_seen"]),
        "last_seen": utc(row["last_seen"]),
        "trend": {
            "growth": row["growth"],
            "points": [
                {"day": point["day"].isoformat(), "size": point["size"], "negative_count": point["negative_count"]}
                for point in row["trend"]
            ],
        },
    }


class IssuesController(Controller):
    """Read access to discovered issues."""

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
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 50,
    ) -> dict[str, Any]:
        rows = await services.issues.list(IssueFilter(app=app, status=status), sort=sort, limit=limit)
        return {"data": [issue_json(row) for row in rows]}

    @get("/{issue_id:str}", summary="One issue with representative examples and every member interaction id")
    async def get_issue(self, services: NamedDependency[Services], issue_id: FromPath[str]) -> dict[str, Any]:
        row = await services.issues.get(issue_id)
        if row is None:
            raise NotFoundException(f"no issue with id {issue_id!r}")
        return {**issue_json(row), "examples": row.get("examples") or [], "member_ids": row["member_ids"]}
