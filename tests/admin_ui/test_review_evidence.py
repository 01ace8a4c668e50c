"""The task page's Evidence card: each rule's evidence in words and links, formatted JSON only for unknown shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from html_page import parse
from page_seed import APP, interaction_row, store

from admin_ui.review_evidence import evidence_view
from clustering.issue_status import IssueStatus
from gateway.accounts.records import Role
from gateway.domain.issues import Issue
from gateway.review.anomalous import DistanceProfile, judge_anomalous
from gateway.review.findings import open_finding
from gateway.review.held_answer import HELD_KEY, HELD_TAG, held_evidence
from gateway.review.issue_rule import IssueRule, issue_evidence
from gateway.review.records import Priority, Source
from gateway.review.similar_negative import JudgedNeighbour, SimilarNegativeSettings, judge_similar_negative

GATE_EVIDENCE = {  # as gate.py's _evidence writes it for a low-confidence answer
    "confidence": {
        "tokens": 20,
        "mean_logprob": -0.89,
        "min_logprob": -3.1,
        "nll": 17.8,
        "nll_per_token": 0.89,
        "first_token_margin": 1.2,
        "confidence": 0.41,
    },
    "threshold": 0.7,
    "mode": "audit",
    "flagged": False,
}


def facts(view) -> dict[str, str]:
    return {fact.label: fact.value for fact in view.facts}


def test_an_issue_tasks_evidence_gives_its_size_growth_and_thresholds():
    issue = Issue(
        id="issue-1",
        app=APP,
        title="Fee questions",
        summary=None,
        keywords=(),
        size=12,
        negative_count=12,
        status=IssueStatus.OPEN,
        regressed=False,
        merged_into=None,
        first_seen=None,
        last_seen=None,
        growth=7,
        trend=(),
    )
    evidence = issue_evidence(
        issue, [{"interaction_id": "i-1", "text": "fee?"}], "grew", "run-1", IssueRule(10, 5, 1.0)
    )

    view = evidence_view(evidence, "The issue grew")

    assert view.raw is None
    assert facts(view)["Complaints"] == "12 (after the previous pass: 5)" and facts(view)["Growth"] == "+7"
    assert [fact.href for fact in view.facts if fact.label == "Issue"] == ["/admin/issues/issue-1"]
    assert [(example.value, example.href) for example in view.examples] == [("i-1", "/admin/interactions/i-1")]


def test_a_confidence_tasks_evidence_gives_the_confidence_and_the_threshold():
    view = evidence_view(GATE_EVIDENCE, "Low confidence: 0.41")

    assert (view.rule, view.raw) == ("Low confidence", None)
    assert facts(view)["Confidence"] == "0.41" and facts(view)["Threshold"] == "below 0.70 is risky"


async def test_a_held_tasks_page_says_what_the_waiting_app_got_once_the_hold_is_over(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "There is no fee."))
    ended = datetime.now(UTC) - timedelta(minutes=1)
    evidence = {**GATE_EVIDENCE, "mode": "hold", HELD_KEY: held_evidence(b'{"choices": []}', ended, "refuse")}
    opened = await gateway.services.reviews.open_or_update(
        app=APP,
        source=Source.CONFIDENCE,
        reason="Low confidence: 0.41",
        priority=Priority.HIGH,
        interaction_ids=[interaction_id],
        evidence=evidence,
        tags=(HELD_TAG,),
    )
    assert opened is not None
    reviewer = await browser_as("rita", Role.REVIEWER)

    page = parse((await reviewer.get(f"/admin/reviews/{opened.task.task.id}")).text)

    card = page.find(data_testid="evidence-facts")
    shown = dict(zip([dt.text for dt in card.find_all("dt")], [dd.text for dd in card.find_all("dd")], strict=True))
    assert shown["The waiting app got"] == (
        "a refusal, review_timed_out (the refuse fallback: no decision before the hold ended)"
    )


def test_a_flagged_tasks_evidence_gives_the_reason_it_was_flagged():
    evidence = {"confidence": None, "threshold": 0.7, "mode": "audit", "flagged": True}

    view = evidence_view(evidence, "Flagged for review by the app (x-feedgate-review: required)")

    assert facts(view)["Flagged"] == "Flagged for review by the app (x-feedgate-review: required)"


def test_an_anomalous_tasks_evidence_gives_the_distance_and_the_apps_percentile():
    profile = DistanceProfile(99.5, 0.41, 0.5, 1000, 5000, datetime.now(UTC))
    finding = judge_anomalous(APP, "i-1", 0.62, "i-2", profile)
    assert finding is not None

    view = evidence_view(finding.evidence, finding.reason)

    assert facts(view)["Distance to the nearest question"] == "0.620"
    assert facts(view)["The app's threshold"] == "0.410 (99.5th percentile of 1000 sampled)"


def test_evidence_of_no_known_shape_is_formatted_json():
    view = evidence_view({"why": "a person asked", "n": 2}, "Check")

    assert view.raw == '{\n  "n": 2,\n  "why": "a person asked"\n}' and view.facts == ()


async def test_a_similar_negative_tasks_page_links_each_neighbour_with_its_similarity(browser_as, gateway):
    ids = await store(gateway, *(interaction_row(f"Fee {n}?", f"{n}%") for n in range(3)))
    judged = [JudgedNeighbour(ids[1], 0.9132, True), JudgedNeighbour(ids[2], 0.7, False)]
    finding = judge_similar_negative(APP, ids[0], judged, SimilarNegativeSettings(neighbours=2, share=0.3))
    assert finding is not None
    opened = await open_finding(gateway.services.reviews, finding)
    assert opened is not None
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/reviews/{opened.task.task.id}")).text)

    card = page.find("section", id="task-evidence")
    assert card.find_all("pre") == []
    rows = card.find("table", data_testid="evidence-neighbours").find("tbody").find_all("tr")
    cells = [[cell.text for cell in row.find_all("td")] for row in rows]
    assert cells == [[ids[1], "0.913", "negative"], [ids[2], "0.700", "not negative"]]
    assert rows[0].find("a").attrs["href"] == f"/admin/interactions/{ids[1]}"
    assert "1 of 2 (50 %)" in card.find("dl", data_testid="evidence-facts").text
