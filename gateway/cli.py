"""The `feedgate` command."""

from __future__ import annotations

from gateway.cli_start import Terminated, asked_for_json_logs, stopped_by, stops_told

# First, before the slower imports: a stop while they run is one line, as later (gateway.cli_start).
with stops_told():
    import argparse
    import asyncio
    import errno
    import logging
    import os
    import socket
    import sys
    from pathlib import Path
    from typing import TYPE_CHECKING, Any

    from gateway.cli_database import not_started, prepared_database, upgrade_stopped
    from gateway.cli_help import described
    from gateway.cli_signals import NOTHING_CHANGED, CommandStopped, run_blocking_stoppable, run_stoppable
    from gateway.config import Settings, load_settings
    from gateway.config_checks import (
        ConfigError,
        check_port,
        check_spool_path,
        serve_warnings,
    )
    from gateway.counted import counted
    from gateway.observability.logs import configure_logging, logging_restored
    from gateway.url_text import shown_url

if TYPE_CHECKING:
    from gateway.audit.verify import VerificationResult

# The settings a command-line flag may give (`--database-url` gives database_url).
FLAG_SETTINGS = ("host", "port", "database_url", "workers")


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given as command-line flags (None: not given)."""
    return {key: getattr(args, key, None) for key in FLAG_SETTINGS}


def _settings(args: argparse.Namespace) -> Settings:
    if getattr(args, "port", None) is not None:
        check_port("--port", args.port)
    return load_settings(args.config, flags=FLAG_SETTINGS, **_overrides(args))


def serve(args: argparse.Namespace) -> None:
    """Run the gateway (`settings.workers` processes on one port)."""
    settings = _settings(args)
    import uvicorn

    from gateway.observability.startup import prepare_observability
    from gateway.serve_workers import ServeArguments, run_workers, uvicorn_options, with_database_secrets

    # Logs as `log_format` says; with `metrics_dir`, the folder cleared of processes that are gone.
    prepare_observability(settings)
    check_spool_path(settings.spool_path)
    # Before the database: a second `serve` on a taken port migrated a SQLite file under the running one.
    refuse_taken_port(settings.host, settings.port)

    flags = {k: v for k, v in _overrides(args).items() if v is not None}
    given = ServeArguments(str(args.config) if args.config else None, flags, tuple(flags))

    async def check_database() -> ServeArguments:
        async with prepared_database(settings):
            pass
        # What workers are handed: what was given, and the secrets the database keeps, read as part of the start.
        return given if settings.workers == 1 else await with_database_secrets(settings, given)

    # A stop while the database is checked (one that hangs: up to 10 s), or a SQLite file migrated, is one line.
    arguments = run_stoppable(check_database, not_started("the gateway"))
    # Through the log handler, not print: with JSON logs a collector expects every line of stderr to be JSON.
    logging.getLogger("feedgate.serve").info(
        "Feedgate on http://%s:%s/v1 -> %s (%s)",
        settings.host,
        settings.port,
        shown_url(settings.upstream_url),
        counted(settings.workers, "process", "processes"),
        extra={"workers": settings.workers},
    )
    for warning in serve_warnings(settings):
        logging.getLogger("feedgate.config").warning(warning)
    if settings.key_mode == "gateway":
        from gateway.proxy.credentials import unset_upstream_keys

        for warning in unset_upstream_keys(settings.all_upstreams(), os.environ):
            logging.getLogger("feedgate.config").warning(warning)
    if settings.workers > 1:
        run_workers(settings, arguments)
        return
    from gateway.app import create_app
    from gateway.main_thread_server import serve_until_stopped

    # log_config=None: uvicorn's own lines go through the handler prepare_observability set up.
    app = create_app(settings, serving=True)
    # A clean stop on SIGTERM exits 0, as `--workers N` does (uvicorn.run raised the signal again: 143).
    serve_until_stopped(uvicorn.Config(app, **{**uvicorn_options(settings), "log_config": None}))


def refuse_taken_port(host: str, port: int) -> None:
    """ConfigError when nothing could listen on `host`:`port` now (another process holds it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As uvicorn binds: a port whose last connections linger in TIME_WAIT is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(cannot_listen(host, port, exc)) from None


def cannot_listen(host: str, port: int, exc: OSError) -> str:
    """Why `serve` cannot listen on `host`:`port`, and what to fix: the port when it is taken, else the host."""
    said = (
        f"cannot listen on {host}:{port}: {exc.strerror or exc}. Nothing was started and the database was not touched"
    )
    if exc.errno == errno.EADDRINUSE:
        return (
            f"cannot listen on {host}:{port}: {exc.strerror}. Is another process (another Feedgate?) using it? "
            "Nothing was started and the database was not touched: stop it, or choose another port with --port "
            "or FEEDGATE_PORT"
        )
    if exc.errno == errno.EACCES:
        return f"{said}: ports below 1024 need privileges; choose another with --port or FEEDGATE_PORT"
    # A name that does not resolve, or an address no interface here has: the port was never the problem.
    return (
        f"{said}: is FEEDGATE_HOST (--host) an address of this machine? 127.0.0.1 for this machine only, "
        "0.0.0.0 for every interface"
    )


def db_upgrade(args: argparse.Namespace) -> None:
    """Apply pending schema migrations; SIGTERM or Ctrl-C roll the upgrade back and say the revision it is at."""
    from gateway.store.engine import check_reachable, create_engine
    from gateway.store.migrate import upgrade_database

    settings = _settings(args)
    from gateway.observability.logs import configure_logging

    # The upgrade's summary line ("database upgraded from … to …") as the settings say (compose's migrate service
    # asks for JSON); every migration's own line with FEEDGATE_LOG_LEVEL=debug.
    configure_logging(settings.log_format, settings.log_level)

    async def reachable() -> None:
        engine = create_engine(settings.database_url)
        try:
            await check_reachable(engine, source=settings.origin_of("database_url"))
        finally:
            await engine.dispose()

    from alembic.util.exc import CommandError

    def upgrade() -> None:
        asyncio.run(reachable())
        try:
            # A database a newer Feedgate migrated is refused by upgrade_database itself (SchemaAhead, a ConfigError).
            upgrade_database(settings.database_url)
        except CommandError as exc:
            raise ConfigError(f"cannot upgrade the database schema: {exc}") from None

    run_blocking_stoppable(upgrade, lambda: upgrade_stopped(settings.database_url))
    print(f"database at {shown_url(settings.database_url)} is up to date")


def audit_verify(args: argparse.Namespace) -> None:
    """Check the audit log's hash chain; exit 1 naming the first broken record."""
    from gateway.audit.service import AuditService
    from gateway.store.audit import AuditStore

    settings = _settings(args)

    async def verify() -> VerificationResult:
        async with prepared_database(settings, reads_only=True) as engine:
            return await AuditService(AuditStore(engine)).verify()

    result = run_stoppable(verify, NOTHING_CHANGED)
    if not result.ok:
        print(f"audit log broken at record {result.first_broken_seq}: {result.reason}", file=sys.stderr)
        intact = "record before it is" if result.checked == 1 else "records before it are"
        print(f"({result.checked} {intact} intact)", file=sys.stderr)
        raise SystemExit(1)
    print(f"audit log intact: {counted(result.checked, 'record')}")


def demo(args: argparse.Namespace) -> None:
    """Run the whole loop locally against the fake upstream and print each step."""
    # The demo prints its own steps; INFO lines (migrations, model loading, requests) would drown them.
    logging.disable(logging.INFO)
    from rich.console import Console

    from gateway.demo.loop import DEMO_CONFIG, DEMO_DATABASE, run_demo

    keep = args.keep.resolve() if args.keep is not None else None
    if keep is not None and keep.exists() and not keep.is_dir():
        raise ConfigError(f"--keep {keep} is a file: give --keep a new folder")
    if keep is not None and (keep / DEMO_DATABASE).exists():
        raise ConfigError(f"{keep} holds a demo database already: give --keep a new folder")
    if keep is not None and (keep / DEMO_CONFIG).exists():
        raise ConfigError(
            f"{keep} holds a {DEMO_CONFIG} already, which the demo would replace: give --keep a new folder"
        )
    asyncio.run(run_demo(Console(), seed=args.seed, keep=keep, program=invoked_as(sys.argv[0])))


def invoked_as(argv0: str) -> str:
    """How to run feedgate again as this process was run: `.venv/bin/feedgate` stays so, not bare `feedgate`.

    A README user has no feedgate on their PATH; under `python -m gateway.cli` (argv0 a .py file) or a
    renamed script the bare name is the best guess.
    """
    return argv0 if Path(argv0).name == "feedgate" else "feedgate"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="feedgate", description="The Feedgate LLM feedback gateway.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, help="TOML config file (FEEDGATE_* variables override it)")
    common.add_argument(
        "--database-url",
        dest="database_url",
        help=(
            "SQLAlchemy async database URL (FEEDGATE_DATABASE_URL; default "
            f"{Settings.model_fields['database_url'].default})"
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve_parser = commands.add_parser(
        "serve",
        parents=[common],
        **described(
            "run the gateway", "feedgate serve --port 8080", "feedgate serve --config feedgate.toml --workers 4"
        ),
    )
    serve_parser.add_argument("--host", help="address to listen on (default: FEEDGATE_HOST, else 127.0.0.1)")
    serve_parser.add_argument("--port", type=int, help="port to listen on (default: FEEDGATE_PORT, else 8080)")
    serve_parser.add_argument(
        "--workers", type=int, help="gateway processes on the one port (default: FEEDGATE_WORKERS, else 1)"
    )
    serve_parser.set_defaults(run=serve)

    db = commands.add_parser("db", **described("database schema")).add_subparsers(dest="db_command", required=True)
    db.add_parser(
        "upgrade",
        parents=[common],
        **described("apply pending migrations", "feedgate db upgrade --config feedgate.toml"),
    ).set_defaults(run=db_upgrade)

    from gateway.cli_keys import add_keys_commands

    add_keys_commands(commands, common, _settings)

    audit = commands.add_parser("audit", **described("the audit log")).add_subparsers(
        dest="audit_command", required=True
    )
    audit.add_parser(
        "verify", parents=[common], **described("check the hash chain", "feedgate audit verify --config feedgate.toml")
    ).set_defaults(run=audit_verify)

    demo_parser = commands.add_parser(
        "demo",
        **described(
            "run the whole loop (traffic, feedback, issue, fix, effect) locally in about half a minute",
            "feedgate demo",
            "feedgate demo --keep demo-run --seed 3",
        ),
    )
    demo_parser.add_argument("--seed", type=int, default=7, help="the simulated users' random seed")
    demo_parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep the demo's SQLite database in this new folder, to browse after"
    )
    demo_parser.set_defaults(run=demo)

    from gateway.cli_discovery import add_commands

    add_commands(commands, common, _settings)
    from gateway.cli_import import add_import_command

    add_import_command(commands, common, _settings)
    from gateway.cli_users import add_user_commands

    add_user_commands(commands, common, _settings)
    from gateway.cli_export import add_export_command

    add_export_command(commands, common, _settings)
    from gateway.cli_privacy import add_privacy_commands

    add_privacy_commands(commands, common, _settings)
    return parser


def refuse_text_not_utf8(args: argparse.Namespace, argv: list[str]) -> None:
    """ConfigError naming the first text argument that is not UTF-8; paths (file names) may be any bytes.

    Python keeps an argument's bytes that are no UTF-8 as lone surrogates, which no database takes:
    the command failed on its first query with a traceback.
    """
    for dest, value in vars(args).items():
        if not isinstance(value, str):
            continue
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            option = "--" + dest.replace("_", "-")
            given_as_option = any(arg == option or arg.startswith(f"{option}=") for arg in argv)
            byte = os.fsencode(value[exc.start])[0]
            raise ConfigError(
                f"{option if given_as_option else dest} is not UTF-8 text (byte 0x{byte:02x} at {exc.start + 1}): "
                "give it in UTF-8"
            ) from None


_ALEMBIC_PLUGINS = "alembic.runtime.plugins"
_ALEMBIC_MIGRATION = "alembic.runtime.migration"
# The loggers `main` tunes, put back as they were when it returns.
_TUNED_LOGGERS = (_ALEMBIC_PLUGINS, _ALEMBIC_MIGRATION)


def _without_dialect_notes(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith(("Context impl ", "Will assume "))


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `feedgate` console script; logging is left as it was found (for a run in process)."""
    # SIGTERM raises Terminated as Ctrl-C raises KeyboardInterrupt, until the work takes the signals over.
    with stops_told(), logging_restored(*_TUNED_LOGGERS):
        _main(argv)


def _main(argv: list[str] | None) -> None:
    as_json = asked_for_json_logs()
    if as_json:
        configure_logging("json", "info")
    else:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # Alembic announces each of its plugins at INFO whenever it is imported: noise before every command.
    logging.getLogger(_ALEMBIC_PLUGINS).setLevel(logging.WARNING)
    # And two lines about its SQL dialect whenever it checks the schema, migrations to run or not; an upgrade
    # says what it ran in one line (gateway.store.migrate), each migration's with debug logging.
    logging.getLogger(_ALEMBIC_MIGRATION).addFilter(_without_dialect_notes)
    try:
        _run_command(argv)
    except (ConfigError, CommandStopped) as exc:
        if as_json:
            logging.getLogger("feedgate").error("%s", exc)
        else:
            print(f"feedgate: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_status if isinstance(exc, CommandStopped) else 2) from None


def _run_command(argv: list[str] | None) -> None:
    """The command `argv` names, run; Ctrl-C or SIGTERM outside its stoppable work (gateway.cli_signals) is
    CommandStopped too."""
    try:
        args = build_parser().parse_args(argv)
        refuse_text_not_utf8(args, sys.argv[1:] if argv is None else argv)
        args.run(args)
    except (KeyboardInterrupt, Terminated) as stop:
        # Its imports (seconds, for `cluster`), its settings being read, `serve` building its app: Ctrl-C printed a
        # traceback, SIGTERM ended the process saying nothing.
        received = stopped_by(stop)
        assert received is not None
        raise CommandStopped(f"stopped by {received.name}", 128 + received.value) from None


if __name__ == "__main__":
    main()
