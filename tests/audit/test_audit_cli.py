"""`feedgate audit verify`, run as a user would run it, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys

from audit_helpers import delete_row, edit_row


def verify(database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "audit", "verify"],
        env={**os.environ, "FEEDGATE_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_an_empty_log_is_intact(database_url):
    result = verify(database_url)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "audit log intact: 0 records\n"


async def test_an_intact_log_exits_0_with_a_summary(database_url, append_many):
    await append_many(3)

    result = verify(database_url)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "audit log intact: 3 records\n"


async def test_an_edited_record_exits_1_naming_it(database_url, engine, append_many):
    await append_many(3)
    await edit_row(engine, 2, detail={"note": "nothing to see"})

    result = verify(database_url)

    assert result.returncode == 1
    assert "audit log broken at record 2: its contents do not match its hash" in result.stderr
    assert "Traceback" not in result.stderr


async def test_a_deleted_record_exits_1_naming_it(database_url, engine, append_many):
    await append_many(3)
    await delete_row(engine, 2)

    result = verify(database_url)

    assert result.returncode == 1
    assert "audit log broken at record 2: record 2 is missing" in result.stderr
