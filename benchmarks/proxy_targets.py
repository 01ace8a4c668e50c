"""The proxies benchmarks/proxy_latency.py can put between wrk and the fake upstream, besides this tree's gateway.

- floor: benchmarks/floor_proxy.py, the least a Python proxy does (uvicorn + one aiohttp pool);
- litellm: LiteLLM's proxy from its own venv (benchmarks/litellm_proxy.py), one worker, offline;
- baseline: the gateway as of a git revision, logging into its own SQLite file.

Each starts on a free local port and is returned once it accepts connections.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import litellm_proxy
from proxy_runs import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
FLOOR_SCRIPT = Path(__file__).resolve().parent / "floor_proxy.py"


def start_fake_upstream(port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """The project's fake OpenAI upstream (uvloop + httptools, recording off) on `port`, once it listens."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway.demo.fake_upstream", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    wait_for_port(port, process, "the fake upstream", log_path)
    return process


def start_floor(upstream_url: str, workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    """The floor proxy in front of `upstream_url` (the upstream's root, e.g. http://127.0.0.1:9000)."""
    port = free_port()
    log_path = workdir / "floor.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(FLOOR_SCRIPT), "--port", str(port), "--upstream", upstream_url],
            cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    wait_for_port(port, process, "the floor proxy", log_path)
    return process, port


def start_litellm(
    venv: Path, upstream_v1_url: str, workdir: Path, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], int, str]:
    """LiteLLM's proxy (installed into `venv` first if missing) routing gpt-4o-mini to `upstream_v1_url`.

    Returns the process, its port and LiteLLM's version.
    """
    litellm_proxy.ensure_venv(venv)
    config = litellm_proxy.write_config(workdir / "litellm.yaml", upstream_v1_url)
    port = free_port()
    log_path = workdir / "litellm.log"
    process = litellm_proxy.start(venv, port, config, log_path, env, workdir)
    # LiteLLM imports a lot before it listens: give it longer than the others.
    wait_for_port(port, process, "LiteLLM's proxy", log_path, timeout=180)
    return process, port, litellm_proxy.version(venv)


def start_baseline(
    revision: str, workdir: Path, env: dict[str, str], name: str = "baseline"
) -> tuple[subprocess.Popen[bytes], int, str]:
    """The gateway as of `revision` (exported from git), logging into its own SQLite file, on a free port.

    It runs in this environment with the revision's source first on PYTHONPATH, so both
    gateways share every installed dependency and differ only in Feedgate's own code.
    Its files in `workdir` start with `name` (one per revision when several run side by side).
    Returns the process, its port and its database URL.
    """
    source = workdir / f"{name}-src"
    source.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    return start_gateway_source(source, workdir, env, name)


def start_gateway_source(
    source: Path, workdir: Path, env: dict[str, str], name: str
) -> tuple[subprocess.Popen[bytes], int, str]:
    """The gateway from the source tree `source`, logging into `workdir`/`name`.db, on a free port."""
    database_url = f"sqlite+aiosqlite:///{workdir / f'{name}.db'}"
    port = free_port()
    gateway_env = {
        **env,
        "PYTHONPATH": str(source),
        "FEEDGATE_DATABASE_URL": database_url,
        "FEEDGATE_SPOOL_PATH": str(workdir / f"{name}.spool.jsonl"),
    }
    gateway_env.pop("FEEDGATE_LOOP_LAG_FILE", None)  # an older revision may not know the setting
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir, env=gateway_env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    wait_for_port(port, process, f"the gateway ({name})", log_path)
    return process, port, database_url
