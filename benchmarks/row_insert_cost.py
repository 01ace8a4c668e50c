"""What one stored interaction costs SQLite, at this code's schema beside an earlier revision's (its indexes).

The writer's rows go to SQLite in multi-row INSERTs of 64 (gateway/store/interaction_inserts.py);
in SQLite's own thread a row's cost is mostly keeping the table's indexes, so a schema change that
adds or drops one shows here. Two fresh databases, one migrated to --revision and one to head,
take the same rows (UUIDv7-like ids, one app of several, a typical chat request and answer as
JSON), in alternating rounds (the order reversed every other round, so a slow spell of a shared
host falls on both), each round a fresh batch of --rows rows into tables already holding the
rounds before. Plain sqlite3 with the gateway's pragmas (WAL, synchronous NORMAL), so only the
database's work is timed. At a schema with `stored_seq` (0037 on), each transaction also takes its
rows' numbers from `stored_order_heads` and stores them, as gateway/store/stored_order.py does.

    .venv/bin/python benchmarks/row_insert_cost.py [--revision 0023] [--rounds 6] [--rows 20000]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from gateway.store.migrate import upgrade_database  # noqa: E402

PAGE = 64
APPS = ("support-bot", "search", "billing", "onboarding")
REQUEST = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are a helpful banking assistant. Answer briefly."},
        {"role": "user", "content": "My card payment was declined at the shop, why?"},
    ],
}
RESPONSE = {
    "id": "chatcmpl-123",
    "object": "chat.completion",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "A declined card payment can mean..."}}],
    "usage": {"prompt_tokens": 31, "completion_tokens": 12, "total_tokens": 43},
}


def rows(count: int, start: datetime, serial: int) -> list[dict[str, object]]:
    """`count` interactions, a millisecond apart from `start`, as the writer stores them."""
    made = []
    for n in range(count):
        at = start + timedelta(milliseconds=n)
        # UUIDv7 layout: 48 bits of milliseconds first, so ids grow with time as live ones do.
        millis = int(at.timestamp() * 1000)
        random_bits = uuid.uuid4().int & ((1 << 80) - 1)
        row_id = str(uuid.UUID(int=(millis << 80) | (0x7 << 76) | random_bits))
        made.append(
            {
                "id": row_id,
                "created_at": at.isoformat(sep=" "),
                "app": APPS[(serial + n) % len(APPS)],
                "endpoint": "/v1/chat/completions",
                "upstream": "default",
                "model": "gpt-4o-mini",
                "stream": 0,
                "request": json.dumps(REQUEST),
                "response": json.dumps(RESPONSE),
                "response_text": "A declined card payment can mean...",
                "finish_reason": "stop",
                "upstream_response_id": f"chatcmpl-{serial}-{n}",
                "status_code": 200,
                "partial": 0,
                "prompt_tokens": 31,
                "completion_tokens": 12,
                "total_tokens": 43,
                "latency_ms": 1.5,
                "ttfb_ms": 1.2,
                "end_user": f"user-{n % 500}",
            }
        )
    return made


TAKE_NUMBERS = "UPDATE stored_order_heads SET seq = seq + ? WHERE name = 'interactions' RETURNING seq"


def insert_seconds(path: Path, batch: list[dict[str, object]]) -> float:
    """Seconds SQLite takes to store `batch` in pages of 64 rows, a transaction per page (numbered, if the schema is)."""
    numbered = "stored_seq" in column_names(path)
    columns = list(batch[0]) + (["stored_seq"] if numbered else [])
    one = "(" + ", ".join("?" for _ in columns) + ")"
    with sqlite3.connect(path, isolation_level=None) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        started = time.perf_counter()
        for first in range(0, len(batch), PAGE):
            page = batch[first : first + PAGE]
            sql = f"INSERT INTO interactions ({', '.join(columns)}) VALUES " + ", ".join(one for _ in page)
            db.execute("BEGIN")
            # Each row's number last, filled in once taken (as gateway/store/interaction_inserts.py's Page does).
            values = [row.get(column, 0) for row in page for column in columns]
            if numbered:
                (last,) = db.execute(TAKE_NUMBERS, (len(page),)).fetchone()
                values[len(columns) - 1 :: len(columns)] = range(last - len(page) + 1, last + 1)
            db.execute(sql, values)
            db.execute("COMMIT")
        return time.perf_counter() - started


def column_names(path: Path) -> set[str]:
    """The interactions table's columns."""
    with sqlite3.connect(path) as db:
        return {row[1] for row in db.execute("PRAGMA table_info(interactions)")}


def index_names(path: Path) -> list[str]:
    """The interactions table's secondary indexes."""
    with sqlite3.connect(path) as db:
        found = db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'interactions'")
        return sorted(name for (name,) in found if not name.startswith("sqlite_autoindex"))


def main(argv: list[str] | None = None) -> int:
    """Migrate both databases, insert in alternating rounds, print microseconds per row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revision", default="0023", help="the earlier schema (an alembic revision)")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--rows", type=int, default=20_000, help="rows per round and database")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        paths = {args.revision: Path(folder) / "earlier.db", "head": Path(folder) / "head.db"}
        for revision, path in paths.items():
            upgrade_database(f"sqlite+aiosqlite:///{path}", revision)
            print(f"{revision}: {len(index_names(path))} indexes: {', '.join(index_names(path))}", file=sys.stderr)
        per_row: dict[str, list[float]] = {revision: [] for revision in paths}
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for round_number in range(args.rounds):
            batch = rows(args.rows, start + timedelta(hours=round_number), round_number)
            order = list(paths) if round_number % 2 == 0 else list(reversed(paths))
            for revision in order:
                seconds = insert_seconds(paths[revision], batch)
                per_row[revision].append(seconds / args.rows * 1e6)
        print(f"| Schema | Indexes on interactions | µs per row, median of {args.rounds} rounds | rounds |")
        print("|---|---:|---:|---|")
        for revision, path in paths.items():
            values = per_row[revision]
            shown = ", ".join(f"{value:.1f}" for value in values)
            print(f"| {revision} | {len(index_names(path))} | {statistics.median(values):.1f} | {shown} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
