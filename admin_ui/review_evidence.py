"""A task's evidence as its page shows it: each rule's figures in words, formatted JSON only for what no rule wrote.

The shapes are the ones the rules store (gateway.review.issue_rule.issue_evidence,
similar_negative.judge_similar_negative, anomalous, and the confidence gate's in gate.py, with
the held answer of gateway.review.held_answer). A task is recognised by the shape of its evidence
rather than its source: a rule may tell another rule's task, and a person's manual task may carry
anything. Whatever does not fit a known shape falls back to formatted JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from admin_ui.rendering import counted_text, when_text
from gateway.review.anomalous import ordinal
from gateway.review.merge_note import MERGED_KEY

INTERACTION = "/admin/interactions/{}"
# The issue rule's triggers (gateway.review.issue_rule.IssueRule.trigger) in words.
TRIGGERS = {
    "reached": "the issue reached the size that opens a task",
    "grew": "the issue grew by the growth that opens a task",
    "grew_fast": "the issue grew by its growth share since the previous pass",
    "regressed": "the issue came back after it was resolved",
    "updated": "the issue grew while its task was open",
}
GATE_MODES = {"audit": "audit (the answer went out at once)", "hold": "hold (the answer was kept back for review)"}


@dataclass(frozen=True, slots=True)
class Fact:
    """One figure of the evidence: what it is, its value in words, and where it leads (if anywhere)."""

    label: str
    value: str
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Neighbour:
    """One of the most similar recent interactions the similar-negative rule looked at."""

    interaction_id: str
    similarity: str
    negative: bool


@dataclass(frozen=True, slots=True)
class EvidenceView:
    """What the Evidence card shows: a heading for the rule, its facts, neighbours and examples, or formatted JSON."""

    rule: str | None = None
    facts: tuple[Fact, ...] = ()
    neighbours: tuple[Neighbour, ...] = ()
    examples: tuple[Fact, ...] = ()
    raw: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def pretty_json(value: Any) -> str:
    """`value` as indented JSON text (escaped by the template like any other text)."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def _number(value: Any, digits: int = 2) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("not a number")
    return str(value) if isinstance(value, int) else f"{value:.{digits}f}"


def _counted(value: Any, noun: str) -> str:
    """A whole number with its noun by the pages' count rule ("1 complaint"); any other number as _number says it."""
    if isinstance(value, int) and not isinstance(value, bool):
        return counted_text(value, noun)
    return f"{_number(value)} {noun}s"


def _issue_fact(label: str, issue: dict[str, Any]) -> Fact:
    return Fact(label, str(issue.get("title") or issue["id"]), f"/admin/issues/{issue['id']}")


def _issue(evidence: dict[str, Any]) -> EvidenceView:
    limits, trigger = evidence.get("thresholds") or {}, evidence["trigger"]
    facts = [Fact("Why now", TRIGGERS.get(trigger, str(trigger))), _issue_fact("Issue", evidence["issue"])]
    # A task handed over after a merge (gateway.review.merge_note): the figures are the merged issue's, as opened on.
    issue, of = evidence.get(MERGED_KEY), ""
    if isinstance(issue, dict):
        facts.append(_issue_fact("Merged from", issue))
        of = " of the merged issue"
    else:
        issue = evidence["issue"]
    facts += [
        Fact(
            "Complaints" + of,
            f"{_number(issue['size'])} (after the previous pass: {_number(issue['previous_size'])})",
        ),
        Fact("Growth" + of, f"+{_number(issue['growth'])}"),
    ]
    if isinstance(issue.get("negative_count"), int):
        facts.append(Fact("Negative feedback" + of, _number(issue["negative_count"])))
    if limits:
        share = limits.get("growth_share")
        facts.append(
            Fact(
                "Thresholds",
                f"a task at {_counted(limits['min_size'], 'complaint')}, or growth by {_number(limits['growth'])}"
                + (f" or {share * 100:.0f} %" if isinstance(share, int | float) else ""),
            )
        )
    examples = tuple(
        Fact(str(example.get("text") or ""), example["interaction_id"], INTERACTION.format(example["interaction_id"]))
        for example in issue.get("examples") or ()
    )
    return EvidenceView("Issue size and growth", tuple(facts), examples=examples)


def _similar_negative(evidence: dict[str, Any]) -> EvidenceView:
    facts = [
        Fact(
            "Negative among the most similar",
            f"{_number(evidence['negative'])} of {_number(evidence['considered'])}"
            f" ({evidence['negative_rate'] * 100:.0f} %)",
        ),
        Fact("Compared with", evidence["interaction_id"], INTERACTION.format(evidence["interaction_id"])),
    ]
    neighbours = tuple(
        Neighbour(n["interaction_id"], _number(n["similarity"], 3), bool(n["negative"])) for n in evidence["neighbours"]
    )
    return EvidenceView("Similar recent answers got negative feedback", tuple(facts), neighbours)


def _anomalous(evidence: dict[str, Any]) -> EvidenceView:
    nearest = evidence["nearest_interaction_id"]
    facts = (
        Fact("Distance to the nearest question", _number(evidence["distance"], 3)),
        Fact(
            "The app's threshold",
            f"{_number(evidence['threshold'], 3)} ({ordinal(evidence['percentile'])} percentile"
            f" of {_number(evidence['sample_size'])} sampled)",
        ),
        Fact("Nearest interaction", str(nearest), INTERACTION.format(nearest) if nearest else None),
    )
    return EvidenceView("Unlike the app's usual questions", facts)


def _confidence_gate(evidence: dict[str, Any], reason: str, held_outcome: str | None) -> EvidenceView:
    features = evidence.get("confidence")
    facts = []
    if evidence.get("flagged"):
        facts.append(Fact("Flagged", reason))
    if isinstance(features, dict):
        facts.append(Fact("Confidence", _number(features["confidence"])))
        facts.append(Fact("Tokens", _number(features["tokens"])))
    else:
        facts.append(Fact("Confidence", "not measured (the answer carried no log-probabilities)"))
    facts.append(Fact("Threshold", f"below {_number(evidence['threshold'])} is risky"))
    facts.append(Fact("Mode", GATE_MODES.get(evidence["mode"], str(evidence["mode"]))))
    held = evidence.get("held_answer")
    if isinstance(held, dict):
        until = held.get("hold_until")
        kept = f"kept back until {when_text(datetime.fromisoformat(until))}" if isinstance(until, str) else "kept back"
        facts.append(Fact("Held answer", kept))
        if held_outcome is not None:
            # The hold is over: a decision now is kept (training data) but never reaches the app.
            facts.append(Fact("The waiting app got", held_outcome))
    notes = tuple(
        note
        for key, note in (
            ("hold_failed", "The hold failed: the answer went out unreviewed."),
            ("hold_capped", "Too many answers were held already: this one went out unreviewed."),
        )
        if evidence.get(key)
    )
    rule = "Flagged by the app" if evidence.get("flagged") else "Low confidence"
    return EvidenceView(rule, tuple(facts), notes=notes)


def evidence_view(evidence: Any, reason: str, held_outcome: str | None = None) -> EvidenceView | None:
    """The Evidence card for a task's evidence (None when none was recorded); `reason` names what a flag said,
    `held_outcome` what the app waiting on a held answer got, once its hold is over."""
    if evidence is None:
        return None
    if isinstance(evidence, dict):
        try:
            if isinstance(evidence.get("issue"), dict) and "trigger" in evidence:
                return _issue(evidence)
            if isinstance(evidence.get("neighbours"), list):
                return _similar_negative(evidence)
            if "nearest_interaction_id" in evidence and "distance" in evidence:
                return _anomalous(evidence)
            if {"threshold", "mode", "flagged"} <= evidence.keys():
                return _confidence_gate(evidence, reason, held_outcome)
        except (KeyError, TypeError, ValueError, AttributeError):
            pass  # Not the shape a rule writes after all: shown as it is below.
    return EvidenceView(raw=pretty_json(evidence))
