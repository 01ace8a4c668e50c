"""Copies of removed interactions in the review tasks that outlive them: the SQL and the pure scrubbing.

A task over several interactions survives the removal (erasure or pruning) of some of them, but
its suggested action, its evidence and its events' details quote what it was built from: an
example's question, answer, comment and correction, a correction with the interaction it came
from, an issue example's text, a neighbour's id, a held answer. After the removal, every entry
that names a removed interaction goes:

- a JSON object whose ``interaction_id`` names one (a suggested action's example or correction,
  an issue example, a similar-negative neighbour) is dropped from its list; as the value of a
  key, or as the whole evidence of a rule about that interaction (similar-negative, anomalous),
  it becomes null: its figures were derived from that interaction alone;
- a bare id (``nearest_interaction_id``, an item of ``interaction_ids``) becomes null, or leaves
  its list;
- a held answer (``held_answer``, which names no interaction) belongs to the interaction the
  task was opened with (the confidence gate opens a task with exactly that one): it goes when
  none of the interactions the task was opened with is left, and so does a reviewer's correction
  of it that a decided event keeps exact for the waiting app (``exact_correction``, set to null as
  when the hold ends): it is that end user's answer.

Entries about the interactions still stored are left as they were. A suggested action left
without corrections suggests revising the prompt, as one built without them would. "Removed" is
"named by the task, no longer stored", read inside the caller's transaction right after the
removal, so copies left by an earlier removal go too. Only the tasks the caller names are read:
those that held a removed interaction.

A task also quotes interactions it never held: an interaction is held by one task at most, but
a rule asks for every interaction its finding concerns (an issue's members, a complaint's
negative neighbours), and the suggested action and evidence are built from all of them, the
ones another task holds included. `drop_unheld_copies` finds those tasks after a removal by
reading every task's suggested action and evidence and every opened/updated event's detail
once, a chunk at a time in read-only queries, and scrubs the tasks that name an interaction no
longer stored the same way, a short transaction per chunk.

An erasure also deletes the feedback its user gave on interactions that stay, and the tasks may
quote it (an example's comment and correction, an issue example's clustering document): both
functions take `also`, interactions still stored whose entries go as if they had been removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, Final

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.review.held_answer import EXACT_CORRECTION_KEY, HELD_KEY, keeps_exact_correction
from gateway.review.records import ACTION_LABELS, ActionKind
from gateway.store.chunks import chunks
from gateway.store.interaction_removal import IN_CHUNK, existing_ids, one_of
from gateway.store.tables import review_events, review_task_interactions, review_tasks


class _Drop:
    """Marks a value that named a removed interaction."""


DROP: Final = _Drop()
ID_KEY = "interaction_id"
# Tasks or events read per query by the sweep (their JSON documents are a few KB each).
SWEEP_ROWS = 500
# The events whose detail copies a task's evidence (gateway.review.opening).
EVIDENCE_EVENTS = ("opened", "updated")


def _names_id(key: str) -> bool:
    return key == ID_KEY or key.endswith("_" + ID_KEY)


def named_ids(value: Any) -> set[str]:
    """The interaction ids `value` names: under ``interaction_id``/``…_interaction_id`` keys or in ``interaction_ids``."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and _names_id(key):
                found.add(item)
            elif key == ID_KEY + "s" and isinstance(item, list):
                found.update(i for i in item if isinstance(i, str))
            else:
                found |= named_ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= named_ids(item)
    return found


def scrubbed(value: Any, gone: set[str]) -> Any:
    """`value` without what names an interaction of `gone`, or DROP when all of it did (pure)."""
    if isinstance(value, str):
        return DROP if value in gone else value
    if isinstance(value, list):
        kept = (scrubbed(item, gone) for item in value)
        return [item for item in kept if item is not DROP]
    if isinstance(value, dict):
        if value.get(ID_KEY) in gone:
            return DROP
        result = {}
        for key, item in value.items():
            item = scrubbed(item, gone)
            result[key] = None if item is DROP else item
        return result
    return value


def scrubbed_evidence(evidence: Any, gone: set[str], keeps_held: bool) -> Any:
    """A task's evidence (or an event's copy of it) without `gone`'s entries; its held answer only if `keeps_held`."""
    if not isinstance(evidence, dict) or HELD_KEY not in evidence:
        rest = scrubbed(evidence, gone)
        return None if rest is DROP else rest
    held = evidence[HELD_KEY]
    rest = scrubbed({key: item for key, item in evidence.items() if key != HELD_KEY}, gone)
    if rest is DROP:
        rest = {}
    if keeps_held:
        rest[HELD_KEY] = held
    return rest or None


def scrubbed_action(action: Any, gone: set[str]) -> Any:
    """A suggested action without `gone`'s examples and corrections; a prompt revision when no correction is left."""
    result = scrubbed(action, gone)
    if result is DROP:
        return None
    if (
        isinstance(result, dict)
        and result.get("kind") == ActionKind.KNOWLEDGE_BASE_ENTRY
        and not result.get("corrections")
    ):
        result["kind"] = ActionKind.PROMPT_INSTRUCTIONS.value
        result["label"] = ACTION_LABELS[ActionKind.PROMPT_INSTRUCTIONS]
    return result


def scrubbed_detail(detail: Any, gone: set[str], keeps_held: bool) -> Any:
    """An event's detail without `gone`'s entries; unless `keeps_held`, the evidence it copied loses the held answer
    and a decided event loses the exact correction of it kept for the app."""
    if not keeps_held and keeps_exact_correction(detail):
        detail = {**detail, EXACT_CORRECTION_KEY: None}
    if isinstance(detail, dict) and isinstance(detail.get("evidence"), dict):
        evidence = scrubbed_evidence(detail["evidence"], gone, keeps_held)
        rest = scrubbed({key: item for key, item in detail.items() if key != "evidence"}, gone)
        return {**({} if rest is DROP else rest), "evidence": evidence}
    result = scrubbed(detail, gone)
    return None if result is DROP else result


async def _opened_with_someone_left(connection: AsyncConnection, task_ids: Sequence[str]) -> set[str]:
    """Those of `task_ids` that still hold an interaction they were opened with (linked when the task was created)."""
    link, task = review_task_interactions.c, review_tasks.c
    query = (
        select(link.task_id)
        .join(review_tasks, task.id == link.task_id)
        .where(one_of(connection, link.task_id, task_ids), link.added_at <= task.created_at)
        .distinct()
    )
    return set((await connection.execute(query)).scalars())


async def drop_task_copies(
    connection: AsyncConnection, task_ids: Iterable[str], also: AbstractSet[str] = frozenset()
) -> int:
    """Remove, from these tasks and their events, every copy of an interaction no longer stored, or of one in
    `also` (still stored, but quoting words an erasure took back); how many tasks changed.

    Run inside the removal's transaction, after the interactions and their task links are gone.
    Tasks that no longer exist are skipped. Changed rows are written with one statement per table
    and chunk.
    """
    t, e = review_tasks.c, review_events.c
    changed_tasks = 0
    for chunk in chunks(sorted(set(task_ids)), IN_CHUNK):
        tasks = (
            await connection.execute(
                select(t.id, t.suggested_action, t.evidence).where(one_of(connection, t.id, chunk))
            )
        ).all()
        if not tasks:
            continue
        events = (
            await connection.execute(select(e.id, e.task_id, e.detail).where(one_of(connection, e.task_id, chunk)))
        ).all()
        named: set[str] = set()
        for _, action, evidence in tasks:
            named |= named_ids(action) | named_ids(evidence)
        for _, _, detail in events:
            named |= named_ids(detail)
        gone = await _gone_among(connection, named, also)
        keeps_held = await _opened_with_someone_left(connection, chunk)
        task_rows = []
        for task_id, action, evidence in tasks:
            new_action = scrubbed_action(action, gone)
            new_evidence = scrubbed_evidence(evidence, gone, task_id in keeps_held)
            if (new_action, new_evidence) != (action, evidence):
                task_rows.append({"b_id": task_id, "b_action": new_action, "b_evidence": new_evidence})
        event_rows = []
        for event_id, task_id, detail in events:
            new_detail = scrubbed_detail(detail, gone, task_id in keeps_held)
            if new_detail != detail:
                event_rows.append({"b_id": event_id, "b_detail": new_detail})
        if task_rows:
            statement = (
                update(review_tasks)
                .where(t.id == bindparam("b_id"))
                .values(
                    suggested_action=bindparam("b_action", type_=t.suggested_action.type),
                    evidence=bindparam("b_evidence", type_=t.evidence.type),
                )
            )
            await connection.execute(statement, task_rows)
        if event_rows:
            statement = (
                update(review_events)
                .where(e.id == bindparam("b_id"))
                .values(detail=bindparam("b_detail", type_=e.detail.type))
            )
            await connection.execute(statement, event_rows)
        changed_tasks += len(task_rows)
    return changed_tasks


async def _gone_among(connection: AsyncConnection, named: set[str], also: AbstractSet[str]) -> set[str]:
    """Those of `named` that are no longer stored or are in `also`."""
    return (named - await existing_ids(connection, named)) | (named & also)


async def _tasks_naming_missing(connection: AsyncConnection, also: AbstractSet[str]) -> set[str]:
    """The tasks whose suggested action, evidence or opened/updated events name an interaction no longer stored
    or one of `also`."""
    t, e = review_tasks.c, review_events.c
    found: set[str] = set()
    after_task = ""
    while True:
        query = (
            select(t.id, t.suggested_action, t.evidence)
            .where(t.id > after_task, (t.suggested_action.is_not(None)) | (t.evidence.is_not(None)))
            .order_by(t.id)
            .limit(SWEEP_ROWS)
        )
        rows = (await connection.execute(query)).all()
        if not rows:
            break
        after_task = rows[-1][0]
        named = {task_id: named_ids(action) | named_ids(evidence) for task_id, action, evidence in rows}
        found |= await _missing_among(connection, named, also)
    after_event = 0
    while True:
        query = (
            select(e.id, e.task_id, e.detail)
            .where(e.id > after_event, e.kind.in_(EVIDENCE_EVENTS), e.detail.is_not(None))
            .order_by(e.id)
            .limit(SWEEP_ROWS)
        )
        events = (await connection.execute(query)).all()
        if not events:
            break
        after_event = events[-1][0]
        named = {}
        for _, task_id, detail in events:
            named.setdefault(task_id, set()).update(named_ids(detail))
        found |= await _missing_among(connection, named, also)
    return found


async def _missing_among(connection: AsyncConnection, named: dict[str, set[str]], also: AbstractSet[str]) -> set[str]:
    """Those keys of `named` (task ids) whose named interactions include one no longer stored, or one of `also`."""
    every = set().union(*named.values()) if named else set()
    if not every:
        return set()
    missing = await _gone_among(connection, every, also)
    return {task_id for task_id, ids in named.items() if ids & missing}


async def drop_unheld_copies(engine: AsyncEngine, also: AbstractSet[str] = frozenset()) -> int:
    """After a removal: scrub every task that still names an interaction no longer stored, or one of `also`
    (an erasure's: interactions whose erased feedback the tasks may quote); how many tasks changed.

    The tasks that held a removed interaction were scrubbed with the removal (`drop_task_copies`
    in its transaction); this finds the others, which quote interactions they never held.
    """
    async with engine.connect() as connection:
        tasks = sorted(await _tasks_naming_missing(connection, also))
    changed = 0
    for chunk in chunks(tasks, SWEEP_ROWS):
        async with engine.begin() as connection:
            changed += await drop_task_copies(connection, chunk, also)
    return changed
