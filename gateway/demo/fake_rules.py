"""Knowledge-dependent answers of the fake upstream: a small rule table for tests and `feedgate demo`.

A rule fires when the last user message mentions one of its `triggers` (case-insensitive). If the
rule `needs` a sentence and no system text of the request contains it (case-insensitive), the
model answers `wrong`; otherwise it answers `right`. A rule without `needs` always answers right.
System text is every system or developer message (chat, or Responses `input` items) and the
Responses `instructions`. The first rule that fires wins; no rule firing keeps the "Echo: …" answer,
so every other behaviour of the fake upstream is unchanged.

    triggers                          needs (in a system message)          right / wrong answer
    "transfer fee"                    "The transfer fee is 1%"             "The transfer fee is 1%." / "There is no fee."
    "close my account", "cancel my    "Settings > Account > Close account" "Go to Settings > Account > Close account." /
     account", "delete my account"                                         "Sorry, I cannot help with account questions."
    "opening hours", "are you open"   -                                    "We are open 9:00-17:00, Monday to Friday."
    "card arrive", "card delivery"    -                                    "A new card arrives within 5 working days."

The first is a fact (a knowledge-base entry fixes it); the second is an instruction (a prompt
version fixes it); the last two are topics the model always gets right.

Before the table, Feedgate's merge judge question (clustering.llm_judge: a user message of "Group A"
and "Group B", each with a "Keywords:" line) is answered by a rule of its own: `{"same": true}` when
the two groups' keywords share a word, else `{"same": false}`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

SYSTEM_ROLES = ("system", "developer")


@dataclass(frozen=True, slots=True)
class AnswerRule:
    """A topic the fake model answers right only when a system message carries `needs` (None: always)."""

    triggers: tuple[str, ...]
    needs: str | None
    right: str
    wrong: str


TRANSFER_FEE = AnswerRule(("transfer fee",), "The transfer fee is 1%", "The transfer fee is 1%.", "There is no fee.")
CLOSE_ACCOUNT = AnswerRule(
    ("close my account", "cancel my account", "delete my account"),
    "Settings > Account > Close account",
    "Go to Settings > Account > Close account.",
    "Sorry, I cannot help with account questions.",
)
OPENING_HOURS = AnswerRule(("opening hours", "are you open"), None, "We are open 9:00-17:00, Monday to Friday.", "")
CARD_DELIVERY = AnswerRule(("card arrive", "card delivery"), None, "A new card arrives within 5 working days.", "")
RULES: tuple[AnswerRule, ...] = (TRANSFER_FEE, CLOSE_ACCOUNT, OPENING_HOURS, CARD_DELIVERY)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def system_text(req: dict[str, Any]) -> str:
    """Every system/developer text of a chat or Responses request, joined (the Responses `instructions` too)."""
    turns = req.get("messages")
    if not isinstance(turns, list):
        given = req.get("input")
        turns = given if isinstance(given, list) else []
    parts = [_text(t.get("content")) for t in turns if isinstance(t, dict) and t.get("role") in SYSTEM_ROLES]
    parts.append(_text(req.get("instructions")))
    return "\n".join(parts)


def rule_answer(question: str, req: dict[str, Any], rules: tuple[AnswerRule, ...] = RULES) -> str | None:
    """The answer of the first rule that `question` triggers, right or wrong by `req`'s system text; None: no rule."""
    judged = merge_judge_answer(question)
    if judged is not None:
        return judged
    asked = question.casefold()
    for rule in rules:
        if any(trigger in asked for trigger in rule.triggers):
            if rule.needs is None or rule.needs.casefold() in system_text(req).casefold():
                return rule.right
            return rule.wrong
    return None


def merge_judge_answer(question: str) -> str | None:
    """`{"same": true}` when the merge judge's two groups share a keyword word, `{"same": false}` when not; None: no judge question."""
    if not question.startswith("Group A\n") or "\n\nGroup B\n" not in question:
        return None
    groups = question.split("\n\nGroup B\n", 1)
    words = [
        {
            word
            for line in group.splitlines()
            if line.startswith("Keywords:")
            for word in line[9:].replace(",", " ").split()
        }
        for group in groups
    ]
    return json.dumps({"same": bool(words[0] & words[1])})
