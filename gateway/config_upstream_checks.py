"""The `[[upstreams]]` entries' checks: one name each (the default upstream's too), one upstream per model claim.

Kept apart from gateway.config_checks, whose `refused` reports what these find.
"""

from __future__ import annotations

from gateway.config_checks import Refusal, folded_word, refused
from gateway.domain.quoting import quoted


def upstream_refusals(names: list[str], default_name: str, claims: list[tuple[str, list[str], list[str]]]) -> None:
    """Refuse the `[[upstreams]]` entries' names and claims, every refusal of both at once (as the docs promise)."""
    refusals = upstream_name_refusals(names, default_name) + upstream_claim_refusals(claims)
    if refusals:
        raise refused(*refusals)


def upstream_name_refusals(names: list[str], default_name: str) -> list[Refusal]:
    """An upstream named like another, or like the default one: metrics and logs name upstreams by it.

    Alike is case-folded (and stripped): routing matches names exactly, so 'Default' beside 'default' routes, but the
    people reading metrics, logs and /v1/models' `owned_by` would take the two for one upstream.
    """
    first: dict[str, int] = {}
    repeated: list[Refusal] = []
    for index, name in enumerate(names):
        folded = folded_word(name)
        if name == default_name:
            repeated.append(
                ((index, "name"), f"{quoted(name)} names the default upstream (upstream_url); choose another")
            )
        elif folded == folded_word(default_name):
            reason = f"{quoted(name)} reads as the default upstream's name {quoted(default_name)} (upstream_url)"
            repeated.append(((index, "name"), f"{reason}; choose another"))
        elif folded in first:
            earlier = first[folded]
            spelt = "" if names[earlier] == name else f" ({quoted(names[earlier])})"
            repeated.append(
                ((index, "name"), f"upstream {quoted(name)} is already upstreams.{earlier}{spelt}; one per name")
            )
        else:
            first[folded] = index
    return repeated


def upstream_claim_refusals(claims: list[tuple[str, list[str], list[str]]]) -> list[Refusal]:
    """A model or prefix two upstreams claim, and a blank prefix: given (name, models, prefixes) per upstream.

    The router takes the first claim, so a second was silently never used; a blank prefix starts every model name,
    so it took every call from the default upstream.
    """
    first: dict[tuple[str, str], tuple[str, int]] = {}
    problems: list[Refusal] = []
    for index, (name, models, prefixes) in enumerate(claims):
        for field, what, values in (("models", "model", models), ("model_prefixes", "prefix", prefixes)):
            for position, value in enumerate(values):
                if field == "model_prefixes" and not value.strip():
                    problems.append(
                        (
                            (index, field, position),
                            "a blank prefix starts every model name, so it would take every call no other entry"
                            " claims from the default upstream (upstream_url): remove it, or name a prefix such as"
                            " 'llama'",
                        )
                    )
                    continue
                owner = first.setdefault((field, value), (name, index))
                if owner[1] != index:
                    problems.append(
                        (
                            (index, field, position),
                            f"{what} {quoted(value)} is already routed to upstream {quoted(owner[0])}"
                            f" (upstreams.{owner[1]}): list each {what} under one upstream",
                        )
                    )
    return problems
