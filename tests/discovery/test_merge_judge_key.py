"""The merge judge's key goes only where it was configured for: the title model's key never reaches another host."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.config import Settings


def test_a_judge_at_another_host_without_its_own_key_variable_is_refused():
    # Inherited, OPENAI_API_KEY (the title model's) went to the judge's host, whatever that was.
    with pytest.raises(ValidationError, match="merge_judge_api_key_env"):
        Settings(title_url="https://api.openai.com/v1", merge_judge_model="j", merge_judge_url="http://judge.local/v1")


def test_a_judge_at_the_default_upstreams_host_is_refused_too_when_titles_go_there():
    with pytest.raises(ValidationError, match="merge_judge_api_key_env"):
        Settings(upstream_url="https://api.openai.com/v1", merge_judge_model="j", merge_judge_url="http://x.local/v1")


@pytest.mark.parametrize(
    "judge",
    [
        {"merge_judge_url": None},  # the title model's URL
        {"merge_judge_url": "https://API.openai.com/v1/"},  # the same origin, spelt otherwise
        {"merge_judge_url": "http://judge.local/v1", "merge_judge_api_key_env": "JUDGE_KEY"},
        {"merge_judge_url": "http://judge.local/v1", "merge_judge_api_key_env": ""},  # no key
    ],
)
def test_a_judge_keyed_where_it_was_configured_is_taken(judge):
    settings = Settings(title_url="https://api.openai.com/v1", merge_judge_model="j", **judge)

    assert settings.merge_judge_model == "j"
