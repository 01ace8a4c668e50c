"""URLs from the settings as logs and error messages show them: never the credentials they may carry."""

from __future__ import annotations

import pytest

from gateway.url_text import (
    shown_url,
    shown_webhook_url,
    with_urls_shown,
    without_url_passwords,
    without_webhook_secret,
)


def test_a_urls_user_and_password_are_not_shown():
    assert shown_url("https://ana:hunter2@llm.internal:8443/v1") == "https://***@llm.internal:8443/v1"


def test_a_urls_query_values_are_not_shown_but_its_names_are():
    shown = shown_url("https://llm.example/v1?api-version=preview&key=AIzaSECRET")

    assert shown == "https://llm.example/v1?api-version=…&key=…"


def test_a_url_without_credentials_is_shown_as_it_is():
    assert shown_url("http://127.0.0.1:9000/v1") == "http://127.0.0.1:9000/v1"


def test_a_webhook_url_is_shown_as_its_origin_alone():
    # A webhook's path is often its secret (https://hooks.slack.com/services/T…/B…/<secret>).
    assert (
        shown_webhook_url("https://user:pw@hooks.example.com/services/T0/B0/SECRET?x=1")
        == "https://hooks.example.com/…"
    )


def test_a_webhook_url_without_a_path_is_shown_whole():
    assert shown_webhook_url("https://hooks.example.com") == "https://hooks.example.com"


def test_a_query_item_without_a_value_is_not_shown_as_a_name():
    # "?sk-abc123" is a key given bare (some webhooks and proxies take one so): it has no name to show.
    assert shown_url("https://llm.example.test/v1?sk-abc123") == "https://llm.example.test/v1?…"
    assert shown_url("https://llm.example.test/v1?api-version=1&sk-abc123") == (
        "https://llm.example.test/v1?api-version=…&…"
    )


def test_every_url_in_a_text_is_shown_without_its_secrets():
    text = "ClientResponseError: 400, url='http://u:pw@h:8080/v1/chat?key=abc&x=1' then http://h/?sk-1"

    assert (
        with_urls_shown(text) == "ClientResponseError: 400, url='http://***@h:8080/v1/chat?key=…&x=…' then http://h/?…"
    )


def test_a_webhook_error_loses_the_urls_path_query_and_password():
    url = "https://ml:pw9@hooks.example.test/services/T0/XyzSecret?token=t0k"

    said = without_webhook_secret(f"cannot reach {url}; path /services/T0/XyzSecret, token=t0k", url)

    assert said == "cannot reach https://hooks.example.test/…; path …, …"


# A password's two halves around a character RFC 3986 wants percent-encoded in it: neither may be shown.
UNESCAPED = ["/", "?", "#", "@", "/x@"]


@pytest.mark.parametrize("separator", UNESCAPED)
def test_no_piece_of_a_password_with_an_unescaped_separator_is_shown(separator: str):
    # The user and password ended at the first "/", "?" or "#": "u:Zq1" was shown as a host, the rest as a path.
    url = f"postgresql+asyncpg://feedgate:Zq1{separator}Xw2@db.internal:5432/feedgate"

    for shown in (shown_url(url), with_urls_shown(f"cannot reach {url}: refused"), without_url_passwords(url)):
        assert "Zq1" not in shown and "Xw2" not in shown, shown
    assert shown_url(url) == "postgresql+asyncpg://***@db.internal:5432/feedgate"
    assert without_url_passwords(f"at {url}.") == "at postgresql+asyncpg://feedgate:***@db.internal:5432/feedgate."


@pytest.mark.parametrize("separator", ["/", "?", "#"])
def test_a_url_with_a_password_and_no_at_is_said_unreadable_and_shows_nothing_of_it(separator: str):
    # "user:pass/word" with its "@host" left out reads as a host "user" on port "pass": no part of it is shown.
    url = f"postgresql+asyncpg://feedgate:Zq1{separator}Xw2/feedgate"

    for shown in (shown_url(url), with_urls_shown(f"cannot reach {url}"), without_url_passwords(url)):
        assert "Zq1" not in shown and "Xw2" not in shown, shown
    assert "unreadable" in shown_url(url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9000/v1", "http://[::1]:8080/v1", "https://llm.example/v1/u@x", "http://h:/v1"]
)
def test_a_host_with_a_port_and_no_credentials_is_still_shown_whole(url: str):
    assert shown_url(url) == url
    assert without_url_passwords(url) == url


def test_a_password_holding_a_bracket_is_not_taken_for_an_ipv6_host():
    shown = shown_url("postgresql+asyncpg://u:Zq1[/Xw2@db/feedgate")

    assert shown == "postgresql+asyncpg://***@db/feedgate"


def test_a_urls_pattern_in_a_message_is_left_as_it_is():
    said = "'127.0.0.1:18123' is not a browser origin: write scheme://host[:port]"

    assert without_url_passwords(said) == said
