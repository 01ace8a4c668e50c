"""Whether a fix serves as the arm it is linked with: a live link names the active prompt version or an active knowledge
entry, a canary link the running canary; otherwise its effect would count calls that never had it (a 409 saying what
serves and what to do)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.domain.quoting import quoted
from gateway.domain.shares import share_text


class NotServingAsLinked(Exception):
    """A fix linked with an arm it does not serve in (a 409 over HTTP); the message says what serves now and what to
    do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotTheCanary(NotServingAsLinked):
    """A canary link of a prompt version that is not the running canary: the active version's calls are all in the
    active arm, an inactive one gets none, so a canary comparison would count no canary."""

    def __init__(self, version: Mapping[str, Any]) -> None:
        label, canary = _label(version["version"], version), _canary(version)
        if version["state"] == "active":
            why = "it is the active version, whose calls are all in the active arm: a canary comparison would count no canary"
            todo = "Link it with arm 'live' (its effect is measured before and after it went live)"
        else:
            why = "it gets no calls, so a canary comparison would count none"
            link_instead = f"; or link {canary}, the canary serving" if canary else ""
            todo = (
                f"Start its canary first (POST /api/prompts/{version['id']}/canary with its share, or Canary on the "
                f"app's Prompts page), then link it with arm 'canary'{link_instead}"
            )
        super().__init__(f"prompt version {label} is not a canary now: {why} ({_serving(version)}). {todo}")


class NotActive(NotServingAsLinked):
    """A live link of a prompt version that is not the active one: a canary shapes a share of the calls, an inactive
    version none, so a before/after comparison would count calls that never had it."""

    def __init__(self, version: Mapping[str, Any]) -> None:
        label = _label(version["version"], version)
        if version["state"] == "canary":
            why = "only the canary's share of calls gets it"
            todo = (
                "Link it with arm 'canary' (compared with the rest of the calls), or promote it first "
                f"(POST /api/prompts/{version['id']}/promote, or Promote on the app's Prompts page), then link it with arm 'live'"
            )
        else:
            why = "it gets no calls"
            active = _label(version["active_number"], version) if version["active_number"] is not None else None
            link_instead = f"; or link {active}, the active version" if active else ""
            todo = (
                f"Make it active first (POST /api/prompts/{version['id']}/activate, or Activate on the app's Prompts "
                f"page), then link it with arm 'live'{link_instead}"
            )
        super().__init__(
            f"prompt version {label} is not active now: {why}, so a before/after comparison would count calls that "
            f"never had it ({_serving(version)}). {todo}"
        )


class EntrySwitchedOff(NotServingAsLinked):
    """A live link of a knowledge entry that is switched off: no call gets it, so a before/after comparison would count
    calls that never had it."""

    def __init__(self, entry: Mapping[str, Any]) -> None:
        super().__init__(
            f"knowledge-base entry {quoted(entry['title'])} is switched off: no call gets it, so a before/after "
            f"comparison would count calls that never had it. Activate it first (POST /api/kb/{entry['id']}/activate, "
            "or Activate on its Knowledge page), then link it"
        )


def check_entry_serving(entry: Mapping[str, Any]) -> None:
    """Refuse a (live) link of knowledge `entry` (FixLinkStore.knowledge_entry's row) that no call gets now."""
    if not entry["active"]:
        raise EntrySwitchedOff(entry)


def check_serving(version: Mapping[str, Any], arm: str) -> None:
    """Refuse a link of prompt `version` (FixLinkStore.prompt_version's row) with an `arm` it does not serve in now."""
    if arm == "canary" and version["state"] != "canary":
        raise NotTheCanary(version)
    if arm == "live" and version["state"] != "active":
        raise NotActive(version)


def _label(number: int, version: Mapping[str, Any]) -> str:
    """A prompt version of `version`'s app and model as people tell it apart (PromptVersion.label)."""
    model = version["model"] or None
    return f"v{number}" if model is None else f"{model} v{number}"


def _canary(version: Mapping[str, Any]) -> str | None:
    """The label of the canary running for `version`'s app and model; None when none runs."""
    return _label(version["canary_number"], version) if version["canary_number"] is not None else None


def _serving(version: Mapping[str, Any]) -> str:
    """What the version's app and model serve now, in a sentence's words."""
    model = version["model"] or None
    canary = _canary(version)
    active = _label(version["active_number"], version) if version["active_number"] is not None else None
    if canary is not None:
        on = f"{canary} is the canary on {share_text(version['canary_share'])} of calls"
        return f"{on}, {active} is active for the rest" if active else f"{on}, and the rest get no version"
    if active is not None:
        return f"no canary is running; {active} is active for all calls"
    if model is None:
        return f"no version of {version['app']} is serving"
    return f"no {model} version of {version['app']} is serving (its calls get the app-wide one, if any)"
