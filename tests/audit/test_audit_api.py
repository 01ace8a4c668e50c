"""GET /api/audit: the audit log for admins, filtered and paged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from audit_helpers import entry

from gateway.app import FeedgateApp
from gateway.audit.names import ACTIONS, SUBJECT_TYPES


@pytest.fixture
async def seeded(gateway: FeedgateApp) -> None:
    """Five records: 1-3 by the admin token on issues, 4 by a rule on a task, 5 by alice on another app."""
    audit = gateway.services.audit_service
    for n in (1, 2, 3):
        await audit.record(entry(n))
    await audit.record(entry(4, actor="rule:size", action="review.decision", subject_type="review_task", app=None))
    await audit.record(entry(5, actor="alice", action="kb.edit", subject_type="kb_entry", app="other-bot"))


async def listed(client, admin_headers, query: str = "") -> list[int]:
    response = await client.get(f"/api/audit?{query}", headers=admin_headers)
    assert response.status_code == 200, response.text
    return [record["seq"] for record in response.json()["data"]]


async def test_listing_is_newest_first_with_every_field(client, admin_headers, seeded):
    response = await client.get("/api/audit", headers=admin_headers)

    body = response.json()
    assert [record["seq"] for record in body["data"]] == [5, 4, 3, 2, 1]
    assert body["next_cursor"] is None
    first = body["data"][-1]
    assert first["actor"] == "admin-token"
    assert first["action"] == "issue.status"
    assert (first["subject_type"], first["subject_id"], first["app"]) == ("issue", "issue-1", "support-bot")
    assert (first["before"], first["after"]) == ({"status": "open"}, {"status": "resolved", "n": 1})
    assert first["detail"] == {"note": "change 1"}
    assert first["prev_hash"] == "0" * 64
    assert body["data"][-2]["prev_hash"] == first["hash"]
    assert datetime.fromisoformat(first["created_at"]).utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("actor=rule:size", [4]),
        ("action=kb.edit", [5]),
        ("subject_type=issue", [3, 2, 1]),
        ("subject_type=issue&subject_id=issue-2", [2]),
        ("app=support-bot", [3, 2, 1]),
        ("actor=nobody", []),
    ],
)
async def test_listing_filters(client, admin_headers, seeded, query, expected):
    assert await listed(client, admin_headers, query) == expected


async def test_listing_filters_by_time_range(client, admin_headers, seeded):
    now = datetime.now(UTC)
    past = (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    future = (now + timedelta(hours=1)).isoformat().replace("+00:00", "Z")

    assert len(await listed(client, admin_headers, f"since={past}&until={future}")) == 5
    assert await listed(client, admin_headers, f"since={future}") == []
    assert await listed(client, admin_headers, f"until={past}") == []


async def test_pages_follow_the_cursor_to_the_end(client, admin_headers, seeded):
    pages, cursor = [], None
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = (await client.get(f"/api/audit?{query}", headers=admin_headers)).json()
        pages.append([record["seq"] for record in body["data"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert pages == [[5, 4], [3, 2], [1]]


async def test_paging_combines_with_filters(client, admin_headers, seeded):
    body = (await client.get("/api/audit?subject_type=issue&limit=2", headers=admin_headers)).json()

    assert await listed(client, admin_headers, f"subject_type=issue&cursor={body['next_cursor']}") == [1]


async def test_listing_needs_the_admin_token(client, seeded):
    assert (await client.get("/api/audit")).status_code == 401
    assert (await client.get("/api/audit", headers={"authorization": "Bearer wrong"})).status_code == 401


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=many", "limit"),
        ("cursor=abc", "cursor"),
        ("cursor=0", "cursor"),
        ("since=yesterday", "since"),
        ("until=2026-13-01", "until"),
        ("since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z", "since"),
        ("actor=", "actor"),
        ("action=" + "x" * 101, "action"),
        ("subject_type=" + "x" * 51, "subject_type"),
    ],
)
async def test_bad_parameters_are_refused_by_name(client, admin_headers, query, names):
    response = await client.get(f"/api/audit?{query}", headers=admin_headers)

    assert response.status_code == 400
    assert names in response.text


@pytest.mark.parametrize(
    ("name", "sent", "listed"), [("action", "issue.stauts", ACTIONS), ("subject_type", "isue", SUBJECT_TYPES)]
)
async def test_a_filter_naming_no_kind_of_record_is_refused_with_the_kinds(client, admin_headers, name, sent, listed):
    # A typo listed nothing, read as "no such change was made".
    response = await client.get("/api/audit", params={name: sent}, headers=admin_headers)

    said = f"'{name}' must be one of {', '.join(listed)}; got '{sent}'"
    assert response.status_code == 400, response.text
    assert response.json()["extra"] == [{"key": name, "message": said, "source": "query"}]


def test_an_entry_of_an_action_or_subject_type_not_listed_is_refused():
    # The lists are what the API's filters take: an entry outside them could never be filtered for.
    with pytest.raises(ValueError, match="action"):
        entry(1, action="issue.stauts")
    with pytest.raises(ValueError, match="subject_type"):
        entry(1, subject_type="isue")


async def test_the_listing_is_in_the_openapi_schema(client):
    schema = (await client.get("/schema/openapi.json")).json()

    operation = schema["paths"]["/api/audit"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} >= {
        "actor",
        "action",
        "subject_type",
        "subject_id",
        "app",
        "since",
        "until",
        "limit",
        "cursor",
    }
    assert "audit" in operation["tags"]
    by_name = {parameter["name"]: parameter["schema"] for parameter in operation["parameters"]}
    assert "issue.status" in str(by_name["action"]) and "review_task" in str(by_name["subject_type"])


async def test_a_records_action_and_subject_type_are_listed_in_the_openapi_schema(client):
    # Typed as plain strings, a client could not check a record's kind against the list the filters take.
    schema = (await client.get("/schema/openapi.json")).json()

    record = schema["components"]["schemas"]["AuditRecord"]["properties"]
    assert (record["action"]["enum"], record["subject_type"]["enum"]) == (list(ACTIONS), list(SUBJECT_TYPES))
