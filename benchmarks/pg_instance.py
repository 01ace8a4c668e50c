"""A private PostgreSQL server for one benchmark run: its own data folder, port and socket folder.

The load-and-faults benchmark stops and starts the database under traffic, so it must never use a
shared server (the one on 5432 belongs to the tests and other sessions). `PrivatePostgres` runs
`initdb` into a temporary folder and `pg_ctl` against it; as root it runs them as the `postgres`
system user (PostgreSQL refuses to run as root). `close()` stops the server (immediate mode) and
deletes the folder, whatever state it was left in.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PG_BIN = Path(os.environ.get("FEEDGATE_BENCH_PG_BIN", "/usr/lib/postgresql/15/bin"))
SYSTEM_USER = "postgres"  # who runs the server when this script runs as root
DATABASE = "postgres"  # initdb's own database: the gateway's tables go there


class PrivatePostgres:
    """One throw-away PostgreSQL cluster on 127.0.0.1:`port` (trust authentication)."""

    def __init__(self, port: int, *, keep: bool = False) -> None:
        for tool in ("initdb", "pg_ctl"):
            if not (PG_BIN / tool).exists():
                raise SystemExit(f"{PG_BIN / tool} not found: install PostgreSQL 15 or set FEEDGATE_BENCH_PG_BIN")
        self.port = port
        self.keep = keep
        self.root = Path(tempfile.mkdtemp(prefix="feedgate-bench-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self._as_user: dict[str, Any] = {}
        if os.geteuid() == 0:
            account = pwd.getpwnam(SYSTEM_USER)
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}

    @property
    def url(self) -> str:
        """The gateway's database URL (asyncpg)."""
        return f"postgresql+asyncpg://{SYSTEM_USER}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def dsn(self) -> str:
        """A plain libpq / asyncpg DSN for the script's own queries."""
        return f"postgresql://{SYSTEM_USER}@127.0.0.1:{self.port}/{DATABASE}"

    def init(self) -> None:
        """Create the cluster (no fsync during initdb: the folder is thrown away anyway)."""
        self._run(PG_BIN / "initdb", "-D", self.data, "-U", SYSTEM_USER, "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> float:
        """Start the server and wait until it accepts connections; returns the seconds it took."""
        started = time.monotonic()
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c max_connections=60"
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "60", "start")
        return time.monotonic() - started

    def stop(self, mode: str = "fast") -> float:
        """Stop the server (`fast`: roll back open transactions, disconnect clients); returns the seconds it took."""
        started = time.monotonic()
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")
        return time.monotonic() - started

    def running(self) -> bool:
        """Whether the server process is up (`pg_ctl status`)."""
        done = subprocess.run(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status"], capture_output=True, check=False, **self._as_user
        )
        return done.returncode == 0

    def close(self) -> None:
        """Stop the server if it runs and delete its folder (unless `keep`)."""
        if self.data.exists() and self.running():
            with contextlib.suppress(subprocess.CalledProcessError):
                self.stop("immediate")
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, *command: object) -> None:
        words = [str(part) for part in command]
        done = subprocess.run(words, capture_output=True, text=True, check=False, **self._as_user)
        if done.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise subprocess.CalledProcessError(done.returncode, words, done.stdout, done.stderr + log)


@contextlib.contextmanager
def database_url(kind: str, folder: Path, port: int) -> Iterator[str]:
    """An empty database's URL for one benchmark: "sqlite" a file in `folder`, else a `PrivatePostgres` on `port`
    (closed after)."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'feedgate.db'}"
        return
    postgres = PrivatePostgres(port)
    try:
        postgres.init()
        postgres.start()
        yield postgres.url
    finally:
        postgres.close()
