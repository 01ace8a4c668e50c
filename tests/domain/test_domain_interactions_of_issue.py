"""InteractionService's issue filter, on both stores: an issue's members, newest first, paged; merges followed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import uuid_utils
from interaction_rows import interaction_row
from issue_rows import issue_write as new_issue_write

from gateway.domain.errors import InvalidQuery
from gateway.domain.interactions import InteractionService
from gateway.domain.issues import IssueService
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionFilter, InteractionStore
from gateway.store.issue_records import IssueWrite, RunRecord
from gateway.store.issues import IssueStore

from .rows import HoldingWriter

NOW = datetime.now(UTC)


def issue_write(issue_id: str, members: list[str]) -> IssueWrite:
    return new_issue_write(issue_id, members, NOW)


@pytest.fixture
async def ids(engine) -> list[str]:
    """Six interactions, oldest first: refunds holds 0, 2 and 4; passwords holds 1 and 3; 5 is in no issue."""
    rows = [interaction_row(created_at=NOW - timedelta(minutes=10 - n)) for n in range(6)]
    await InteractionStore(engine).insert_many(rows)
    ids = [row["id"] for row in rows]
    writes = [issue_write("refunds", ids[0:5:2]), issue_write("passwords", ids[1:4:2])]
    run = RunRecord(str(uuid_utils.uuid7()), "support-bot", NOW, NOW, items=5, noise=0, issues=writes)
    await IssueStore(engine).save_run(run)
    return ids


@pytest.fixture
def service(engine) -> InteractionService:
    store = InteractionStore(engine)
    return InteractionService(
        store=store, feedback_store=FeedbackStore(engine), writer=HoldingWriter(store), flush_interval=60.0
    )


async def test_an_issue_lists_its_member_interactions_newest_first(service, ids):
    page = await service.list(InteractionFilter(issue="refunds"), limit=10)

    assert [i.id for i in page.data] == [ids[4], ids[2], ids[0]]


async def test_an_issues_interactions_page_with_the_cursor_and_the_filter_kept(service, ids):
    first = await service.list_briefly(InteractionFilter(issue="refunds"), limit=2)
    second = await service.list_briefly(InteractionFilter(issue="refunds"), limit=2, cursor=first.next_cursor)

    assert [i.id for i in first.data] == [ids[4], ids[2]]
    assert ([i.id for i in second.data], second.next_cursor) == ([ids[0]], None)


async def test_the_issue_filter_narrows_the_other_filters(service, ids):
    until = NOW - timedelta(minutes=7)

    page = await service.list(InteractionFilter(issue="refunds", until=until), limit=10)

    assert [i.id for i in page.data] == [ids[2], ids[0]]


async def test_an_issue_merged_away_lists_the_issue_now_holding_its_complaints(engine, service, ids):
    await IssueService(IssueStore(engine)).merge("passwords", "refunds", actor="ana")

    merged = await service.list(InteractionFilter(issue="passwords"), limit=10)

    assert [i.id for i in merged.data] == [ids[4], ids[3], ids[2], ids[1], ids[0]]


async def test_an_issue_no_one_has_is_refused_naming_the_filter(service, ids):
    with pytest.raises(InvalidQuery) as refused:
        await service.list(InteractionFilter(issue="no-such-issue"), limit=10)

    assert (refused.value.field, refused.value.message) == ("issue", "no issue with id 'no-such-issue'")
