"""URLs from the settings as logs and error messages show them: never the credentials they may carry."""

from __future__ import annotations

from gateway.url_text import shown_url, shown_webhook_url


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
