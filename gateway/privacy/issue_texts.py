"""What an issue keeps of removed texts: its title, summary, keywords and centroid, and their copies.

A clustering pass writes an issue's keywords (c-TF-IDF over its members' documents), a title
(from the keywords, or an LLM's from keywords and examples, with a summary) and a centroid (the
mean of the members' vectors). The title, summary and keywords are copied into the rename
events that replaced a title and into the issue's review tasks: the reason quotes the title,
the evidence holds title, summary and keywords, the tags are keywords, and the opened/updated
events keep every earlier reason and evidence (gateway.store.issue_texts reads and writes them).

When interactions (or one end user's feedback) are removed, an issue made from them keeps no
word that only they had. A *term* is a word or two-word phrase as the keywords are counted
(clustering.label.keyword_terms). A term is the removed texts' alone when a removed text holds
it and none of the texts the issue is still made from does (the end-user message, answer and
every feedback comment and correction of its remaining members and of the interactions its
remaining examples name). Then:

- a keyword holding such a term is dropped; the others stay: they are words some remaining
  complaint uses too, an aggregate over those complaints, and the next full pass recomputes them;
- a title holding one becomes the keyword title of the keywords left ("Unlabelled issue" when
  none is), and the summary goes with it; a summary holding one goes (a pass with an LLM titler
  then asks for a new title and summary, since the issue has no summary);
- the same in the copies: a quoted title in a task's reason becomes the issue's title (the rule's
  and a merge note's each on its own: gateway.review.merge_note), the evidence's title, summary
  and keywords (of its issue, and of the merged issue it was opened on) are scrubbed alike, a tag holding one is dropped (never
  the app's own tag), and a rename event loses the title ("from"/"to") that holds one;
- an issue left with neither members nor examples (all it was made from is gone) also loses its
  centroid and admission similarity, a mean of the removed vectors: no pass matches it again,
  and later complaints about the same thing start a new issue. An issue with members left keeps
  its centroid (an average over them, recomputed by the next full pass).

A title a person gave (a rename) is treated like any other: it goes only if it holds such a term.
The check needs the removed texts, so it cannot wait for the end of a removal: a process dying
after some rows went would leave their words with nothing to know them by. Each removal batch
calls `IssueTextCopies.note` and `finish` before its rows go, judging each issue by what it will
be made of without them (a term later batches' texts also hold stays until their turn), so a
removal run again after dying finds the batch's rows still there and does it again. An erasure's
feedback on other people's answers (one transaction) is scrubbed inside that transaction instead.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from clustering.label import keyword_terms, title_from_keywords
from gateway.discovery.items import last_user_message
from gateway.domain.answer_choices import choice_text
from gateway.review.merge_note import MERGED_KEY, merged_reason, reason_parts
from gateway.store.chunks import chunks
from gateway.store.interaction_removal import InteractionTexts, texts_of
from gateway.store.issue_texts import (
    IssueChanges,
    IssueTexts,
    example_index,
    has_members,
    member_links,
    read_issue_texts,
    sources_of,
    write_changes,
)

# The keys of a rename event's detail that hold titles.
TITLE_KEYS = ("from", "to")
# Interactions an issue is still made from, read per query when looking for a term.
SOURCE_CHUNK = 500
# How a rule's reason quotes the issue's title (gateway.review.issue_rule.issue_reason).
OPEN_QUOTE, CLOSE_QUOTE = "\u201c", "\u201d"
# The evidence's issues: the task's, and the one it was opened on when that one was merged away since.
EVIDENCE_ISSUE_KEYS = ("issue", MERGED_KEY)
# Where a phrase of a title or summary ends.
CLAUSE_END = re.compile(r"[,;:.!?]")

Hit = Callable[[Any], bool]


def text_terms(text: Any) -> set[str]:
    """The terms of `text` (words and two-word phrases, as keywords are counted); none for what is not text."""
    if not isinstance(text, str) or not text:
        return set()
    return set(keyword_terms(text))


def terms(text: Any) -> set[str]:
    """The terms of a title, summary, keyword, reason or tag: as `text_terms`, but no phrase spans a comma or a
    sentence's end, so "Card, charged twice" is not taken to say "card charged"."""
    if not isinstance(text, str) or not text:
        return set()
    return text_terms(CLAUSE_END.sub("\n", text))


def interaction_terms(interaction: InteractionTexts, user: AbstractSet[str] | None = None) -> set[str]:
    """The terms an interaction's texts hold: its end user's message, its answer (the recorded one and every choice its
    feedback judges, as a clustering pass reads them), every comment and correction.

    With `user` (the forms one end user's id is stored under), only the comments and corrections they gave on it.
    """
    parts: list[str | None] = []
    if user is None:
        parts += [last_user_message(interaction.request), interaction.response_text]
        judged = sorted({event.choice for event in interaction.feedback})
        parts += [choice_text(interaction.response, interaction.response_text, choice) for choice in judged]
    for event in interaction.feedback:
        if user is None or event.user_id in user:
            parts += [event.comment, event.correction]
    found: set[str] = set()
    for part in parts:
        found |= text_terms(part)
    return found


def _quoted(reason: str) -> tuple[int, int] | None:
    start, end = reason.find(OPEN_QUOTE), reason.rfind(CLOSE_QUOTE)
    return (start + 1, end) if start != -1 and end > start else None


def _issue_json_terms(value: Any) -> set[str]:
    if not isinstance(value, dict):
        return set()
    found = terms(value.get("title")) | terms(value.get("summary"))
    for keyword in value.get("keywords") or ():
        found |= terms(keyword)
    return found


def _quoted_titles(reason: Any) -> list[str]:
    """The titles a reason quotes: the rule's, and the one a merge note names (gateway.review.merge_note)."""
    if not isinstance(reason, str):
        return []
    words, noted = reason_parts(reason)
    found = [words[span[0] : span[1]]] if (span := _quoted(words)) else []
    return found + ([noted] if noted is not None else [])


def _copy_terms(reason: Any, evidence: Any) -> set[str]:
    found: set[str] = set()
    for title in _quoted_titles(reason):
        found |= terms(title)
    if isinstance(evidence, dict):
        for key in EVIDENCE_ISSUE_KEYS:
            found |= _issue_json_terms(evidence.get(key))
    return found


def copy_terms(texts: IssueTexts) -> set[str]:
    """Every term the issue's texts and their copies hold: the only ones a removal needs to look for."""
    found = terms(texts.title) | terms(texts.summary)
    for keyword in texts.keywords:
        found |= terms(keyword)
    for _, detail in texts.renames:
        if isinstance(detail, dict):
            for key in TITLE_KEYS:
                found |= terms(detail.get(key))
    for task in texts.tasks:
        found |= _copy_terms(task.reason, task.evidence)
        for tag in task.tags:
            if tag != task.app:  # never dropped (see plan_changes): no use looking for its words
                found |= terms(tag)
        for _, detail in task.events:
            if isinstance(detail, dict):
                found |= _copy_terms(detail.get("reason"), detail.get("evidence"))
    return found


def _scrubbed_words(words: str, title: str, hit: Hit) -> str:
    if not (span := _quoted(words)) or not hit(words[span[0] : span[1]]):
        return words
    return words[: span[0]] + title + words[span[1] :]


def _scrubbed_reason(reason: Any, title: str, hit: Hit) -> Any:
    """`reason` with each quoted title holding a hit replaced by `title`, a merge note's on its own (kept a note)."""
    if not isinstance(reason, str):
        return reason
    words, noted = reason_parts(reason)
    words = _scrubbed_words(words, title, hit)
    if noted is None:
        return words
    return merged_reason(words, title if hit(noted) else noted)


def _scrubbed_issue_json(value: Any, title: str, hit: Hit) -> Any:
    if not isinstance(value, dict):
        return value
    result = dict(value)
    if hit(result.get("title")):
        result["title"] = title
    if hit(result.get("summary")):
        result["summary"] = None
    if isinstance(result.get("keywords"), list):
        result["keywords"] = [k for k in result["keywords"] if not hit(k)]
    return result


def _scrubbed_evidence(evidence: Any, title: str, hit: Hit) -> Any:
    if not isinstance(evidence, dict):
        return evidence
    scrubbed = {key: _scrubbed_issue_json(evidence[key], title, hit) for key in EVIDENCE_ISSUE_KEYS if key in evidence}
    return {**evidence, **scrubbed} if scrubbed else evidence


def plan_changes(texts: IssueTexts, removed_only: set[str], emptied: bool) -> IssueChanges:
    """What to write so the issue and its copies keep no term of `removed_only`; `emptied`: it was made of nothing left."""

    def hit(text: Any) -> bool:
        return bool(terms(text) & removed_only)

    keywords = [keyword for keyword in texts.keywords if not hit(keyword)]
    title, summary = texts.title, texts.summary
    if hit(title):
        title, summary = title_from_keywords(keywords), None
    if hit(summary):
        summary = None
    values: dict[str, Any] = {}
    if keywords != texts.keywords:
        values["keywords"] = keywords
    if title != texts.title:
        values["title"] = title
    if summary != texts.summary:
        values["summary"] = summary
    if emptied:
        values.update(centroid=None, admission_similarity=None)
    renames = []
    for event_id, detail in texts.renames:
        if isinstance(detail, dict) and any(hit(detail.get(key)) for key in TITLE_KEYS):
            renames.append((event_id, {k: v for k, v in detail.items() if not (k in TITLE_KEYS and hit(v))}))
    tasks, dropped_tags, events = [], [], []
    for task in texts.tasks:
        reason = _scrubbed_reason(task.reason, title, hit)
        evidence = _scrubbed_evidence(task.evidence, title, hit)
        if (reason, evidence) != (task.reason, task.evidence):
            tasks.append((task.id, reason, evidence))
        dropped_tags += [(task.id, tag) for tag in task.tags if tag != task.app and hit(tag)]
        for event_id, detail in task.events:
            if not isinstance(detail, dict):
                continue
            scrubbed = dict(detail)
            if "reason" in scrubbed:
                scrubbed["reason"] = _scrubbed_reason(scrubbed["reason"], title, hit)
            if "evidence" in scrubbed:
                scrubbed["evidence"] = _scrubbed_evidence(scrubbed["evidence"], title, hit)
            if scrubbed != detail:
                events.append((event_id, scrubbed))
    return IssueChanges(texts.id, values, renames, tasks, dropped_tags, events)


class IssueTextCopies:
    """Follows one removal (a prune or an erasure) from its first batch to its end, for the issues it touches."""

    def __init__(self) -> None:
        self._examples: dict[str, set[str]] | None = None
        # Issue id -> every term its texts and copies hold (read when the issue is first touched).
        self._terms: dict[str, set[str]] = {}
        # Issue id -> the terms of those that the removed texts hold.
        self._found: dict[str, set[str]] = {}
        # Every issue a removed interaction (or removed feedback) went into.
        self.touched: set[str] = set()

    async def note(
        self, connection: AsyncConnection, removed: Sequence[InteractionTexts], user: AbstractSet[str] | None = None
    ) -> None:
        """Before `removed` go (with `user`: before that user's feedback on them goes): what their issues got from them.

        Reads the issues that hold them as members or examples, and (once per issue) the terms
        those issues' texts hold; keeps the terms the removed texts hold too.
        """
        if self._examples is None:
            self._examples = await example_index(connection)
        by_id = {interaction.id: interaction for interaction in removed}
        links = await member_links(connection, list(by_id))
        for interaction_id in by_id:
            for issue_id in self._examples.get(interaction_id, ()):
                links.setdefault(issue_id, set()).add(interaction_id)
        if not links:
            return
        self.touched |= links.keys()
        unread = [issue_id for issue_id in links if issue_id not in self._terms]
        if unread:
            read = await read_issue_texts(connection, unread)
            known = await asyncio.to_thread(lambda: {i: copy_terms(read[i]) if i in read else set() for i in unread})
            self._terms.update(known)

        def found() -> dict[str, set[str]]:
            removed_terms: dict[str, set[str]] = {}
            result: dict[str, set[str]] = {}
            for issue_id, interaction_ids in links.items():
                wanted = self._terms.get(issue_id)
                if not wanted:
                    continue
                for interaction_id in interaction_ids:
                    if interaction_id not in removed_terms:
                        removed_terms[interaction_id] = interaction_terms(by_id[interaction_id], user)
                    result.setdefault(issue_id, set()).update(removed_terms[interaction_id] & wanted)
            return result

        for issue_id, held in (await asyncio.to_thread(found)).items():
            self._found.setdefault(issue_id, set()).update(held)

    async def finish(self, database: AsyncEngine | AsyncConnection, leaving: AbstractSet[str] = frozenset()) -> int:
        """Scrub each touched issue and its copies of what only the removed texts had; how many changed.

        Called before the noted rows go, `leaving` names them: the issue is judged by what it will be made
        of once they are gone, so that a removal dying after its rows went has nothing left to scrub. Given a
        connection (a removal's transaction, after its rows went), reads and writes there; given an engine,
        reads a chunk per connection and writes one short transaction per issue that changes.
        """
        changed = 0
        for issue_id in sorted(self.touched):
            looked_for = self._found.get(issue_id, set())
            if looked_for:
                removed_only, emptied = await _removed_only(database, issue_id, looked_for, leaving)
            else:
                removed_only, emptied = set(), await _made_of_nothing(database, issue_id, leaving)
            if not removed_only and not emptied:
                continue
            async with _writing(database) as connection:
                texts = (await read_issue_texts(connection, [issue_id])).get(issue_id)
                if texts is None:
                    continue
                changes = await asyncio.to_thread(plan_changes, texts, removed_only, emptied)
                if changes.empty:
                    continue
                await write_changes(connection, changes)
            changed += 1
        return changed


def _reading(database: AsyncEngine | AsyncConnection) -> AbstractAsyncContextManager[AsyncConnection]:
    return nullcontext(database) if isinstance(database, AsyncConnection) else database.connect()


def _writing(database: AsyncEngine | AsyncConnection) -> AbstractAsyncContextManager[AsyncConnection]:
    return nullcontext(database) if isinstance(database, AsyncConnection) else database.begin()


async def _sources_left(connection: AsyncConnection, issue_id: str, leaving: AbstractSet[str]) -> list[str]:
    return [source for source in await sources_of(connection, issue_id) if source not in leaving]


async def _removed_only(
    database: AsyncEngine | AsyncConnection, issue_id: str, looked_for: set[str], leaving: AbstractSet[str]
) -> tuple[set[str], bool]:
    """Which of `looked_for` no text the issue is still made from (but `leaving`) holds; and whether nothing is
    left it is made from.

    Reads the remaining sources a chunk at a time, and stops once every term was found.
    """
    async with _reading(database) as connection:
        sources = await _sources_left(connection, issue_id, leaving)
    left = set(looked_for)
    for chunk in chunks(sources, SOURCE_CHUNK):
        if not left:
            break
        async with _reading(database) as connection:
            texts = await texts_of(connection, chunk)
        left -= await asyncio.to_thread(_held_by, texts, left)
    return left, not sources


def _held_by(texts: Iterable[InteractionTexts], wanted: set[str]) -> set[str]:
    found: set[str] = set()
    for interaction in texts:
        found |= interaction_terms(interaction) & wanted
    return found


async def _made_of_nothing(database: AsyncEngine | AsyncConnection, issue_id: str, leaving: AbstractSet[str]) -> bool:
    """Whether the issue has no member left but `leaving`, and no example naming another stored interaction."""
    async with _reading(database) as connection:
        if not leaving and await has_members(connection, issue_id):
            return False
        return not await _sources_left(connection, issue_id, leaving)
