"""Settings refuse ports nobody could listen on or find, and database URLs Feedgate cannot run on."""

from __future__ import annotations

import pytest

from gateway.config import load_settings
from gateway.config_checks import ConfigError


@pytest.mark.parametrize("variable", ["FEEDGATE_PORT", "FEEDGATE_WORKER_METRICS_PORT"])
@pytest.mark.parametrize("port", ["0", "-1", "65536", "99999"])
def test_a_port_setting_outside_1_to_65535_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, port: str
):
    monkeypatch.setenv(variable, port)

    with pytest.raises(ConfigError, match=variable.removeprefix("FEEDGATE_").lower()):
        load_settings()


@pytest.mark.parametrize("port", [1, 65535])
def test_the_lowest_and_highest_ports_are_accepted(port: int):
    settings = load_settings(port=port, worker_metrics_port=port)

    assert (settings.port, settings.worker_metrics_port) == (port, port)


@pytest.mark.parametrize("url", ["notaurl", "", "/var/lib/feedgate.db"])
def test_what_is_not_a_database_url_is_refused_naming_the_forms_that_work(url: str):
    with pytest.raises(ConfigError) as raised:
        load_settings(database_url=url)

    assert str(raised.value) == (
        "database_url is not a database URL; use sqlite+aiosqlite:///path/to/feedgate.db "
        "or postgresql+asyncpg://user:password@host/database"
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("mysql://feedgate:secret@db/feedgate", "mysql://feedgate:***@db/feedgate"),
        ("postgresql+psycopg2://feedgate:secret@db/feedgate", "postgresql+psycopg2://feedgate:***@db/feedgate"),
        ("sqlite+pysqlite:///feedgate.db", "sqlite+pysqlite:///feedgate.db"),
        ("https://db.example/feedgate", "https://db.example/feedgate"),
    ],
)
def test_a_database_feedgate_does_not_run_on_is_refused_with_its_password_hidden(url: str, shown: str):
    with pytest.raises(ConfigError) as raised:
        load_settings(database_url=url)

    assert str(raised.value).startswith(f"database_url {shown} is not a database Feedgate runs on")
    assert "secret" not in str(raised.value)


def test_a_database_url_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_DATABASE_URL", "mysql://x")

    with pytest.raises(ConfigError, match="is not a database Feedgate runs on"):
        load_settings()
