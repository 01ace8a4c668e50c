"""Settings for a gateway behind a reverse proxy: the public prefix and the trusted proxies, read and refused."""

from __future__ import annotations

import pytest
from config_helpers import without_feedgate_variables

from gateway.config import load_settings
from gateway.config_checks import ConfigError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    without_feedgate_variables(monkeypatch)


def test_a_client_address_header_without_trusted_proxies_is_refused_naming_both(monkeypatch):
    monkeypatch.setenv("FEEDGATE_ADMIN_CLIENT_ADDRESS_HEADER", "x-forwarded-for")

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert "FEEDGATE_ADMIN_CLIENT_ADDRESS_HEADER" in str(raised.value)
    assert "FEEDGATE_TRUSTED_PROXIES" in str(raised.value)


def test_trusted_proxies_are_read_comma_separated_from_the_environment(monkeypatch):
    monkeypatch.setenv("FEEDGATE_FEEDBACK_CLIENT_ADDRESS_HEADER", "x-forwarded-for")
    monkeypatch.setenv("FEEDGATE_TRUSTED_PROXIES", "10.0.0.5, 192.168.0.0/16,::1")

    assert load_settings().trusted_proxies == ["10.0.0.5", "192.168.0.0/16", "::1"]


def test_a_trusted_proxy_that_is_no_address_is_refused(monkeypatch):
    monkeypatch.setenv("FEEDGATE_TRUSTED_PROXIES", "nginx")

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert "trusted_proxies (FEEDGATE_TRUSTED_PROXIES)" in str(raised.value)
    assert "'nginx' is not an IP address or network" in str(raised.value)


@pytest.mark.parametrize(("given", "kept"), [("/feedgate", "/feedgate"), ("/feedgate/", "/feedgate"), ("/", "")])
def test_the_root_path_is_kept_without_a_trailing_slash(monkeypatch, given, kept):
    monkeypatch.setenv("FEEDGATE_ROOT_PATH", given)

    assert load_settings().root_path == kept


@pytest.mark.parametrize("given", ["feedgate", "/a//b", "/x?y", "/../x", "/admin", "/v1"])
def test_a_root_path_that_is_no_prefix_is_refused_naming_the_variable(monkeypatch, given):
    monkeypatch.setenv("FEEDGATE_ROOT_PATH", given)

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert "root_path (FEEDGATE_ROOT_PATH)" in str(raised.value)


@pytest.mark.parametrize(
    "variable", ["FEEDGATE_ADMIN_CLIENT_ADDRESS_HEADER", "FEEDGATE_FEEDBACK_CLIENT_ADDRESS_HEADER"]
)
@pytest.mark.parametrize("given", ["X-Forwarded-For:", "x forwarded for", "X-Forwarded-For ", "x-real-ip\t"])
def test_a_client_address_header_that_no_request_can_carry_is_refused_naming_the_variable(monkeypatch, variable, given):
    # A name with a colon (copied from `curl -H`), a space or a trailing blank from an env file was taken,
    # matched no header, and every browser was counted as the proxy: one browser's failures locked out all.
    monkeypatch.setenv("FEEDGATE_TRUSTED_PROXIES", "10.0.0.5")
    monkeypatch.setenv(variable, given)

    with pytest.raises(ConfigError) as raised:
        load_settings()

    [_, line] = str(raised.value).splitlines()
    assert f"({variable})" in line
    assert "is not an HTTP header name" in line


def test_a_client_address_header_in_any_case_is_taken(monkeypatch):
    monkeypatch.setenv("FEEDGATE_TRUSTED_PROXIES", "10.0.0.5")
    monkeypatch.setenv("FEEDGATE_ADMIN_CLIENT_ADDRESS_HEADER", "X-Real-IP")

    assert load_settings().admin_client_address_header == "X-Real-IP"
