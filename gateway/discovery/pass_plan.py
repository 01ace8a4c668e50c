"""Whether a clustering pass may be incremental or must re-cluster everything, and why.

An incremental pass builds on the issues of the last full pass: it assigns new complaints to
them and leaves the rest unassigned. That is sound only while those issues still describe the
app, so a full pass runs when:

- incremental passes are off (`cluster_incremental_max_share` 0), or the app never had a full
  pass whose recipe was recorded;
- the embedding model or any part of the clustering recipe changed since (its fingerprint);
- the last full pass is `cluster_full_every_hours` old: new issues formed by new complaints,
  splits and merges only show up in a full pass, so one runs at least that often;
- the complaints added or withdrawn since the last full pass (over all incremental passes,
  counting this one) exceed `cluster_incremental_max_share` of what it clustered: beyond that,
  too much of the app is unassigned or gone for its issues to stand;
- there are new complaints but no kept fit (landmarks) of this recipe to place them with: the
  fit was refitted, forgotten, or never made (apps too small for UMAP, where a full pass is
  instant anyway).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from clustering.pipeline import DiscoveryParams
from gateway.config import Settings
from gateway.counted import counted
from gateway.store.run_history import LastFullRun


def fit_fingerprint(model_name: str, params: DiscoveryParams) -> str:
    """What a kept UMAP fit depends on, hashed: the embedding model, the document recipe, the reduction."""
    described = f"{model_name}|{params.recipe!r}|{params.reduction!r}"
    return hashlib.sha256(described.encode()).hexdigest()


def recipe_fingerprint(model_name: str, params: DiscoveryParams) -> str:
    """What a run's issues depend on, hashed: the embedding model and the whole clustering recipe."""
    return hashlib.sha256(f"{model_name}|{params!r}".encode()).hexdigest()


def full_pass_reason(last_full: LastFullRun | None, recipe: str, now: datetime, settings: Settings) -> str | None:
    """Why this pass must be full, before looking at what changed; None when it may be incremental."""
    if settings.cluster_incremental_max_share <= 0:
        return "incremental passes are off"
    if last_full is None or last_full.recipe is None:
        return "no full pass with a recorded recipe yet"
    if last_full.recipe != recipe:
        return "the embedding model or clustering recipe changed"
    age = now - last_full.started_at
    if age >= timedelta(hours=settings.cluster_full_every_hours):
        return f"the last full pass is {age.total_seconds() / 3600:.1f} h old"
    return None


def drift_reason(last_full: LastFullRun, changed: int, settings: Settings) -> str | None:
    """Why this pass must be full, given `changed` complaints added or withdrawn since the last pass."""
    drift = last_full.changed_since + changed
    if drift > settings.cluster_incremental_max_share * last_full.items:
        return f"{counted(drift, 'complaint')} changed since the last full pass of {last_full.items}"
    return None
