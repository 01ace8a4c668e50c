"""URLs from the settings as logs and error messages show them: never the credentials they may carry."""

from __future__ import annotations

from gateway.url_text import shown_url, shown_webhook_url, with_urls_shown, without_webhook_secret


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
