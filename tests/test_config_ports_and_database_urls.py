"""Settings refuse ports nobody could listen on or find, and database URLs Feedgate cannot run on."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.config import Settings, load_settings
from gateway.config_checks import ConfigError

PORT_REFUSED = "  port (port passed in code): Input should be less than or equal to 65535; got 70000"


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
        "invalid configuration:\n"
        "  database_url (database_url passed in code): not a database URL; use "
        "sqlite+aiosqlite:///path/to/feedgate.db or postgresql+asyncpg://user:password@host/database"
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

    assert f"  database_url (database_url passed in code): {shown} is not a database Feedgate runs on" in str(
        raised.value
    )
    assert "secret" not in str(raised.value)


def test_a_database_url_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_DATABASE_URL", "mysql://x")

    with pytest.raises(ConfigError, match="is not a database Feedgate runs on"):
        load_settings()


@pytest.mark.parametrize(
    "url",
    [
        # The "@host" left out: read as host "u" on port "Zq1", whose int() error quoted it.
        "postgresql+asyncpg://u:Zq1/Xw2/feedgate",
        "postgresql+asyncpg://u:Zq1?Xw2/feedgate",
        # Two "@": the password's own was taken for the end of it, and "Xw2" shown as the host.
        "postgresql+asyncpg://u:Zq1@Xw2@127.0.0.1:1/feedgate",
        "postgresql+asyncpg://u:Zq1@Xw2/x@127.0.0.1:1/feedgate",
    ],
)
def test_a_database_url_whose_password_breaks_it_is_refused_showing_none_of_it(url: str):
    with pytest.raises(ConfigError) as raised:
        load_settings(database_url=url)

    said = str(raised.value)
    assert "Zq1" not in said and "Xw2" not in said, said
    assert "percent-encode" in said and "%40" in said and "%2F" in said, said


@pytest.mark.parametrize(
    "url",
    [
        "notaurl",
        "mysql://feedgate:Zq1Xw2@db/feedgate",
        "postgresql+asyncpg://u:Zq1/Xw2/feedgate",
        "postgresql+asyncpg://u:Zq1@Xw2@127.0.0.1:1/feedgate",
    ],
)
def test_a_refused_database_url_is_reported_beside_another_refused_setting_showing_no_password(url: str):
    with pytest.raises(ConfigError) as raised:
        load_settings(database_url=url, port=70000)

    said = str(raised.value)
    lines = said.splitlines()
    assert lines[0] == "invalid configuration:" and PORT_REFUSED in lines, said
    assert any(line.startswith("  database_url (database_url passed in code): ") for line in lines), said
    assert "Zq1" not in said and "Xw2" not in said, said


def test_a_check_across_settings_is_reported_beside_a_refused_database_url(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_DATABASE_URL", "mysql://feedgate:Zq1Xw2@db/feedgate")
    monkeypatch.setenv("FEEDGATE_REVIEW_WEBHOOK_URL", "http://x/y")

    with pytest.raises(ConfigError) as raised:
        load_settings()

    said = str(raised.value)
    assert "  database_url (FEEDGATE_DATABASE_URL): mysql://feedgate:***@db/feedgate is not a database" in said
    assert "  review_webhook_url (FEEDGATE_REVIEW_WEBHOOK_URL): its notices are signed with" in said
    assert "Zq1Xw2" not in said


def test_a_database_url_refused_by_settings_built_in_code_shows_no_password():
    with pytest.raises(ValidationError) as raised:
        Settings(database_url="mysql://feedgate:Zq1Xw2@db/feedgate")

    assert "Zq1Xw2" not in str(raised.value) and "Zq1Xw2" not in repr(raised.value.errors())


@pytest.mark.parametrize("separator", ["/", "?", "#"])
async def test_an_unreachable_database_whose_password_holds_a_separator_shows_none_of_it(separator: str):
    from gateway.store.engine import DatabaseUnreachable, check_reachable, create_engine

    settings = load_settings(database_url=f"postgresql+asyncpg://u:Zq1{separator}Xw2@127.0.0.1:1/feedgate")
    engine = create_engine(settings.database_url)
    try:
        with pytest.raises(DatabaseUnreachable) as raised:
            await check_reachable(engine)
    finally:
        await engine.dispose()

    said = str(raised.value)
    assert "Zq1" not in said and "Xw2" not in said, said
    assert "127.0.0.1:1/feedgate" in said
