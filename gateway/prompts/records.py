"""What prompt instructions are made of: versions, what each app and model runs now, and listings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from typing import Any, Literal, TypeGuard, get_args

# How a version meets the app's own system message: before it, after it, or in its place.
Mode = Literal["prepend", "append", "replace"]
MODES: tuple[str, ...] = get_args(Mode)
DEFAULT_MODE: Mode = "prepend"
Arm = Literal["active", "canary"]
VersionState = Literal["active", "canary", "inactive"]


def is_mode(value: object) -> TypeGuard[Mode]:
    """Whether `value` is one of MODES."""
    return value in MODES


@dataclass(frozen=True, slots=True)
class VersionToPublish:
    """A new version as asked for, before it is checked (PromptService checks it): `app`'s instructions, for `model`
    (None: every model), how it is released (inactive, `activate`d, or a canary of `canary_share`), the `mode` it
    also sets, and what its audit record's `detail` adds."""

    app: str
    text: str
    message: str
    author: str
    _: KW_ONLY
    model: str | None = None
    mode: str | None = None
    activate: bool = False
    canary_share: float | None = None
    detail: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PromptVersion:
    """One published instruction text; never edited (a change is a new version)."""

    id: str
    app: str
    # None: every model of the app; a name: only requests for that model.
    model: str | None
    # 1, 2, 3… per app and model.
    number: int
    text: str
    author: str
    message: str
    created_at: datetime

    def label(self) -> str:
        """How people tell it apart: numbers count per model, so a model-specific version names its model."""
        return f"v{self.number}" if self.model is None else f"{self.model} v{self.number}"


@dataclass(frozen=True, slots=True)
class Deployment:
    """What one app and model (None: every model) runs now."""

    app: str
    model: str | None
    active: PromptVersion | None
    canary: PromptVersion | None
    # The share of traffic (0.001 to 0.999: gateway.prompts.service) the canary gets, by a stable hash of the end user.
    canary_share: float | None
    canary_started_at: datetime | None
    # The version active before the current one: where rolling back the active version returns
    # to (None: to the app's own prompt alone).
    previous: PromptVersion | None

    @property
    def live(self) -> bool:
        """Whether requests see any version of it."""
        return self.active is not None or self.canary is not None


@dataclass(frozen=True, slots=True)
class AppPrompts:
    """An app's prompt config and deployments: the snapshot the proxy reads, and the state changes start from."""

    app: str
    mode: Mode
    # Keyed by model; None is the app-wide deployment.
    deployments: Mapping[str | None, Deployment]
    # The highest version number per model (None: app-wide), so a new version takes the next.
    latest_numbers: Mapping[str | None, int]

    def for_model(self, model: str | None) -> Deployment | None:
        """The deployment a request for `model` gets: that model's own, else the app-wide one."""
        if model is not None:
            own = self.deployments.get(model)
            if own is not None and own.live:
                return own
        shared = self.deployments.get(None)
        return shared if shared is not None and shared.live else None

    @property
    def live(self) -> bool:
        """Whether any request of the app sees a version."""
        return any(deployment.live for deployment in self.deployments.values())


@dataclass(frozen=True, slots=True)
class ListedVersion:
    """A version with its place in the rollout now."""

    version: PromptVersion
    state: VersionState
    canary_share: float | None = None


@dataclass(frozen=True, slots=True)
class AppPromptListing:
    """Every version of an app, newest first, with the app's mode."""

    app: str
    mode: Mode
    versions: tuple[ListedVersion, ...]


@dataclass(frozen=True, slots=True)
class VersionDiff:
    """A unified diff from one version's text to another's."""

    from_version: PromptVersion
    to_version: PromptVersion
    diff: str
