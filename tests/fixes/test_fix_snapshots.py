"""Fix snapshots: reloaded per app when its revision moves, kept when the store fails."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from gateway.fixes.snapshots import FixSnapshots
from gateway.store.fix_revisions import bump_revision, revisions


async def bump(engine, kind: str, app: str) -> None:
    async with engine.begin() as connection:
        await bump_revision(connection, kind, app)


async def test_revisions_count_up_per_kind_and_app(engine):
    await bump(engine, "knowledge", "a")
    await bump(engine, "knowledge", "a")
    await bump(engine, "knowledge", "b")
    await bump(engine, "prompts", "a")

    assert await revisions(engine, "knowledge") == {"a": 2, "b": 1}
    assert await revisions(engine, "prompts") == {"a": 1}


async def test_only_apps_whose_revision_moved_are_reloaded(engine):
    loads: list[str] = []

    async def load(app: str) -> str:
        loads.append(app)
        return f"{app}-{len(loads)}"

    snapshots = FixSnapshots(engine, "knowledge", load, interval=60)
    await bump(engine, "knowledge", "a")
    await bump(engine, "knowledge", "b")
    await snapshots.refresh()
    await bump(engine, "knowledge", "b")
    await snapshots.refresh()

    assert loads == ["a", "b", "b"]
    assert snapshots.get("a") == "a-1" and snapshots.get("b") == "b-3"
    assert snapshots.get("c") is None


async def test_an_app_whose_fixes_are_gone_loses_its_snapshot(engine):
    present = {"a": "entries"}

    async def load(app: str) -> str | None:
        return present.get(app)

    snapshots = FixSnapshots(engine, "knowledge", load, interval=60)
    await bump(engine, "knowledge", "a")
    await snapshots.refresh()
    present.clear()
    await bump(engine, "knowledge", "a")
    await snapshots.refresh()

    assert snapshots.get("a") is None
    assert snapshots.apps() == frozenset()


async def test_a_failing_load_keeps_the_last_snapshot_and_retries(engine):
    fail = False

    async def load(app: str) -> str:
        if fail:
            raise ConnectionError("store down")
        return "v1"

    snapshots = FixSnapshots(engine, "prompts", load, interval=60)
    await bump(engine, "prompts", "a")
    await snapshots.refresh()
    fail = True
    await bump(engine, "prompts", "a")
    with contextlib.suppress(ConnectionError):
        await snapshots.refresh()

    assert snapshots.get("a") == "v1"
    fail = False
    await snapshots.refresh()
    assert snapshots.get("a") == "v1"  # reloaded (the same content), now at the new revision


async def test_an_outage_logs_one_line_and_a_real_failure_its_traceback(engine, caplog):
    failures = [ConnectionRefusedError("connection refused"), KeyError("a bug in the loader")]
    both_logged = asyncio.Event()

    async def load(app: str) -> str:
        if not failures:
            both_logged.set()  # the third refresh: the two before it have logged their failures
            return "v1"
        raise failures.pop(0)

    snapshots = FixSnapshots(engine, "prompts", load, interval=0.01)
    await bump(engine, "prompts", "a")
    with caplog.at_level(logging.WARNING, logger="feedgate.fixes"):
        snapshots.start()
        await asyncio.wait_for(both_logged.wait(), 10)
        await snapshots.close()

    outage, bug = caplog.records
    assert "database unavailable" in outage.getMessage() and outage.exc_info is None
    assert bug.exc_info is not None and isinstance(bug.exc_info[1], KeyError)


async def test_one_app_that_fails_to_load_does_not_keep_the_other_apps_stale(engine):
    # An app whose fixes cannot be loaded (say an entry its embeddings endpoint refuses, every time) must not
    # hold back every app the round would have reached after it.
    async def load(app: str) -> str:
        if app.startswith("broken"):
            raise ValueError(f"cannot embed {app}'s entries")
        return f"{app} loaded"

    snapshots = FixSnapshots(engine, "knowledge", load, interval=60)
    for app in ("broken-1", "good-1", "broken-2", "good-2"):
        await bump(engine, "knowledge", app)

    with contextlib.suppress(ValueError):
        await snapshots.refresh()

    assert (snapshots.get("good-1"), snapshots.get("good-2")) == ("good-1 loaded", "good-2 loaded")
    assert snapshots.get("broken-1") is None and snapshots.get("broken-2") is None
