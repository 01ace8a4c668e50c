"""The SQLite database a gateway creates holds its secrets and every call: readable by its owner only."""

from __future__ import annotations

import os
from pathlib import Path

from gateway.store.migrate import upgrade_database


def modes(folder: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mode & 0o777 for path in folder.iterdir()}


def test_a_new_database_and_its_wal_files_are_readable_by_their_owner_only(tmp_path):
    previous = os.umask(0o022)
    try:
        upgrade_database(f"sqlite+aiosqlite:///{tmp_path / 'feedgate.db'}")
    finally:
        os.umask(previous)

    assert modes(tmp_path)["feedgate.db"] == 0o600
    assert all(mode == 0o600 for mode in modes(tmp_path).values()), modes(tmp_path)


def test_an_existing_database_keeps_the_mode_its_owner_gave_it(tmp_path):
    database = tmp_path / "feedgate.db"
    database.touch(mode=0o640)
    database.chmod(0o640)

    upgrade_database(f"sqlite+aiosqlite:///{database}")

    assert database.stat().st_mode & 0o777 == 0o640
