"""GET /api/export: the CLI's lines over HTTP, streamed, for admins (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from export_seed import give_feedback, review, review_service, store_chat
from run_cli import feedgate_export

from gateway.api import export as export_api
from gateway.review.records import Outcome


async def seed(engine) -> dict[str, str]:
    """Examples of two apps, both sources, three days apart, and one answer labelled twice alike; their ids."""
    earlier = datetime.now(UTC) - timedelta(days=3)
    old = await store_chat(engine, "Old question?")
    await give_feedback(engine, old, correction="Old answer.", at=earlier)
    new = await store_chat(engine, "What is the fee?", "The fee is 2%.")
    await give_feedback(engine, new, correction="The fee is 1%.")
    # The same question, corrected alike: its chat line is the same as the one before.
    again = await store_chat(engine, "What is the fee?", "The fee is 2%.")
    await give_feedback(engine, again, correction="The fee is 1%.")
    reviewed = await store_chat(engine, "Is there a charge?", "No.", app="billing-bot")
    await review(review_service(engine), [reviewed], Outcome.APPROVE, app="billing-bot")
    return {"old": old, "new": new, "again": again, "reviewed": reviewed}


async def exported_ids(client, admin_headers, **options: str) -> list[str]:
    """The interactions of the lines GET /api/export?format=jsonl writes with these options."""
    response = await client.get("/api/export", params={"format": "jsonl", **options}, headers=admin_headers)
    assert response.status_code == 200, response.text
    return [json.loads(line)["interaction_id"] for line in response.text.splitlines()]


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("export_format", "options"),
    [
        ("chat", {}),
        ("preference", {}),
        ("jsonl", {"app": "support-bot", "since": "2000-01-01", "until": "2999-01-01T00:00:00Z"}),
        ("jsonl", {"source": "human_review"}),
    ],
)
async def test_lines_are_the_clis_for_the_same_options(
    client, admin_headers, database_url, engine, export_format, options
):
    await seed(engine)
    cli_options = [part for name, value in options.items() for part in (f"--{name}", value)]

    response = await client.get("/api/export", params={"format": export_format, **options}, headers=admin_headers)
    cli = feedgate_export(database_url, "--format", export_format, *cli_options)

    assert cli.returncode == 0, cli.stderr
    assert response.status_code == 200, response.text
    assert cli.stdout != ""
    assert response.text == cli.stdout


async def test_the_body_is_ndjson_named_as_a_file_to_save(client, admin_headers, engine):
    await seed(engine)

    response = await client.get("/api/export?format=chat", headers=admin_headers)

    assert response.headers["content-type"] == "application/x-ndjson"
    disposition = response.headers["content-disposition"]
    assert re.fullmatch(r'attachment; filename="feedgate-chat-\d{8}T\d{6}Z\.jsonl"', disposition), disposition


async def test_a_following_exports_file_name_ends_with_the_token_to_give_next(client, admin_headers, engine):
    await seed(engine)

    response = await client.get("/api/export?format=chat&stored_after=start", headers=admin_headers)

    token = response.headers["x-feedgate-next-stored-after"]
    disposition = response.headers["content-disposition"]
    name = rf'attachment; filename="feedgate-chat-\d{{8}}T\d{{6}}Z-next-{re.escape(token)}\.jsonl"'
    assert re.fullmatch(name, disposition), disposition


async def test_app_keeps_one_apps_examples(client, admin_headers, engine):
    ids = await seed(engine)

    assert await exported_ids(client, admin_headers, app="billing-bot") == [ids["reviewed"]]


async def test_since_keeps_labels_given_at_or_after_it(client, admin_headers, engine):
    ids = await seed(engine)

    exported = await exported_ids(client, admin_headers, since=days_ago(1))

    assert exported == [ids["new"], ids["again"], ids["reviewed"]]


async def test_until_keeps_labels_given_before_it(client, admin_headers, engine):
    ids = await seed(engine)

    exported = await exported_ids(client, admin_headers, until=days_ago(1))

    assert exported == [ids["old"]]


async def test_source_keeps_one_source(client, admin_headers, engine):
    ids = await seed(engine)

    assert await exported_ids(client, admin_headers, source="end_user_correction") == [
        ids["old"],
        ids["new"],
        ids["again"],
    ]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("", "format"),
        ("format=alpaca", "format"),
        ("format=", "format"),
        ("format=chat&app=", "app"),
        ("format=chat&since=last%20tuesday", "since"),
        ("format=chat&since=", "since"),
        ("format=chat&until=soon", "until"),
        ("format=chat&until=%20", "until"),
        ("format=chat&since=2026-06-02&until=2026-06-01", "until"),
        ("format=chat&source=robot", "source"),
        ("format=chat&source=", "source"),
        ("format=chat&source=human_review&source=end_user_correction", "source"),
    ],
)
async def test_a_bad_parameter_is_a_400_naming_it(client, admin_headers, query, parameter):
    response = await client.get(f"/api/export?{query}", headers=admin_headers)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert f"'{parameter}'" in response.json()["detail"]


async def test_a_time_utc_cannot_hold_is_a_400_saying_it_is_out_of_range(client, admin_headers):
    """A valid ISO 8601 time whose UTC is after year 9999 is refused for that, not as no ISO 8601 time."""
    response = await client.get("/api/export?format=chat&until=9999-12-31T23:59:59-05:00", headers=admin_headers)

    assert response.status_code == 400
    assert response.json()["detail"] == "'until' is outside the range of representable times"


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer wrong"}])
async def test_the_admin_token_is_required(client, headers):
    response = await client.get("/api/export?format=chat", headers=headers)

    assert response.status_code == 401


async def test_no_lines_lost_or_repeated_where_pieces_break(client, admin_headers, database_url, engine, monkeypatch):
    await seed(engine)
    monkeypatch.setattr(export_api, "PIECE_BYTES", 1)  # every line a piece of its own

    response = await client.get("/api/export?format=jsonl", headers=admin_headers)

    assert response.text == feedgate_export(database_url, "--format", "jsonl").stdout


async def test_the_tally_goes_to_the_log_once_the_last_line_is_sent(client, admin_headers, engine, caplog):
    await seed(engine)

    with caplog.at_level(logging.INFO, logger="feedgate.export"):
        response = await client.get("/api/export?format=chat", headers=admin_headers)

    assert response.status_code == 200
    assert "export over HTTP: wrote 3 lines from 4 labelled examples" in caplog.text
    assert "1 duplicate left out" in caplog.text


async def test_it_is_sent_chunked_as_it_is_read(live_gateway, admin_headers, engine):
    await seed(engine)

    async with httpx.AsyncClient(base_url=live_gateway.origin) as http:
        response = await http.get("/api/export?format=chat", headers=admin_headers)

    assert response.status_code == 200
    assert response.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in response.headers
    assert len(response.text.splitlines()) == 3
