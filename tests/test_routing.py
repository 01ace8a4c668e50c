"""Routing a request's model to an upstream: exact names, then the longest prefix, then the default."""

from __future__ import annotations

import pytest

from gateway.config_entries import Upstream
from gateway.proxy.routing import UpstreamRouter

LOCAL = Upstream(name="local", url="http://localhost:11434/v1", models=["gpt-4o-local"], model_prefixes=["llama"])
LLAMA_3 = Upstream(name="llama-3-farm", url="http://llama3.internal/v1", model_prefixes=["llama-3"])
ANTHROPIC = Upstream(name="anthropic", url="https://api.anthropic.com/v1", model_prefixes=["claude"])
DEFAULT = Upstream(name="default", url="https://api.openai.com/v1")


@pytest.fixture
def router() -> UpstreamRouter:
    return UpstreamRouter([LOCAL, LLAMA_3, ANTHROPIC, DEFAULT])


def test_an_exact_model_name_routes_to_the_upstream_that_lists_it(router: UpstreamRouter):
    assert router.route("gpt-4o-local") is LOCAL


def test_an_exact_name_beats_a_prefix_that_also_matches():
    exact = Upstream(name="exact", url="http://exact/v1", models=["llama-3.1-8b"])
    router = UpstreamRouter([LLAMA_3, exact, DEFAULT])

    assert router.route("llama-3.1-8b") is exact


def test_a_model_matching_a_prefix_routes_to_that_upstream(router: UpstreamRouter):
    assert router.route("claude-sonnet-4-5") is ANTHROPIC


def test_the_longest_matching_prefix_wins(router: UpstreamRouter):
    # "llama" (local) and "llama-3" (llama-3-farm) both match; the longer one is more specific.
    assert router.route("llama-3.1-70b") is LLAMA_3
    assert router.route("llama-2-13b") is LOCAL


def test_the_longest_prefix_wins_whatever_the_order_upstreams_are_listed_in():
    router = UpstreamRouter([LLAMA_3, LOCAL, DEFAULT])

    assert router.route("llama-3.1-70b") is LLAMA_3
    assert router.route("llama-2-13b") is LOCAL


def test_when_two_upstreams_list_the_same_model_the_first_listed_wins():
    first = Upstream(name="first", url="http://first/v1", models=["shared-model"])
    second = Upstream(name="second", url="http://second/v1", models=["shared-model"])

    assert UpstreamRouter([first, second, DEFAULT]).route("shared-model") is first


def test_an_unknown_model_goes_to_the_default_upstream(router: UpstreamRouter):
    assert router.route("gpt-4o") is DEFAULT


def test_a_prefix_only_matches_the_start_of_the_model_name(router: UpstreamRouter):
    assert router.route("my-claude-clone") is DEFAULT


@pytest.mark.parametrize("model", [None, ""])
def test_a_request_without_a_model_goes_to_the_default_upstream(router: UpstreamRouter, model: str | None):
    assert router.route(model) is DEFAULT


def test_the_default_upstream_is_the_last_one_given():
    router = UpstreamRouter([ANTHROPIC, LOCAL])

    assert router.default is LOCAL
    assert router.route("gpt-4o") is LOCAL


def test_repeated_lookups_give_the_same_answer(router: UpstreamRouter):
    # Answers are cached per model name; the cache must not change them.
    first = [router.route(model) for model in ("llama-3.1-70b", "gpt-4o", "claude-3-haiku")]
    again = [router.route(model) for model in ("llama-3.1-70b", "gpt-4o", "claude-3-haiku")]

    assert first == again == [LLAMA_3, DEFAULT, ANTHROPIC]


def test_a_router_needs_at_least_one_upstream():
    with pytest.raises(ValueError, match="at least one upstream"):
        UpstreamRouter([])
