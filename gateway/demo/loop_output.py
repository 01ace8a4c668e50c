"""What the demo prints of its steps: its tables, and its counts each with its noun (gateway.counted)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.table import Table

from gateway.counted import counted
from gateway.demo.fake_rules import TRANSFER_FEE
from gateway.demo.loop_traffic import Asked


def answers_table(title: str, asked: list[Asked]) -> Table:
    """How many answers per distinct answer text (what the model said)."""
    table = Table(title=title)
    table.add_column("answer")
    table.add_column("times", justify="right")
    for answer, count in Counter(a.answer for a in asked).most_common():
        style = "red" if answer in (TRANSFER_FEE.wrong,) or answer.startswith("Sorry") else "green"
        table.add_row(f"[{style}]{answer}", str(count))
    return table


def feedback_summary(sent: int, downs: int, corrected: int, ups: int, unrated: int) -> str:
    """The end users' feedback in one line: "12 ratings: 9 thumbs-down (4 with a correction), 3 thumbs-up, ..."."""
    return (
        f"{counted(sent, 'rating')}: {downs} thumbs-down ({corrected} with a correction), {ups} thumbs-up, "
        f"{counted(unrated, 'answer')} not rated"
    )


def issues_title(complaints: int) -> str:
    """The title of the clustering pass's issue table: how many complaints it clustered."""
    return f"Issues ({counted(complaints, 'complaint')})"


def preview_title(preview: dict[str, Any]) -> str:
    """The title of a fix preview's table: its id and how many upstream calls it made."""
    return f"Preview {preview['id']} ({counted(preview['counts']['upstream_calls'], 'upstream call')})"


def preview_table(preview: dict[str, Any]) -> Table:
    """A fix preview's answers, before and after, beside the end user's correction."""
    table = Table(title=preview_title(preview))
    for column in ("question", "original answer", "new answer", "end user's correction"):
        table.add_column(column)
    for item in preview["items"]:
        original, new = f"[red]{item['original_answer']}", f"[green]{item['new_answer']}"
        table.add_row(item["question"], original, new, item["correction"] or "")
    return table
