"""Several gateway processes on one `spool_path`: each writes its own spool, and a dead one's rows are adopted."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway.recording.spool import Spool
from gateway.recording.spool_claim import (
    ClaimedSpool,
    claim_spool,
    lock_path,
    process_spool_path,
)

START = datetime(2026, 1, 1, tzinfo=UTC)

# A process that claims the spool, spools two rows, and is killed (no clean-up code runs).
DIES_WITH_ROWS_SPOOLED = """
import os, signal, sys
from datetime import UTC, datetime
from pathlib import Path
from gateway.recording.spool_claim import claim_spool
claimed = claim_spool(Path(sys.argv[1]))
rows = [{"id": f"dead-{n}", "created_at": datetime(2026, 1, 1, tzinfo=UTC), "app": "a"} for n in range(2)]
claimed.spool.append(rows)
print(claimed.spool.path, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def row(n: int) -> dict[str, Any]:
    return {"id": f"row-{n}", "created_at": START + timedelta(seconds=n), "app": "support-bot"}


def ids(spool: Spool) -> list[str]:
    return [r["id"] for batch in spool.read_batches(100) for r in batch]


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return tmp_path / "spool" / "feedgate.spool.jsonl"


@pytest.fixture
def claims() -> Iterator[list[ClaimedSpool]]:
    """Claims made in the test, released afterwards."""
    made: list[ClaimedSpool] = []
    yield made
    for claimed in made:
        claimed.release()


def claim(base: Path, claims: list[ClaimedSpool], pid: int | None = None) -> ClaimedSpool:
    claimed = claim_spool(base, pid)
    claims.append(claimed)
    return claimed


def spool_left_by_a_killed_process(base: Path) -> Path:
    result = subprocess.run(
        [sys.executable, "-c", DIES_WITH_ROWS_SPOOLED, str(base)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == -9, result.stderr
    return Path(result.stdout.strip())


def test_a_lone_process_writes_the_configured_spool(base: Path, claims: list[ClaimedSpool]):
    claimed = claim(base, claims)

    assert claimed.spool.path == base


def test_a_second_live_process_writes_a_spool_named_after_its_pid(base: Path, claims: list[ClaimedSpool]):
    claim(base, claims)

    second = claim(base, claims, pid=4242)

    assert second.spool.path == process_spool_path(base, 4242) == base.with_name("feedgate.spool.4242.jsonl")


def test_a_live_process_keeps_its_rows(base: Path, claims: list[ClaimedSpool]):
    first = claim(base, claims)
    first.spool.append([row(1), row(2)])

    second = claim(base, claims, pid=4242)

    assert second.adopted_rows == 0
    assert ids(first.spool) == ["row-1", "row-2"]
    assert second.spool.is_empty()


def test_the_next_process_replays_the_configured_spool_once_its_writer_is_gone(base: Path, claims: list[ClaimedSpool]):
    first = claim(base, claims)
    first.spool.append([row(1)])
    first.release()

    successor = claim(base, claims)

    # The same file: its writer finds it non-empty and replays it.
    assert successor.spool.path == base
    assert ids(successor.spool) == ["row-1"]


def test_rows_spooled_by_a_killed_worker_are_adopted_by_a_new_one(base: Path, claims: list[ClaimedSpool]):
    holder = claim(base, claims)  # a live sibling holds the configured file, so the victim gets its own
    holder.spool.append([row(1)])
    orphan = spool_left_by_a_killed_process(base)
    assert orphan != base and orphan.exists()

    replacement = claim(base, claims, pid=4242)

    assert ids(replacement.spool) == ["dead-0", "dead-1"]
    assert (replacement.adopted_rows, replacement.adopted_files) == (2, [orphan])
    assert not orphan.exists() and not lock_path(orphan).exists()
    assert ids(holder.spool) == ["row-1"]  # the live sibling's rows stay where they are


def test_a_killed_lone_process_leaves_its_rows_to_the_next(base: Path, claims: list[ClaimedSpool]):
    orphan = spool_left_by_a_killed_process(base)
    assert orphan == base

    successor = claim(base, claims)

    assert successor.spool.path == base
    assert ids(successor.spool) == ["dead-0", "dead-1"]


def test_an_empty_per_process_spool_leaves_no_files_behind(base: Path, claims: list[ClaimedSpool]):
    claim(base, claims)
    second = claim(base, claims, pid=os.getpid() + 100_000)

    second.release()

    assert sorted(path.name for path in base.parent.iterdir()) == ["feedgate.spool.jsonl.lock"]


def test_processes_with_the_same_pid_in_other_containers_still_get_spools_of_their_own(
    base: Path, claims: list[ClaimedSpool]
):
    # Replicas sharing a spool volume each run as pid 1 in their own container.
    first, second, third = (claim(base, claims, pid=1) for _ in range(3))

    paths = {first.spool.path, second.spool.path, third.spool.path}
    assert len(paths) == 3
    assert base in paths and process_spool_path(base, 1) in paths


def test_a_spool_folder_that_cannot_be_made_does_not_stop_the_gateway(tmp_path: Path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the spool folder should be")

    claimed = claim_spool(blocked / "feedgate.spool.jsonl")

    # The gateway still starts; spooling fails (and the writer keeps rows in memory) only if the database does.
    assert claimed.spool.path == blocked / "feedgate.spool.jsonl"
    claimed.release()


def test_a_spool_folder_deleted_under_a_live_process_is_not_shared_with_a_process_started_after(
    base: Path, claims: list[ClaimedSpool]
):
    first = claim(base, claims)
    shutil.rmtree(base.parent)  # its lock file goes with it; the process holds a lock on nothing
    second = claim(base, claims, pid=4242)  # a `serve` started afterwards

    first.spool.append([row(1)])
    second.spool.append([row(2)])

    assert first.spool.path != second.spool.path
    assert ids(first.spool) == ["row-1"] and ids(second.spool) == ["row-2"]


def test_a_live_process_takes_back_the_lock_of_its_deleted_spool_folder(base: Path, claims: list[ClaimedSpool]):
    first = claim(base, claims)
    shutil.rmtree(base.parent)

    first.spool.append([row(1)])
    second = claim(base, claims, pid=4242)

    assert first.spool.path == base and ids(first.spool) == ["row-1"]
    assert second.spool.path != base and second.adopted_rows == 0


def test_a_process_whose_lock_file_was_removed_leaves_the_next_holders_lock_alone(
    base: Path, claims: list[ClaimedSpool]
):
    holder = claim(base, claims)
    first = claim(base, claims, pid=111)
    shutil.rmtree(base.parent)
    holder.spool.append([row(1)])  # takes its own lock back
    second = claim(base, claims, pid=111)  # the same name: its lock file was gone
    assert second.spool.path == process_spool_path(base, 111)

    first.release()
    third = claim(base, claims, pid=111)

    assert third.spool.path != second.spool.path
