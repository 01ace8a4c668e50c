"""An append-only local file that holds interaction rows while the database is away."""

from __future__ import annotations

import os
from collections.abc import Generator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from gateway.exact_json import dumps_exact, loads_exact

Row = dict[str, Any]


def _private(path: str, flags: int) -> int:
    """Open `path`, creating it readable by its owner only: spooled rows are users' prompts and answers."""
    return os.open(path, flags, 0o600)


class Spool:
    """Rows as JSON lines, appended and fsynced, read back in the order written (numbers exactly).

    Blocking file I/O: the writer calls these methods from a worker thread.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def append(self, rows: list[Row]) -> None:
        """Append rows durably."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = b"".join(dumps_exact(row, default=str) + b"\n" for row in rows)
        with open(self.path, "ab+", opener=_private) as file:
            # A line torn by a crash must not swallow the first row written after it.
            if file.seek(0, os.SEEK_END) > 0:
                file.seek(-1, os.SEEK_END)
                if file.read(1) != b"\n":
                    data = b"\n" + data
            file.write(data)
            file.flush()
            os.fsync(file.fileno())

    def writable(self) -> bool:
        """Whether rows could be appended now: the file, or the nearest folder there is on its way, is writable."""
        if self.path.exists():
            return os.access(self.path, os.W_OK)
        folder = self.path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        return os.access(folder, os.W_OK | os.X_OK)

    def is_empty(self) -> bool:
        """Whether nothing waits to be replayed."""
        try:
            return self.path.stat().st_size == 0
        except (FileNotFoundError, NotADirectoryError):  # no file, or its folder is not one: nothing spooled
            return True

    def size_bytes(self) -> int:
        """The spool file's size in bytes (0 when there is none)."""
        try:
            return self.path.stat().st_size
        except (FileNotFoundError, NotADirectoryError):
            return 0

    def read_batches(self, batch_size: int) -> Generator[list[Row]]:
        """Spooled rows in batches, oldest first.

        A line torn by a crash mid-write is skipped: it was never acknowledged
        as spooled, and every complete line around it is kept.
        """
        if self.is_empty():
            return
        batch: list[Row] = []
        with self.path.open("rb") as file:
            for line in file:
                try:
                    row = loads_exact(line)
                except orjson.JSONDecodeError:
                    continue
                row["created_at"] = datetime.fromisoformat(row["created_at"])
                batch.append(row)
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
        if batch:
            yield batch

    def clear(self) -> None:
        """Forget everything spooled (after a complete replay)."""
        self.path.unlink(missing_ok=True)
