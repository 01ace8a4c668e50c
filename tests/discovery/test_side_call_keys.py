"""Titles' and embeddings' key goes only where it was configured for: OPENAI_API_KEY never reaches another host."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.config import Settings

UPSTREAM = "https://api.openai.com/v1"


def test_titles_at_another_host_without_their_own_key_variable_are_refused():
    # By default, OPENAI_API_KEY (the default upstream's) went to whatever host title_url named.
    with pytest.raises(
        ValidationError, match='set this to the variable holding the key for title_url, or to ""'
    ) as raised:
        Settings(upstream_url=UPSTREAM, title_model="t", title_url="http://titles.local/v1")
    assert [error["loc"] for error in raised.value.errors()] == [("title_api_key_env",)]


def test_embeddings_at_another_host_without_their_own_key_variable_are_refused():
    # A self-hosted embeddings endpoint was sent OPENAI_API_KEY too.
    with pytest.raises(ValidationError, match="set this to the variable holding the key for embedding_url") as raised:
        Settings(upstream_url=UPSTREAM, embedding_url="http://127.0.0.1:8080/v1")
    assert [error["loc"] for error in raised.value.errors()] == [("embedding_api_key_env",)]


def test_a_judge_inheriting_the_title_models_url_and_key_is_refused_when_that_url_is_elsewhere():
    # No title model, but the judge goes to title_url with the title model's key.
    with pytest.raises(ValidationError, match="title_api_key_env"):
        Settings(upstream_url=UPSTREAM, title_url="http://titles.local/v1", merge_judge_model="j")


@pytest.mark.parametrize(
    "side_calls",
    [
        {"title_model": "t", "embedding_url": None},  # titles at the default upstream, the bundled embedder
        {"title_model": "t", "title_url": "https://API.openai.com/v1/", "embedding_url": "https://api.openai.com/v1"},
        {"title_model": "t", "title_url": "http://titles.local/v1", "title_api_key_env": "TITLES_KEY"},
        {"title_model": "t", "title_url": "http://titles.local/v1", "title_api_key_env": ""},  # no key
        {"title_model": "t", "title_url": "http://titles.local/v1", "title_api_key_env": "OPENAI_API_KEY"},  # said so
        {"embedding_url": "http://127.0.0.1:8080/v1", "embedding_api_key_env": "EMBEDDING_KEY"},
        {"embedding_url": "http://127.0.0.1:8080/v1", "embedding_api_key_env": ""},
        {"title_url": "http://titles.local/v1"},  # no title model and no judge: title_url is not called
    ],
)
def test_side_calls_keyed_where_they_were_configured_are_taken(side_calls):
    settings = Settings(upstream_url=UPSTREAM, **side_calls)

    assert settings.upstream_url == UPSTREAM
