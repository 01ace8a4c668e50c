"""`feedgate` refuses bad arguments and settings in one line naming what to fix, exit code 2, never a traceback."""

from __future__ import annotations

import errno
import json
import socket
import sqlite3
from pathlib import Path

import pytest
from cli_run import free_port, one_line_error, run

from gateway.cli import cannot_listen


@pytest.mark.parametrize("interval", ["0", "-1", "nan", "inf", "0.001", "0.5"])
def test_worker_refuses_an_interval_under_a_second_in_one_message(tmp_path: Path, interval: str):
    # `--interval 0.001` ran clustering passes back to back, a core busy and the clustering lock always held; 0 and
    # 0.5 were refused in two wordings ("a positive number", "at least 1"), where the help and docs say "at least 1".
    result = run(["worker", "--interval", interval], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/w.db"})

    assert result.returncode == 2
    assert one_line_error(result) == f"feedgate: --interval must be a number of seconds, at least 1, got {interval}"


def test_serve_names_the_workers_flag_when_its_value_is_refused(tmp_path: Path):
    # It said "workers (FEEDGATE_WORKERS)", a variable the operator never set.
    result = run(["serve", "--workers", "0"], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"})

    assert result.returncode == 2
    assert result.stderr.splitlines()[1].startswith("  workers (--workers): ")


@pytest.mark.parametrize("port", ["0", "-1", "65536", "99999"])
def test_serve_refuses_a_port_outside_1_to_65535(tmp_path: Path, port: str):
    result = run(["serve", "--port", port], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"})

    assert result.returncode == 2
    assert one_line_error(result) == f"feedgate: --port must be a port number from 1 to 65535, got {port}"


@pytest.mark.parametrize("port", ["0", "99999"])
def test_worker_refuses_a_metrics_port_outside_1_to_65535(tmp_path: Path, port: str):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/w.db"}

    result = run(["worker", "--interval", "60", "--metrics-port", port], env)

    assert result.returncode == 2
    assert one_line_error(result) == f"feedgate: --metrics-port must be a port number from 1 to 65535, got {port}"


def test_serve_refuses_a_port_setting_outside_1_to_65535_naming_the_setting(tmp_path: Path):
    result = run(["serve"], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/s.db", "FEEDGATE_PORT": "-1"})

    assert result.returncode == 2
    assert "port (FEEDGATE_PORT): Input should be greater than or equal to 1; got '-1'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["serve"], ["worker", "--interval", "60"]])
def test_a_metrics_dir_that_is_a_file_is_one_line_naming_the_setting(tmp_path: Path, command: list[str]):
    (tmp_path / "metrics").write_text("")
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/m.db", "FEEDGATE_METRICS_DIR": str(tmp_path / "metrics")}

    result = run(command, env)

    assert result.returncode == 2
    assert one_line_error(result) == f"feedgate: FEEDGATE_METRICS_DIR: {tmp_path / 'metrics'} is a file, not a folder"


def test_a_spool_path_under_a_file_is_one_line_naming_the_setting(tmp_path: Path):
    (tmp_path / "taken").write_text("")
    env = {
        "FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/s.db",
        "FEEDGATE_SPOOL_PATH": str(tmp_path / "taken" / "spool.jsonl"),
    }

    result = run(["serve"], env)

    assert result.returncode == 2
    assert one_line_error(result) == f"feedgate: FEEDGATE_SPOOL_PATH: {tmp_path / 'taken'} is a file, not a folder"


def test_a_spool_path_that_is_a_folder_is_one_line_naming_a_file_to_use(tmp_path: Path):
    # A folder there made every call wait in memory, never stored, while /readyz said ready.
    (tmp_path / "spool").mkdir()
    env = {
        "FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/s.db",
        "FEEDGATE_SPOOL_PATH": str(tmp_path / "spool"),
        "FEEDGATE_PORT": str(free_port()),
    }

    result = run(["serve"], env)

    assert result.returncode == 2
    assert one_line_error(result) == (
        f"feedgate: FEEDGATE_SPOOL_PATH: {tmp_path / 'spool'} is a folder; name a file in it,"
        f" e.g. {tmp_path / 'spool' / 'feedgate.spool.jsonl'}"
    )


@pytest.mark.parametrize("actor", ["", "   ", "a" * 201])
def test_erase_refuses_an_actor_the_audit_log_cannot_name(tmp_path: Path, actor: str):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/e.db"}

    result = run(["erase", "--user", "ghost", "--actor", actor], env)

    assert result.returncode == 2
    assert one_line_error(result).startswith(("feedgate: --actor must ", "feedgate: '--actor' is blank: "))


def test_erase_accepts_an_actor_of_200_characters(tmp_path: Path):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/e.db"}
    assert run(["db", "upgrade"], env).returncode == 0

    result = run(["erase", "--user", "ghost", "--actor", "a" * 200], env)

    assert result.returncode == 0, result.stderr
    assert "erased: nothing was stored about this user" in result.stdout


def test_db_upgrade_refuses_what_is_not_a_database_url_naming_the_forms_that_work():
    result = run(["db", "upgrade", "--database-url", "notaurl"], {})

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "feedgate: invalid configuration:",
        "  database_url (--database-url): not a database URL; use sqlite+aiosqlite:///path/to/feedgate.db "
        "or postgresql+asyncpg://user:password@host/database",
    ]


def test_db_upgrade_refuses_a_database_feedgate_does_not_run_on_without_showing_its_password():
    result = run(["db", "upgrade"], {"FEEDGATE_DATABASE_URL": "mysql://feedgate:secret@db/feedgate"})

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [_, line] = result.stderr.splitlines()
    assert line.startswith(
        "  database_url (FEEDGATE_DATABASE_URL): mysql://feedgate:***@db/feedgate is not a database Feedgate runs on"
    )
    assert "secret" not in result.stderr


@pytest.mark.parametrize("name", ["", "   "])
def test_keys_create_refuses_a_blank_app_name_and_issues_no_key(tmp_path: Path, name: str):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/keys.db"}
    run(["db", "upgrade"], env)

    result = run(["keys", "create", name], env)

    assert result.returncode == 2
    assert one_line_error(result) == (
        "feedgate: 'APP' is blank: name the app the key is for (`feedgate keys create support-bot`)"
    )
    with sqlite3.connect(tmp_path / "keys.db") as db:
        assert db.execute("SELECT count(*) FROM gateway_keys").fetchone() == (0,)


@pytest.mark.parametrize("days", ["nan", "inf", "1e6", "36501", "0", "-1"])
def test_prune_refuses_an_age_that_is_not_between_0_and_a_century_in_one_line(tmp_path: Path, days: str):
    result = run(["prune", "--older-than", days], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/p.db"})

    assert result.returncode == 2
    assert one_line_error(result).startswith(
        "feedgate: --older-than must be a number of days above 0 and at most 36500"
    )


def test_serve_refuses_a_writer_batch_size_of_0_naming_the_variable(tmp_path: Path):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/s.db", "FEEDGATE_WRITER_BATCH_SIZE": "0"}

    result = run(["serve", "--port", str(free_port())], env)

    assert result.returncode == 2
    assert "writer_batch_size (FEEDGATE_WRITER_BATCH_SIZE): Input should be greater than or equal to 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_list_setting_that_is_not_a_list_is_refused_without_a_traceback(tmp_path: Path):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/v.db", "FEEDGATE_REVIEW_GATES": "support-bot"}

    result = run(["audit", "verify"], env)

    assert result.returncode == 2
    assert "review_gates (FEEDGATE_REVIEW_GATES): must be a JSON list" in result.stderr
    assert "Traceback" not in result.stderr


def test_with_json_logs_asked_for_a_typo_warning_and_a_refusal_are_json_lines(tmp_path: Path):
    env = {
        "FEEDGATE_LOG_FORMAT": "json",
        "FEEDGATE_DATABSE_URL": "typo",
        "FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/missing/s.db",
    }

    result = run(["serve", "--port", str(free_port())], env)

    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(line["level"], line["logger"]) for line in lines] == [("warning", "feedgate"), ("error", "feedgate")]
    assert lines[0]["message"].startswith("FEEDGATE_DATABSE_URL is not a Feedgate setting")
    assert lines[1]["message"].startswith("cannot reach the database")


def test_serve_on_a_taken_port_is_refused_before_the_database_is_touched(tmp_path: Path):
    database = tmp_path / "s.db"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = run(["serve", "--port", str(port)], {"FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{database}"})

    assert result.returncode == 2
    assert one_line_error(result).startswith(f"feedgate: cannot listen on 127.0.0.1:{port}: Address already in use.")
    assert not database.exists()


@pytest.mark.parametrize("host", ["192.0.2.1", "no-such-host.invalid"])
def test_serve_on_a_host_that_is_not_this_machine_says_to_fix_the_host_not_the_port(tmp_path: Path, host: str):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/s.db", "FEEDGATE_HOST": host}

    result = run(["serve", "--port", str(free_port())], env)

    assert result.returncode == 2
    line = one_line_error(result)
    assert line.startswith(f"feedgate: cannot listen on {host}:")
    assert "is FEEDGATE_HOST (--host) an address of this machine" in line
    assert "another process" not in line


def test_a_port_refused_for_want_of_privileges_says_to_choose_another_port():
    # Root may bind any port, so the refusal a non-root `serve --port 80` meets is built as the bind raises it.
    line = cannot_listen("0.0.0.0", 80, PermissionError(errno.EACCES, "Permission denied"))

    assert line.startswith("cannot listen on 0.0.0.0:80: Permission denied.")
    assert line.endswith("ports below 1024 need privileges; choose another with --port or FEEDGATE_PORT")


def test_worker_on_a_taken_metrics_port_says_only_that(tmp_path: Path):
    # It announced its interval and the metrics URL it was about to fail to serve, then refused.
    env = {"FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/w.db"}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = run(["worker", "--interval", "3600", "--metrics-port", str(port)], env)

    assert result.returncode == 2
    [said] = [line for line in result.stderr.splitlines() if "alembic" not in line and "database upgraded" not in line]
    assert said.startswith(f"feedgate: cannot serve the worker's metrics on 127.0.0.1:{port}: ")
    assert said.endswith("address already in use")
