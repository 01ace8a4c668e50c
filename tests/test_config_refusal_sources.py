"""A refusal names where the refused value came from, in one line per setting, all of them at once.

The database hints said "is FEEDGATE_DATABASE_URL right?" when the URL came from the config file; a check across
settings (a side call's key, a webhook's secret, a client-address header) printed as `settings: Value error, ...`
naming nothing to fix; and of two such refusals only the first was reported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.ports import free_port

FEEDGATE = [sys.executable, "-m", "gateway.cli"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {name: value for name, value in os.environ.items() if not name.startswith("FEEDGATE_")}
    return subprocess.run([*FEEDGATE, *args], env={**clean, **env}, capture_output=True, text=True, timeout=60)


def closed_port_url() -> str:
    return f"postgresql+asyncpg://feedgate:secret@127.0.0.1:{free_port()}/feedgate"


def test_an_unreachable_database_from_the_config_file_names_the_file_and_its_key(tmp_path: Path):
    config = tmp_path / "feedgate.toml"
    config.write_text(f'database_url = "{closed_port_url()}"\n')

    result = run(["keys", "list", "--config", str(config)], {})

    assert result.returncode == 2
    assert f"is database_url in {config} right?" in result.stderr
    assert "FEEDGATE_DATABASE_URL" not in result.stderr


def test_an_unreachable_database_from_the_environment_names_the_variable(tmp_path: Path):
    config = tmp_path / "feedgate.toml"
    config.write_text('database_url = "sqlite+aiosqlite:///unused.db"\n')

    result = run(["keys", "list", "--config", str(config)], {"FEEDGATE_DATABASE_URL": closed_port_url()})

    assert result.returncode == 2
    assert "is FEEDGATE_DATABASE_URL right?" in result.stderr


def test_a_missing_sqlite_file_from_the_config_file_names_the_file_and_its_key(tmp_path: Path):
    config = tmp_path / "feedgate.toml"
    config.write_text(f'database_url = "sqlite+aiosqlite:///{tmp_path}/none.db"\n')

    result = run(["prune", "--older-than", "5", "--config", str(config)], {})

    assert result.returncode == 2
    assert f"check database_url in {config}" in result.stderr


def test_a_side_call_key_refusal_names_its_setting_and_variable_without_pydantic_noise():
    result = run(["keys", "list"], {"FEEDGATE_EMBEDDING_URL": "http://embeddings.example/v1"})

    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "feedgate: invalid configuration:"
    assert lines[1].startswith(
        "  embedding_api_key_env (FEEDGATE_EMBEDDING_API_KEY_ENV): embedding_url is at another host"
    )
    assert "Value error" not in result.stderr
    assert "settings:" not in result.stderr


def test_every_refusal_across_settings_is_reported_at_once_one_line_each():
    result = run(
        ["keys", "list"],
        {
            "FEEDGATE_EMBEDDING_URL": "http://embeddings.example/v1",
            "FEEDGATE_TITLE_MODEL": "gpt-title",
            "FEEDGATE_TITLE_URL": "http://titles.example/v1",
            "FEEDGATE_ADMIN_CLIENT_ADDRESS_HEADER": "x-real-ip",
            "FEEDGATE_REVIEW_WEBHOOK_URL": "https://hooks.example/review",
        },
    )

    assert result.returncode == 2
    named = [line.split(":")[0].strip() for line in result.stderr.splitlines()[1:]]
    assert sorted(named) == sorted(
        [
            "admin_client_address_header (FEEDGATE_ADMIN_CLIENT_ADDRESS_HEADER)",
            "title_api_key_env (FEEDGATE_TITLE_API_KEY_ENV)",
            "embedding_api_key_env (FEEDGATE_EMBEDDING_API_KEY_ENV)",
            "review_webhook_url (FEEDGATE_REVIEW_WEBHOOK_URL)",
        ]
    )
    assert "Value error" not in result.stderr


def test_a_refused_value_from_the_config_file_names_the_file_and_its_key(tmp_path: Path):
    config = tmp_path / "feedgate.toml"
    config.write_text('shutdown_timeout = -1\nreview_webhook_url = "https://hooks.example/review"\n')

    result = run(["keys", "list", "--config", str(config)], {"FEEDGATE_PORT": "70000"})

    assert result.returncode == 2
    assert f"  shutdown_timeout (shutdown_timeout in {config}): " in result.stderr
    assert "  port (FEEDGATE_PORT): " in result.stderr
    assert "FEEDGATE_SHUTDOWN_TIMEOUT" not in result.stderr


def test_a_refusal_of_a_setting_left_unset_names_the_variable_and_the_config_file_key(tmp_path: Path):
    config = tmp_path / "feedgate.toml"
    config.write_text('embedding_url = "http://embeddings.example/v1"\n')

    result = run(["keys", "list", "--config", str(config)], {})

    assert result.returncode == 2
    assert (
        f"  embedding_api_key_env (FEEDGATE_EMBEDDING_API_KEY_ENV, or embedding_api_key_env in {config}): "
        in result.stderr
    )
