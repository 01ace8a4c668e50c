"""The issue page's merge candidates: loaded after the page, offered to reviewers as a one-click merge."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import uuid_utils
from html_page import csrf_token_of, parse
from issue_rows import store_issues_centred
from page_seed import feedback, interaction_row

from clustering.issue_status import IssueStatus
from gateway.accounts.records import Role
from gateway.domain import issues as gateway_issues
from gateway.store.issue_records import IssueWrite, RunRecord
from gateway.store.issues import IssueStore


async def twin_issues(
    engine, members_of: dict[str, list[str]] | None = None, password_centroid: list[float] | None = None
) -> tuple[str, str, str]:
    """Three issues of one pass: two about refunds (near-identical centroids, a shared keyword), one about passwords.

    `members_of` gives an issue (by title) these members instead of six made-up ids; `password_centroid` moves the
    password issue (far from the others by default).
    """
    now = datetime.now(UTC)
    shapes = {
        "Refund not received": ([1.0, 0.0, 0.0, 0.0], ["refund", "late"]),
        "Where is my refund": ([0.98, 0.2, 0.0, 0.0], ["refund", "waiting"]),
        "Password reset fails": (password_centroid or [0.0, 0.0, 1.0, 0.0], ["password", "reset"]),
    }
    writes = []
    for title, (centroid, keywords) in shapes.items():
        members = (members_of or {}).get(title) or [str(uuid_utils.uuid7()) for _ in range(6)]
        vector = np.asarray(centroid, dtype=np.float32)
        writes.append(
            IssueWrite(
                id=str(uuid_utils.uuid7()),
                is_new=True,
                title=title,
                summary=None,
                keywords=keywords,
                status=IssueStatus.NEW,
                regressed=False,
                size=6,
                negative_count=6,
                centroid=vector / np.linalg.norm(vector),
                examples=[{"interaction_id": members[0], "text": title}],
                first_seen=now,
                last_seen=now,
                member_ids=members,
            )
        )
    await IssueStore(engine).save_run(RunRecord(str(uuid_utils.uuid7()), "shop", now, now, 18, 0, writes))
    return writes[0].id, writes[1].id, writes[2].id


async def test_the_issue_page_loads_its_merge_candidates_after_itself(browser_as, gateway):
    refund, _, _ = await twin_issues(gateway.services.engine)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{refund}")).text)

    assert page.find(id="merge-candidates").attrs["data-fragment-url"] == f"/admin/issues/{refund}/merge-candidates"


async def test_a_twin_issue_is_offered_and_an_unrelated_one_is_not(browser_as, gateway):
    refund, twin, password = await twin_issues(gateway.services.engine)
    viewer = await browser_as("vic", Role.VIEWER)

    fragment = parse((await viewer.get(f"/admin/issues/{refund}/merge-candidates")).text)
    alone = parse((await viewer.get(f"/admin/issues/{password}/merge-candidates")).text)

    assert [row.attrs["data-candidate-id"] for row in fragment.find_all("tr") if "data-candidate-id" in row.attrs] == [
        twin
    ]
    assert "refund" in fragment.text
    assert fragment.find_all("button", data_testid="merge-into") == []
    assert alone.find(data_testid="no-merge-candidates").text


async def test_a_reviewer_merges_a_candidate_with_one_click(browser_as, gateway):
    refund, twin, _ = await twin_issues(gateway.services.engine)
    rita = await browser_as("rita", Role.REVIEWER)
    fragment = parse((await rita.get(f"/admin/issues/{refund}/merge-candidates")).text)
    form = fragment.find("form")
    fields = {field.attrs["name"]: field.attrs.get("value", "") for field in form.find_all("input")}
    fields["csrf_token"] = csrf_token_of((await rita.get(f"/admin/issues/{refund}")).text)

    merged = await rita.post(form.attrs["action"], data=fields)

    assert merged.status_code == 303
    detail = await gateway.services.issue_service.get(refund)
    assert detail.issue.merged_into == twin


async def test_merge_candidates_of_an_unknown_issue_are_a_404(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    assert (await viewer.get("/admin/issues/no-such-issue/merge-candidates")).status_code == 404


async def corrected_alike(gateway) -> list[str]:
    """Two stored questions (fees to Peru and to Italy) whose end users gave the same correction; their ids."""
    fee = "The transfer fee is 1% of the amount."
    rows = [
        interaction_row(f"What is the fee to {country}?", "It is free.", app="shop") for country in ("Peru", "Italy")
    ]
    await gateway.services.interactions.insert_many(rows)
    for row in rows:
        await feedback(gateway, row["id"], correction=fee, app="shop")
    return [row["id"] for row in rows]


async def test_a_neighbouring_issue_corrected_with_the_same_words_is_offered_with_the_correction(browser_as, gateway):
    ids = await corrected_alike(gateway)
    # Centroid cosine 0.6 with the refund issue: below the close bar (0.85), a neighbour all the same.
    refund, _, password = await twin_issues(
        gateway.services.engine,
        {"Refund not received": [ids[0]], "Password reset fails": [ids[1]]},
        password_centroid=[0.6, 0.0, 0.8, 0.0],
    )
    viewer = await browser_as("vic", Role.VIEWER)

    fragment = parse((await viewer.get(f"/admin/issues/{password}/merge-candidates")).text)

    [row] = [row for row in fragment.find_all("tr") if "data-candidate-id" in row.attrs]
    assert row.attrs["data-candidate-id"] == refund
    assert "the transfer fee is 1% of the amount" in row.text


async def test_an_issue_far_away_is_not_offered_for_a_correction_in_common(browser_as, gateway):
    ids = await corrected_alike(gateway)
    _, _, password = await twin_issues(
        gateway.services.engine, {"Refund not received": [ids[0]], "Password reset fails": [ids[1]]}
    )
    viewer = await browser_as("vic", Role.VIEWER)

    fragment = parse((await viewer.get(f"/admin/issues/{password}/merge-candidates")).text)

    assert fragment.find(data_testid="no-merge-candidates") is not None


async def test_the_panel_lists_the_most_similar_candidates_and_says_how_many_more_there_are(browser_as, gateway):
    ids = await store_issues_centred(gateway.services.engine, "shop", [[1.0, 0.01 * k, 0.0] for k in range(14)])
    rita = await browser_as("rita", Role.REVIEWER)

    fragment = parse((await rita.get(f"/admin/issues/{ids[0]}/merge-candidates")).text)

    rows = [row.attrs["data-candidate-id"] for row in fragment.find_all("tr") if "data-candidate-id" in row.attrs]
    assert rows == ids[1:11]
    assert len(fragment.find_all("button", data_testid="merge-into")) == 10
    assert "3 more" in fragment.find(data_testid="more-merge-candidates").text


async def test_a_correction_its_voter_has_since_taken_back_ties_nothing(browser_as, gateway):
    ids = await corrected_alike(gateway)
    await feedback(gateway, ids[0], negative=False, app="shop")  # the same voter, thumbs up after all
    _, _, password = await twin_issues(
        gateway.services.engine,
        {"Refund not received": [ids[0]], "Password reset fails": [ids[1]]},
        password_centroid=[0.6, 0.0, 0.8, 0.0],
    )
    viewer = await browser_as("vic", Role.VIEWER)

    fragment = parse((await viewer.get(f"/admin/issues/{password}/merge-candidates")).text)

    assert fragment.find(data_testid="no-merge-candidates") is not None


async def test_the_panel_names_the_bar_its_candidates_passed(browser_as, gateway, monkeypatch):
    # The rule's bar, moved: the panel's words follow it (they said 0.85 whatever the rule used).
    monkeypatch.setattr(gateway_issues, "MERGE_SUGGESTION_SIMILARITY", 0.95)
    refund, twin, _ = await twin_issues(gateway.services.engine)
    viewer = await browser_as("vic", Role.VIEWER)

    fragment = parse((await viewer.get(f"/admin/issues/{refund}/merge-candidates")).text)

    assert [row.attrs.get("data-candidate-id") for row in fragment.find_all("tr")][1:] == [twin]
    assert "centroid cosine at least 0.95" in fragment.text
