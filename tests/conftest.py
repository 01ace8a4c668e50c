"""Fixtures: a database of each kind, a fake OpenAI upstream, and the gateway in process or on a socket."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from chromium_launch import launched_chromium
from fresh_databases import admin
from live_gateway import LiveGateway
from numba_cache import MARK as UMAP_MARK
from numba_cache import SessionNumbaCache
from onnx_cache import FIXTURE as ONNX_CACHE_FIXTURE
from onnx_cache import SessionOnnxCache
from open_connections import SuiteConnections
from pausing_upstream import CLIENTS, PausingUpstream, serving
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from tcp_relay import TcpRelay

from gateway.app import FeedgateApp, create_app
from gateway.config import Settings
from gateway.demo.fake_upstream import RunningFakeUpstream, run_fake_upstream
from gateway.proxy.forward import ProxyApp
from gateway.proxy.upstream import UpstreamClient
from gateway.recording.exchange import Exchange
from gateway.request_limits import bounded_protocol
from gateway.store.engine import create_engine
from gateway.store.migrate import upgrade_database
from gateway.store.tables import metadata

ADMIN_TOKEN = "test-admin-token"
POSTGRES_SERVER = os.environ.get("FEEDGATE_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


# -- connections left open ---------------------------------------------------------------

SUITE_CONNECTIONS = SuiteConnections()


def pytest_configure(config: pytest.Config) -> None:
    SUITE_CONNECTIONS.start()
    ONNX_CACHE.configure(config)
    NUMBA_CACHE.configure()


# -- the ONNX export, once per run and outside every test's timeout ---------------------------

ONNX_CACHE = SessionOnnxCache()
# UMAP's numba kernels, compiled once into a cache all the run's processes share (tests/numba_cache.py).
NUMBA_CACHE = SessionNumbaCache()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist's controller hands each worker the run's model cache folder: one export for all of them."""
    ONNX_CACHE.hand_to_worker(node.workerinput)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start exporting the bundled model to ONNX, and compiling UMAP, if a selected test needs it; the others run meanwhile."""
    ONNX_CACHE.start_if_needed(session)
    NUMBA_CACHE.start_if_needed(session)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """A test that needs the export (or UMAP's kernels) waits for it here, outside pytest-timeout's wrapper: in no test's time."""
    if ONNX_CACHE_FIXTURE in getattr(item, "fixturenames", ()):
        ONNX_CACHE.wait()
    if item.get_closest_marker(UMAP_MARK):
        NUMBA_CACHE.wait(item)
    yield


def pytest_sessionfinish(session: pytest.Session) -> None:
    ONNX_CACHE.remove()


def pytest_runtest_setup(item: pytest.Item) -> None:
    SUITE_CONNECTIONS.current_test = item.nodeid


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """Fail the test whose end closed the event loop of a database connection still open.

    Left open, the connection was closed later by the garbage collector, on that closed loop, and
    aiosqlite's thread said "Event loop is closed" in some other test; asyncpg's was never closed.
    """
    yield
    leaked = SUITE_CONNECTIONS.outliving_their_loops()
    if leaked:
        pytest.fail("database connections left open after their event loop closed: " + "; ".join(leaked))


# -- databases ---------------------------------------------------------------------------


def aside(work: Callable[..., Any], *args: Any) -> Any:
    """work(*args) in a thread of its own: a sync fixture's asyncio.run, there, starts beside a running loop.

    A module's Chromium (tests/feedback/conftest.py) keeps sync Playwright's loop marked running in
    this thread between its calls, and asyncio.run (migrations run in one too) refuses to start beside it.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(work, *args).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies, so migrations run once."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    aside(upgrade_database, f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL server the tests use (FEEDGATE_TEST_POSTGRES), for tests that make their own databases."""
    return POSTGRES_SERVER


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped afterwards.

    Fails, never skips, when the server is unreachable: the suite promises both stores.
    """
    server = POSTGRES_SERVER.replace("postgresql+asyncpg://", "postgresql://")
    name = f"feedgate_test_{uuid.uuid4().hex[:10]}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(server)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    try:
        aside(asyncio.run, admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_SERVER} is required for the storage tests: {exc}")
    url = POSTGRES_SERVER.rsplit("/", 1)[0] + f"/{name}"
    aside(upgrade_database, url)
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def relay(postgres_database: str) -> AsyncIterator[TcpRelay]:
    """PostgreSQL reached through a relay that can cut every connection at once (for outage tests)."""
    url = make_url(postgres_database)
    relay = TcpRelay(url.host or "127.0.0.1", url.port or 5432)
    await relay.start()
    yield relay
    await relay.stop()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An async engine on this test's database, disposed afterwards."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database of each kind, one per test."""
    if request.param == "sqlite":
        path = tmp_path / "feedgate.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    aside(asyncio.run, _empty_written_tables(url))
    return url


# The tables holding a row, in one query: a test writes to a few of ~40.
_WRITTEN_TABLES = text(
    " UNION ALL ".join(
        f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM \"{table.name}\")" for table in metadata.sorted_tables
    )
)


async def _empty_written_tables(url: str) -> None:
    """Empty the tables the last test wrote to (5.5 of 43 on average in tests/store and tests/export), and only those.

    TRUNCATE gives a table, each of its indexes and its TOAST table and index new files, which the next
    checkpoint syncs; and DROP DATABASE (PostgreSQL 15) waits for an immediate checkpoint, which syncs every
    file written since the last one on the whole server. Emptying all ~270 relations for each test (0.76 s a
    test, against 0.14 s now) left the session's DROP DATABASE syncing tens of thousands of files: 36-102 s
    on a host where other suites ran too.
    """
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            written = [f'"{name}"' for name in (await connection.execute(_WRITTEN_TABLES)).scalars()]
            if written:
                await connection.execute(text(f"TRUNCATE {', '.join(written)}"))
    finally:
        await engine.dispose()


# -- upstream and gateway -------------------------------------------------------------


@pytest.fixture
def submitted() -> list[Exchange]:
    """The calls a proxy built in process recorded (its writer's `submit` appends here)."""
    return []


@pytest.fixture(params=sorted(CLIENTS))
async def upstream_client(request: pytest.FixtureRequest) -> AsyncIterator[UpstreamClient]:
    """Each of the proxy's upstream clients in turn (aiohttp, httpx), closed after the test."""
    client = CLIENTS[request.param]()
    yield client
    await client.aclose()


@pytest.fixture
def serve(
    upstream_client: UpstreamClient, submitted: list[Exchange]
) -> Callable[[PausingUpstream], AbstractAsyncContextManager[ProxyApp]]:
    """The proxy in process in front of a pausing upstream on a real socket, once with each upstream client.

    `async with serve(upstream) as proxy:` its calls' records go to `submitted`.
    """
    return lambda upstream: serving(upstream, upstream_client, submitted)


@pytest.fixture
def silent_embeddings() -> Iterator[socket.socket]:
    """An embeddings endpoint that takes connections and never answers: a pass waits in it until it is closed."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener
    finally:
        listener.close()


@pytest.fixture(scope="session")
def fake_upstream_server() -> Iterator[RunningFakeUpstream]:
    with run_fake_upstream() as upstream:
        yield upstream


@pytest.fixture
def fake_upstream(fake_upstream_server: RunningFakeUpstream) -> RunningFakeUpstream:
    """The shared fake OpenAI upstream, with its request log and gate reset."""
    fake_upstream_server.app.reset()
    return fake_upstream_server


@pytest.fixture(scope="session")
def onnx_cache_dir() -> Path:
    """The run's model cache with the ONNX export, made once before the first test (tests/onnx_cache.py)."""
    return ONNX_CACHE.get()


@pytest.fixture
def settings(database_url: str, fake_upstream: RunningFakeUpstream, tmp_path: Path) -> Settings:
    """Gateway settings for one test: its own database and spool, the fake upstream."""
    return Settings(
        database_url=database_url,
        upstream_url=fake_upstream.url,
        admin_token=ADMIN_TOKEN,
        spool_path=tmp_path / "spool.jsonl",
        writer_flush_interval=0.02,
        writer_retry_interval=0.1,
        upstream_read_timeout=5.0,
        shutdown_timeout=1.0,
        # Questions and batches go to the bundled model itself: exporting the ONNX copy (seconds of
        # CPU in a child process) is for the tests that ask for it, never a side effect.
        knowledge_query_embedder="model",
        local_embedding_runtime="sentence-transformers",
        model_cache_dir=tmp_path / "models",
    )


@pytest.fixture
async def gateway(settings: Settings) -> AsyncIterator[FeedgateApp]:
    """The gateway app in process, its lifespan running."""
    app = create_app(settings, environ={})
    # asgi-lifespan allows 5 s by default; a start (migrations, loading the fixes) took longer once while
    # the suite shared the 2 cores with a benchmark, and a slow start is not what these tests test.
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        yield app


@pytest.fixture
async def client(gateway: FeedgateApp) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the in-process gateway."""
    transport = httpx.ASGITransport(app=gateway)
    async with httpx.AsyncClient(transport=transport, base_url="http://feedgate.test") as http:
        yield http


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def start_gateway() -> Iterator[Callable[[Settings], LiveGateway]]:
    """Start gateways with given settings on real sockets; all are stopped after the test."""
    started: list[LiveGateway] = []

    def start(settings: Settings) -> LiveGateway:
        app = create_app(settings, environ={})
        protocol = bounded_protocol(settings)
        shutdown = settings.shutdown_timeout
        server = LiveGateway(app, lifespan="on", loop="uvloop", http=protocol, shutdown_timeout=shutdown)
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def live_gateway(settings: Settings, start_gateway: Callable[[Settings], LiveGateway]) -> LiveGateway:
    """The gateway served by uvicorn on a free port."""
    return start_gateway(settings)


@pytest.fixture
def unused_url() -> str:
    """A base_url on a local port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.fixture
def browser() -> Iterator[object]:
    """Headless Chromium of the test's own (tests/feedback shares one per module: see its conftest)."""
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture(params=["sqlite", "postgres"])
async def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database (no migrations) of each kind, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    server: str = request.getfixturevalue("postgres_server")
    admin_url = server.replace("postgresql+asyncpg://", "postgresql://")
    name = f"feedgate_migrations_{uuid.uuid4().hex[:10]}"
    await admin(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
