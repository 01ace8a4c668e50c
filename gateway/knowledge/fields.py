"""Checking an entry's fields as a person wrote them: InvalidQuery names the field and says what to fix."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any

from gateway.domain.blank_text import blank_message, refuse_blank, says_nothing, without_blank_ends
from gateway.domain.errors import InvalidQuery
from gateway.domain.quoting import quoted
from gateway.domain.stored_text import refuse_nul

MAX_APP = 200
MAX_TITLE = 300
MAX_CONTENT = 20_000
MAX_QUESTIONS = 20
MAX_QUESTION = 1_000
MAX_TAGS = 20
# Tags are labels: letters, digits, spaces and . : / + _ - (no quotes, which keeps tag search exact).
TAG = re.compile(r"[\w .:/+-]{1,50}")
# The versions column is a 32-bit integer: a larger number is a 500 on PostgreSQL and an
# OverflowError on SQLite, so it is refused here, for the API and the admin pages alike.
MAX_VERSION = 2**31 - 1
# What a blank field's refusal asks for instead.
_WANTED = {
    "app": "name the app (as its calls are recorded)",
    "title": "give the entry a title",
    "content": "write what the entry says",
    "example_questions": "write the question, or leave it out",
    "tags": "give the tag a name, or leave it out",
}


@dataclass(frozen=True, slots=True)
class EntryToCreate:
    """A new entry as asked for, before its fields are checked (KnowledgeService.new_entry checks them): its app and
    fields, who creates it, and what its audit record's `detail` adds (e.g. the review task it resolves)."""

    app: str
    title: str
    content: str
    example_questions: Sequence[str] = ()
    tags: Sequence[str] = ()
    active: bool = True
    _: KW_ONLY
    author: str
    detail: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class EntryFields:
    """The fields a version keeps, checked and trimmed."""

    title: str
    content: str
    example_questions: tuple[str, ...]
    tags: tuple[str, ...]
    active: bool


def checked_app(app: str) -> str:
    """The app name, trimmed (of whitespace only: it names the app as its calls do); refuses a blank (by the one rule,
    zero-width spaces included) or overlong one."""
    return _text("app", app, MAX_APP, str.strip)


def checked_title(title: str) -> str:
    """The title, trimmed; refuses an empty or overlong one."""
    return _text("title", title, MAX_TITLE)


def checked_content(content: str) -> str:
    """The content, trimmed; refuses an empty or overlong one."""
    return _text("content", content, MAX_CONTENT)


def checked_questions(questions: Sequence[str]) -> tuple[str, ...]:
    """Example questions, trimmed, duplicates dropped (first kept); each must say something."""
    if isinstance(questions, str):
        raise InvalidQuery("example_questions", "example_questions must be a list of strings, not one string")
    if len(questions) > MAX_QUESTIONS:
        raise InvalidQuery("example_questions", f"at most {MAX_QUESTIONS} example_questions, got {len(questions)}")
    checked = [_text(f"example_questions[{position}]", text, MAX_QUESTION) for position, text in enumerate(questions)]
    return tuple(dict.fromkeys(checked))


def checked_tags(tags: Sequence[object]) -> tuple[str, ...]:
    """Tags, trimmed, duplicates dropped; each 1-50 letters, digits, spaces or . : / + _ -."""
    if isinstance(tags, str):
        raise InvalidQuery("tags", "tags must be a list of strings, not one string")
    if len(tags) > MAX_TAGS:
        raise InvalidQuery("tags", f"at most {MAX_TAGS} tags, got {len(tags)}")
    checked: list[str] = []
    for position, tag in enumerate(tags):
        if isinstance(tag, str):
            refuse_blank(f"tags[{position}]", tag, _WANTED["tags"])
            # By the one rule: str.strip kept a U+200B end, and the tag was refused for a character it may not hold.
            tag = without_blank_ends(tag)
        if not isinstance(tag, str) or not TAG.fullmatch(tag):
            message = f"tags[{position}] {quoted(tag)} must be 1-50 letters, digits, spaces or . : / + _ - characters"
            raise InvalidQuery(f"tags[{position}]", message)
        checked.append(tag)
    return tuple(dict.fromkeys(checked))


def checked_version(version: object, field: str = "version") -> int:
    """A version number as sent: a whole number from 1 to MAX_VERSION, or its digits (as a form sends them)."""
    number = version.strip() if isinstance(version, str) else version
    if isinstance(number, str) and number.isascii() and number.isdigit():
        number = int(number)
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_VERSION:
        sent = "nothing" if version is None or version == "" else quoted(version)
        raise InvalidQuery(field, f"{field} must be a whole number from 1 to {MAX_VERSION}, got {sent}")
    return number


def _text(field: str, value: str, limit: int, trimmed: Callable[[str], str] = without_blank_ends) -> str:
    """`value` trimmed; by default of every blank character, zero-width ones included (gateway.domain.blank_text)."""
    if not isinstance(value, str):
        raise InvalidQuery(field, f"{field} must be a string")
    refuse_nul(field, value)
    # Blank by the one rule whatever the trimming: an app of zero-width spaces (str.strip keeps U+200B) names none.
    if says_nothing(value):
        raise InvalidQuery(field, blank_message(field, _WANTED[field.split("[", 1)[0]]))
    value = trimmed(value)
    if len(value) > limit:
        raise InvalidQuery(field, f"{field} must be at most {limit} characters, got {len(value)}")
    return value
