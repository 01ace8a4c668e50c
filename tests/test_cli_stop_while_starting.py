"""A stop while `feedgate` is still starting (importing its modules, `serve` building its app) is one line and 128 + N.

Ctrl-C while gateway.cli's own imports ran (before `main` was called) printed a KeyboardInterrupt traceback; SIGTERM
then, or while `serve` built its app after checking its database, ended the process by its default action: 143,
saying nothing. The moment is held still by an import that waits (a `sitecustomize` the interpreter runs first).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ports import free_port

pytestmark = pytest.mark.timeout(120)

# How a user starts the command: as a module, and as the `feedgate` console script pip writes does.
ENTRY_POINTS = {
    "module": [sys.executable, "-m", "gateway.cli"],
    "script": [sys.executable, "-c", "import sys; from gateway.cli import main; sys.exit(main())"],
}

# Run by the interpreter before the command: the import of HOLD_IMPORT waits, once HOLD_READY is written, for a stop.
HOLDING_IMPORT = """
import os, sys, time

class _Hold:
    def find_spec(self, name, path=None, target=None):
        if name == os.environ["HOLD_IMPORT"]:
            open(os.environ["HOLD_READY"], "w").close()
            time.sleep(60)
        return None

sys.meta_path.insert(0, _Hold())
"""


def started_held(command: list[str], held: str, tmp_path: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """`command` started with its import of `held` waiting; returned once it waits there."""
    (tmp_path / "sitecustomize.py").write_text(HOLDING_IMPORT)
    ready = tmp_path / "held"
    base = {name: value for name, value in os.environ.items() if not name.startswith("FEEDGATE_")}
    base.pop("PROMETHEUS_MULTIPROC_DIR", None)
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    env = {**base, "PYTHONPATH": path, "HOLD_IMPORT": held, "HOLD_READY": str(ready), **env}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the command never imported {held}: {process.communicate()[1]}")
        time.sleep(0.02)
    return process


def stopped(process: subprocess.Popen[str], stop: signal.Signals) -> tuple[int, str]:
    """`process` sent `stop`: its exit status and what it said on stderr."""
    try:
        process.send_signal(stop)
        _, said = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, said


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl_c", "sigterm"])
def test_a_stop_while_the_cli_imports_its_modules_is_one_line(tmp_path: Path, stop: signal.Signals, entry: str):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/f.db", "FEEDGATE_LOG_FORMAT": "text"}
    # The first of gateway.cli's own imports.
    process = started_held([*ENTRY_POINTS[entry], "cluster"], "gateway.cli_database", tmp_path, env)

    status, said = stopped(process, stop)

    assert status == 128 + stop, said
    assert said.splitlines() == [f"feedgate: stopped by {stop.name}"], said


def test_a_stop_while_the_cli_imports_its_modules_is_a_json_line_with_json_logs(tmp_path: Path):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/f.db", "FEEDGATE_LOG_FORMAT": "json"}
    process = started_held([*ENTRY_POINTS["module"], "cluster"], "gateway.cli_database", tmp_path, env)

    status, said = stopped(process, signal.SIGTERM)

    assert status == 143, said
    [line] = said.splitlines()
    record = json.loads(line)
    assert (record["level"], record["message"]) == ("error", "stopped by SIGTERM"), line


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl_c", "sigterm"])
def test_serve_stopped_while_it_builds_its_app_says_so_in_one_line(tmp_path: Path, stop: signal.Signals):
    env = {
        "FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/f.db",
        "FEEDGATE_PORT": str(free_port()),
        "FEEDGATE_SPOOL_PATH": str(tmp_path / "spool.jsonl"),
        "FEEDGATE_LOG_FORMAT": "text",
    }
    # After its database is checked (a SQLite file migrated), before uvicorn runs: the app's module imported.
    process = started_held([*ENTRY_POINTS["module"], "serve"], "gateway.app", tmp_path, env)

    status, said = stopped(process, stop)

    assert status == 128 + stop, said
    assert "Traceback" not in said, said
    assert said.splitlines()[-1] == f"feedgate: stopped by {stop.name}", said
