"""The anomalous rule: a question far from everything the app usually gets is looked at, however sure the model sounds.

"Far" is relative to the app itself: the cosine distance from a new interaction's end-user message
to its nearest neighbour in the app's recent traffic, compared with a high percentile (99th by
default) of the same nearest-neighbour distance over a sample of the app's index. The profile is
cached per app and recomputed when it is older than `profile_ttl` or the index changed size by a
fifth. The rule judges nothing until the index holds `min_index` interactions. Priority is low,
medium when the question is farther out than every sampled one.

The index is in memory, so it still holds interactions pruned or erased since it took them in: before a
profile is computed, the store is asked which of the indexed interactions still exist (primary-key reads,
500 ids each) and the index forgets the others; a new interaction's nearest neighbour is looked up among
the stored ones (gateway.review.stored_neighbours), so a removed one is neither measured against nor named.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from gateway.review.findings import RuleFinding
from gateway.review.neighbours import RecentVectors
from gateway.review.records import Priority, Source
from gateway.review.stored_neighbours import StoredLookup, forget_removed, look_among_stored
from gateway.review.traffic_index import NewTraffic, TrafficIndex

# The profile is recomputed when the index grew or shrank by more than this share.
SIZE_DRIFT = 0.2


@dataclass(frozen=True, slots=True)
class AnomalousSettings:
    """The percentile that marks "unusual", the index size needed to judge, the sample size and the profile's life."""

    percentile: float = 99.0
    min_index: int = 200
    sample: int = 1_000
    profile_ttl: timedelta = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class DistanceProfile:
    """An app's usual nearest-neighbour distances: the percentile's value and the largest one sampled."""

    percentile: float
    threshold: float
    farthest: float
    sample_size: int
    index_size: int
    computed_at: datetime


def distance_profile(
    vectors: RecentVectors, sample: int, percentile: float, now: datetime, seed: int = 0
) -> DistanceProfile:
    """The nearest-neighbour distance profile over a random sample of the index (CPU-heavy: run it in a thread)."""
    rng = np.random.default_rng(seed)
    # Forgotten rows (interactions removed from the store) are neither sampled nor anyone's nearest.
    remembered = vectors.remembered()
    size = len(remembered)
    rows = np.sort(rng.choice(remembered, size=min(sample, size), replace=False))
    distances, _ = vectors.nearest_others(rows)
    return DistanceProfile(
        percentile=percentile,
        threshold=float(np.percentile(distances, percentile)),
        farthest=float(distances.max()),
        sample_size=len(rows),
        index_size=size,
        computed_at=now,
    )


def ordinal(value: float) -> str:
    """99 -> "99th", 92 -> "92nd", 99.5 -> "99.5th"."""
    if value != int(value):
        return f"{value:g}th"
    number = int(value)
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def judge_anomalous(
    app: str, interaction_id: str, distance: float, nearest_id: str, profile: DistanceProfile
) -> RuleFinding | None:
    """The finding for an interaction whose nearest-neighbour distance is beyond the app's percentile (pure)."""
    if not distance > profile.threshold:
        return None
    priority = Priority.MEDIUM if distance > profile.farthest else Priority.LOW
    # Two decimals, or as many as it takes for the distance to read above the percentile (0.0113 > 0.0108).
    places = next((n for n in range(2, 7) if round(distance, n) > round(profile.threshold, n)), 6)
    reason = (
        f"Unlike the app's usual questions: nearest-neighbour distance {distance:.{places}f}, "
        f"above the app's {ordinal(profile.percentile)} percentile {profile.threshold:.{places}f}"
    )
    evidence = {
        "interaction_id": interaction_id,
        "distance": round(distance, 4),
        "nearest_interaction_id": nearest_id,
        "percentile": profile.percentile,
        "threshold": round(profile.threshold, 4),
        "farthest_sampled": round(profile.farthest, 4),
        "sample_size": profile.sample_size,
        "index_size": profile.index_size,
    }
    return RuleFinding(app, Source.ANOMALOUS, reason, priority, (interaction_id,), evidence, (app,))


class AnomalousRule:
    """Judges interactions as the traffic index takes them in, against each app's cached distance profile."""

    def __init__(
        self,
        index: TrafficIndex,
        rule: AnomalousSettings,
        stored_among: StoredLookup,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._index = index
        self.rule = rule
        self._stored_among = stored_among
        self._clock = clock
        self._profiles: dict[str, DistanceProfile] = {}

    async def check(self, new: NewTraffic) -> list[RuleFinding]:
        """Findings for the interactions a refresh added (none on an app's first load, or while its index is small)."""
        vectors = self._index.vectors(new.app)
        if new.first_load or not new.ids or vectors is None or len(vectors.remembered()) < self.rule.min_index:
            return []
        profile = await self.profile(new.app, vectors)
        # The profile forgot the interactions removed from the store: fewer may be left than it takes to judge.
        if profile.index_size < self.rule.min_index:
            return []
        rows = vectors.positions(new.ids)
        if not len(rows):
            return []
        # Each new interaction's nearest stored one: usually one read of as many ids as new rows, no second look.
        distances, nearest = await look_among_stored(
            vectors,
            self._stored_among,
            functools.partial(vectors.nearest_others, rows),
            lambda found: [vectors.id_at(int(other)) for other in found[1]],
        )
        findings = []
        for row, distance, other in zip(rows, distances, nearest, strict=True):
            interaction_id, nearest_id = vectors.id_at(int(row)), vectors.id_at(int(other))
            found = judge_anomalous(new.app, interaction_id, float(distance), nearest_id, profile)
            if found is not None:
                findings.append(found)
        return findings

    async def profile(self, app: str, vectors: RecentVectors) -> DistanceProfile:
        """`app`'s cached profile, recomputed (in a thread) when stale or when the index changed size a lot."""
        now = self._clock()
        cached = self._profiles.get(app)
        if cached is not None:
            fresh = now - cached.computed_at < self.rule.profile_ttl
            similar_size = abs(len(vectors.remembered()) - cached.index_size) <= SIZE_DRIFT * cached.index_size
            if fresh and similar_size:
                return cached
        # At most once per `profile_ttl`: every indexed interaction's id is read (500 per primary-key query), so the
        # profile counts none pruned or erased since the index took it in, and neither do the checks after it.
        await forget_removed(vectors, vectors.live_ids(), self._stored_among)
        profile = await asyncio.to_thread(distance_profile, vectors, self.rule.sample, self.rule.percentile, now)
        self._profiles[app] = profile
        return profile
