"""`feedgate serve` tunes the garbage collector once started; apps built in other processes leave it alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Builds an app and runs its lifespan in a fresh interpreter, then reports the collector's state.
PROGRAM = """
import asyncio, gc, json, sys
from asgi_lifespan import LifespanManager
from gateway.app import create_app
from gateway.config import Settings

async def main(serving, threshold):
    settings = Settings(database_url=sys.argv[1], gc_young_threshold=threshold,
                        review_similar_negative_rule=False, review_anomalous_rule=False)
    before = gc.get_threshold()[0]
    async with LifespanManager(create_app(settings, environ={}, serving=serving)):
        print(json.dumps({"before": before, "after": gc.get_threshold()[0], "frozen": gc.get_freeze_count()}))

asyncio.run(main(sys.argv[2] == "serving", int(sys.argv[3])))
"""


def collector_state(database_url: str, serving: bool, threshold: int = 20_000) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, database_url, "serving" if serving else "built", str(threshold)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    state: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return state


def test_a_serving_process_freezes_startup_and_raises_the_young_threshold(tmp_path, sqlite_template):
    database = tmp_path / "feedgate.db"
    database.write_bytes(sqlite_template.read_bytes())

    state = collector_state(f"sqlite+aiosqlite:///{database}", serving=True)

    assert state["before"] == 700 and state["after"] == 20_000
    assert state["frozen"] > 10_000  # modules, settings, pools: what start-up built


def test_an_app_built_outside_serve_leaves_the_collector_alone(tmp_path, sqlite_template):
    database = tmp_path / "feedgate.db"
    database.write_bytes(sqlite_template.read_bytes())

    state = collector_state(f"sqlite+aiosqlite:///{database}", serving=False)

    assert (state["after"], state["frozen"]) == (700, 0)


def test_a_threshold_of_zero_leaves_the_collector_alone_when_serving(tmp_path, sqlite_template):
    database = tmp_path / "feedgate.db"
    database.write_bytes(sqlite_template.read_bytes())

    state = collector_state(f"sqlite+aiosqlite:///{database}", serving=True, threshold=0)

    assert (state["after"], state["frozen"]) == (700, 0)
