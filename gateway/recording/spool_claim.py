"""Which spool file a gateway process writes, when several processes share one `spool_path`.

Each process holds an exclusive `flock` on `<spool>.lock` for as long as it runs. The kernel drops
that lock when the process ends however it ends (exit, crash, SIGKILL), so "I can lock it" means
"no live process writes this spool". A process:

1. claims the configured file (`feedgate.spool.jsonl`) when no live process holds it, else a
   sibling named after its pid (`feedgate.spool.<pid>.jsonl`; another number when that is held,
   as in containers that share a spool volume and their pids): a single `serve` keeps the one
   path it always had, and every worker of `serve --workers N` gets a file of its own;
2. adopts every other spool in that folder (the configured file or a `<pid>` sibling) that no live
   process holds: it copies their rows into its own spool (fsynced), then deletes them, so its
   writer replays them with its own rows once the database answers. A worker that died with rows
   spooled (uvicorn starts a replacement; the next `serve` starts new ones) therefore loses
   nothing. A crash mid-adoption leaves a row in both files at worst; replay is idempotent on
   the interaction id, so it is stored once;
3. before each write to its spool (an append, the removal after a replay), checks that its lock
   file is still the one it locked. Deleting the spool folder while gateways run removes their
   lock files, and a `serve` started afterwards claimed the very file a live worker still wrote:
   the live process now takes its lock back, or, when another process has claimed that name
   meanwhile, moves to a free one (and says so), so no two processes ever write one file.

Blocking file I/O: call `claim_spool` from a worker thread.
"""

from __future__ import annotations

import fcntl
import itertools
import logging
import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from gateway.recording.spool import Spool

logger = logging.getLogger("feedgate.writer")

LOCK_SUFFIX = ".lock"
# Rows copied per batch when adopting another process's spool (bounded memory for big spools).
ADOPT_BATCH = 1000


@dataclass
class ClaimedSpool:
    """This process's spool and the lock that keeps it this process's; `release` when the writer has closed."""

    spool: Spool
    # The configured spool path (`spool` is it, or this process's sibling of it).
    base: Path
    # Rows moved in from spools that dead processes left behind.
    adopted_rows: int = 0
    adopted_files: list[Path] = field(default_factory=list)
    _lock: IO[bytes] | None = None
    # Names a sibling spool when this process must move to one (see `keep`).
    pid: int = field(default_factory=os.getpid)

    def __post_init__(self) -> None:
        self.spool = _HeldSpool(self.spool.path, self.keep)

    def keep(self) -> None:
        """Make sure this process still holds its spool: take the lock back, or move, if its lock file was removed."""
        if self._lock is None or _holds(self._lock, self.spool.path):
            return
        self._lock.close()
        lost = self.spool.path
        self.spool.path, self._lock = _lock_free_name(self.base, self.pid, first=lost)
        if self.spool.path == lost:
            logger.warning("the lock file of spool %s was removed (its folder deleted?); took it back", lost)
        else:
            logger.warning(
                "the lock file of spool %s was removed (its folder deleted?) and another process has claimed that "
                "name since; this process now spools to %s",
                lost, self.spool.path,
            )  # fmt: skip

    def release(self) -> None:
        """Let another process claim this spool (the lock also goes when the process ends)."""
        if self._lock is None:
            return
        # Not when the lock file was removed under us: the one there now may be another process's.
        if self.spool.path != self.base and self.spool.is_empty() and _holds(self._lock, self.spool.path):
            # Nothing left to replay: this process's own lock file would only pile up.
            lock_path(self.spool.path).unlink(missing_ok=True)
        self._lock.close()
        self._lock = None


class _HeldSpool(Spool):
    """A spool that checks, before each write, that this process still holds it (`ClaimedSpool.keep`)."""

    def __init__(self, path: Path, keep: Callable[[], None]) -> None:
        super().__init__(path)
        self._keep = keep

    def append(self, rows: list[dict[str, Any]]) -> None:
        """Append rows durably, to this process's own file."""
        self._keep()
        super().append(rows)

    def clear(self) -> None:
        """Forget everything spooled (after a complete replay), never another process's file."""
        self._keep()
        super().clear()


def _holds(lock: IO[bytes], spool_path: Path) -> bool:
    """Whether `lock` (locked) is still the lock file of `spool_path`, not a removed one."""
    try:
        return os.stat(lock_path(spool_path)).st_ino == os.fstat(lock.fileno()).st_ino
    except FileNotFoundError:
        return False


def lock_path(spool_path: Path) -> Path:
    """The file whose lock says a live process owns `spool_path`."""
    return spool_path.with_name(spool_path.name + LOCK_SUFFIX)


def process_spool_path(base: Path, pid: int) -> Path:
    """The spool of process `pid` when `base` is taken: `feedgate.spool.jsonl` -> `feedgate.spool.<pid>.jsonl`."""
    return base.with_name(f"{base.stem}.{pid}{base.suffix}")


def sibling_spools(base: Path) -> list[Path]:
    """`base` (when it exists) and every per-process spool beside it that has a file or a lock file."""
    if not base.parent.is_dir():
        return []
    pattern = re.compile(rf"({re.escape(base.stem)}\.\d+{re.escape(base.suffix)})(?:{re.escape(LOCK_SUFFIX)})?")
    found = {base.with_name(match[1]) for path in base.parent.iterdir() if (match := pattern.fullmatch(path.name))}
    if base.exists():
        found.add(base)
    return sorted(found)


def _try_lock(spool_path: Path) -> IO[bytes] | None:
    """The open, exclusively locked lock file of `spool_path`, or None when a live process holds it."""
    spool_path.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(spool_path)
    while True:
        handle = path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        # An adopter may have deleted the lock file between our open and our lock: a lock on a
        # deleted file guards nothing, so take the file that is there now.
        if _holds(handle, spool_path):
            return handle
        handle.close()


def claim_spool(base: Path, pid: int | None = None) -> ClaimedSpool:
    """Claim `base` (or this process's sibling of it) and adopt the spools no live process holds."""
    try:
        return _claim(Path(base), os.getpid() if pid is None else pid)
    except OSError as exc:
        # A folder the gateway may not write to: it serves all the same (as it did before spools were
        # claimed) and says so now, not when the database first fails.
        logger.warning("cannot claim a spool beside %s (%s); spooling there unclaimed if the database fails", base, exc)
        return ClaimedSpool(Spool(Path(base)), Path(base))


def _lock_free_name(base: Path, pid: int, first: Path) -> tuple[Path, IO[bytes]]:
    """`first`, or when a live process holds it a sibling spool no live process holds, and its lock."""
    own = first
    lock = _try_lock(own)
    # Taken: a sibling named after our pid, or (containers sharing a volume share pids too) another number.
    numbers = itertools.chain([pid], (random.randrange(10**9) for _ in range(100)))
    while lock is None:
        number = next(numbers, None)
        if number is None:  # pragma: no cover - a hundred random names all held
            raise RuntimeError(f"could not claim a spool beside {base}")
        own = process_spool_path(base, number)
        lock = _try_lock(own)
    return own, lock


def _claim(base: Path, pid: int) -> ClaimedSpool:
    own, lock = _lock_free_name(Path(base), pid, first=Path(base))
    claimed = ClaimedSpool(Spool(own), Path(base), _lock=lock, pid=pid)
    for other in sibling_spools(Path(base)):
        if other != own:
            try:
                _adopt(other, claimed)
            except OSError as exc:  # its rows stay where they are, for a later process to adopt
                logger.warning("could not adopt spool %s: %s", other, exc)
    if claimed.adopted_files:
        logger.info(
            "adopted %d spooled interactions from %s; they are replayed with this process's spool",
            claimed.adopted_rows, ", ".join(str(path) for path in claimed.adopted_files),
        )  # fmt: skip
    return claimed


def _adopt(orphan_path: Path, claimed: ClaimedSpool) -> None:
    """Move `orphan_path`'s rows into our spool if no live process holds it."""
    lock = _try_lock(orphan_path)
    if lock is None:
        return  # a live process writes it: it will replay its own spool
    try:
        orphan = Spool(orphan_path)
        moved = 0
        # Gone already (another process adopted it between our listing and our lock): nothing to do.
        if orphan_path.exists():
            for batch in orphan.read_batches(ADOPT_BATCH):
                claimed.spool.append(batch)
                moved += len(batch)
            orphan.clear()
            claimed.adopted_files.append(orphan_path)
            claimed.adopted_rows += moved
        if orphan_path != claimed.base:
            # A per-process lock file would pile up, one per worker ever started; the configured
            # file's lock stays for the next claimant.
            lock_path(orphan_path).unlink(missing_ok=True)
    finally:
        lock.close()
