"""The effect of an issue's fix: the negative rate on the issue's topic before vs after it went live, and canary vs rest.

The fix measured is the issue's most recent link (by `live_at`), or one asked for by id. Before
and after are windows of equal length on either side of `live_at`: as long as the time since
(less the follow-up), capped at `effect_window_days`, and cut back to the issue's other fixes on
either side (gateway.effect.windows: the before window starts no earlier than the previous fix went
live, the after window ends no later than the next one did, nor than the fix stopped serving:
gateway.effect.live_end). Every answer in them gets the same
follow-up: only feedback given within `effect_follow_up_hours` of it counts, and answers younger
than that are not measured yet, so a recent fix never looks better only because its answers'
feedback is still to come. For a canary link (prompt versions) the canary arm is also
compared with the rest of the same topic over the after window, by each interaction's prompts
policy note ({"policy": "prompts", "arm": "canary", "version_id": <the linked version>} is the
canary; arm "active" is the rest; interactions without a note are left out of that comparison).
That comparison ends where the canary did (rolled back, promoted, replaced: gateway.effect.canary_end),
and its verdict says so: afterwards every call is in the active arm, and the arms no longer share a period.

An issue with no linked fix gets an effect with nothing measured and a `reason` (not an error),
so a page can always show the effect section; an unknown issue raises IssueNotFound.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.embed import Embedder
from gateway.config import Settings
from gateway.domain.spans import span_words
from gateway.effect.links import FixLinkNotFound, IssueNotFound
from gateway.effect.live_end import fix_end
from gateway.effect.records import FixLink
from gateway.effect.statistics import Comparison, GroupCounts, MinimumCounts, compare, shortfall
from gateway.effect.topic import count_topic, topic_centroids
from gateway.effect.verdict import (
    CANARY_CAVEAT,
    DRIFT_CAVEAT,
    before_after_verdict,
    canary_ended,
    canary_verdict,
    feedback_share_warning,
)
from gateway.effect.windows import bounded
from gateway.store.fix_links import FixLinkStore

# The prompts policy's name in interactions' notes (gateway.prompts.policy.POLICY_NAME).
PROMPTS_POLICY = "prompts"


@dataclass(frozen=True, slots=True)
class EffectSettings:
    """How topics are placed and comparisons judged (see the `effect_*` settings)."""

    topic_threshold: float = 0.55
    window: timedelta = timedelta(days=14)
    minimum: MinimumCounts = MinimumCounts()
    alpha: float = 0.05
    # Every answer measured gets this long to collect its feedback, and only that feedback counts.
    follow_up: timedelta = timedelta(hours=1)


def effect_settings(settings: Settings) -> EffectSettings:
    """The effect settings in `settings`."""
    return EffectSettings(
        topic_threshold=settings.effect_topic_threshold,
        window=timedelta(days=settings.effect_window_days),
        minimum=MinimumCounts(settings.effect_min_interactions, settings.effect_min_with_feedback),
        alpha=settings.effect_alpha,
        follow_up=timedelta(hours=settings.effect_follow_up_hours),
    )


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open time range [since, until)."""

    since: datetime
    until: datetime


@dataclass(frozen=True, slots=True)
class EffectComparison:
    """Two groups of topic interactions compared (`second` against `first`), with a verdict in plain words."""

    kind: Literal["before_after", "canary_vs_rest"]
    first: str
    second: str
    first_window: Window
    second_window: Window
    result: Comparison
    verdict: str
    caveat: str
    # Set when the feedback share changed significantly as well (see verdict.feedback_share_warning).
    feedback_warning: str | None
    # Set when another fix of the issue cut a window short (gateway.effect.windows), saying where and why.
    window_note: str | None = None


@dataclass(frozen=True, slots=True)
class TopicSummary:
    """How the topic was placed: the threshold, how many member questions the centroid averages, what was read."""

    threshold: float
    member_questions: int
    interactions_scanned: int
    interactions_on_topic: int


@dataclass(frozen=True, slots=True)
class IssueEffect:
    """An issue's measured effect; `reason` says why a part is missing (no fix linked, not live yet, no question)."""

    issue_id: str
    app: str
    measured_at: datetime
    fix: FixLink | None
    fixes: tuple[FixLink, ...]
    reason: str | None
    topic: TopicSummary | None
    before_after: EffectComparison | None
    canary: EffectComparison | None
    # How long each answer measured had to collect its feedback (effect_follow_up_hours).
    follow_up_hours: float | None = None


EmbedderSource = Callable[[], Awaitable[Embedder]]


class EffectService:
    """Measures what a linked fix did to its issue's negative rate."""

    def __init__(
        self,
        engine: AsyncEngine,
        embedder: EmbedderSource,
        settings: EffectSettings = EffectSettings(),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._links = FixLinkStore(engine)
        self._embedder = embedder
        self.settings = settings
        self._clock = clock

    async def effect(self, issue_id: str, link_id: str | None = None) -> IssueEffect:
        """The effect of the issue's latest fix (or of link `link_id`); IssueNotFound for an unknown issue,
        FixLinkNotFound for a `link_id` the issue does not have."""
        issue = await self._links.issue(issue_id)
        if issue is None:
            raise IssueNotFound(issue_id)
        now = self._clock()
        fixes = tuple(FixLink.from_row(row) for row in await self._links.for_issue(issue_id))
        follow_up_hours = self.settings.follow_up.total_seconds() / 3600
        empty = IssueEffect(issue_id, issue["app"], now, None, fixes, None, None, None, None, follow_up_hours)
        chosen = [fix for fix in fixes if fix.id == link_id] if link_id is not None else list(fixes[-1:])
        if link_id is not None and not chosen:
            # A mistyped id must not read as "nothing measured": the caller asked for a link that is not there.
            raise FixLinkNotFound(link_id)
        if not chosen:
            return _with(
                empty, reason=f"no fix is linked to this issue yet: POST /api/issues/{issue_id}/fixes links one"
            )
        fix = chosen[0]
        empty = _with(empty, fix=fix)
        if fix.live_at >= now:
            return _with(empty, reason=f"the fix goes live at {_moment(fix.live_at)}: nothing to measure yet")
        # Answers younger than the follow-up have not had their chance to be rated: comparing them with
        # older ones would show a fall that is only feedback still to come.
        follow_up = self.settings.follow_up
        measured_until = now - follow_up
        if fix.live_at >= measured_until:
            ready = _moment(fix.live_at + follow_up)
            reason = (
                f"the answers after the fix need {span_words(follow_up)} to collect their feedback "
                f"(effect_follow_up_hours): the first can be measured from {ready}"
            )
            return _with(empty, reason=reason)
        span = min(measured_until - fix.live_at, self.settings.window)
        # Cut back to the issue's fixes on either side (gateway.effect.windows): this fix's effect, not theirs.
        bounds = bounded(fix, fixes, fix.live_at - span, fix.live_at + span)
        # Rolled back, replaced or switched off (a canary: rolled back, promoted, replaced): the calls after that never
        # had the fix as linked. A canary link's before/after is not cut: its canary comparison ends there instead.
        stopped = await fix_end(self._links, fix, issue["app"], bounds.until)
        bounds = bounds.stopped_at(stopped) if fix.arm == "live" else bounds
        before, after = Window(bounds.since, fix.live_at), Window(fix.live_at, bounds.until)
        embedder = await self._embedder()
        centroids = await topic_centroids(self._engine, embedder, issue["app"], issue_id, fix.live_at)
        if centroids is None:
            return _with(empty, reason="the issue has no member question to place new interactions by")
        arm_of = await canary_arms(self._links, fix) if fix.arm == "canary" else None
        ended = stopped if arm_of is not None else None
        # The canary is compared with the rest only while it ran: afterwards the rest grows alone.
        in_canary = Window(fix.live_at, ended.at if ended is not None else after.until)

        def group_of(row: Mapping[str, Any]) -> Hashable:
            when = "before" if row["created_at"] < fix.live_at else "after"
            compared = arm_of is not None and when == "after" and row["created_at"] < in_canary.until
            return (when, arm_of(row["policies"]) if arm_of is not None and compared else None)

        counts = await count_topic(
            self._engine,
            embedder,
            issue["app"],
            centroids,
            before.since,
            after.until,
            self.settings.topic_threshold,
            group_of,
            follow_up,
        )
        groups = counts.groups
        alpha, minimum = self.settings.alpha, self.settings.minimum
        before_counts = _sum(groups, "before")
        by_time = compare(before_counts, _sum(groups, "after"), minimum, ("the before window", "the after window"))
        verdict = before_after_verdict(by_time, alpha)
        if shortfall(before_counts, minimum, "") is not None and span < self.settings.window and not bounds.earlier:
            # Short of data, the before window read as stuck: it does reach further back, as the after window lengthens.
            verdict += (
                f"; the before window reaches back to {_moment(before.since)} now, and further as time passes "
                f"(as long as the after window, up to {_days(self.settings.window)})"
            )
        before_after = EffectComparison(
            "before_after",
            "before",
            "after",
            before,
            after,
            by_time,
            verdict,
            DRIFT_CAVEAT,
            feedback_share_warning(by_time, alpha),
            window_note=bounds.note(_moment),
        )
        canary = None
        if arm_of is not None:
            rest, canary_counts = _sum(groups, "after", "rest"), _sum(groups, "after", "canary")
            by_arm = compare(rest, canary_counts, minimum, ("the rest", "the canary"))
            said = canary_verdict(by_arm, alpha)
            if ended is not None:
                said = canary_ended(said, _moment(ended.at), ended.how)
            canary = EffectComparison(
                "canary_vs_rest",
                "rest",
                "canary",
                in_canary,
                in_canary,
                by_arm,
                said,
                CANARY_CAVEAT,
                feedback_share_warning(by_arm, alpha),
            )
        topic = TopicSummary(self.settings.topic_threshold, centroids.questions, counts.scanned, counts.on_topic)
        return _with(empty, topic=topic, before_after=before_after, canary=canary)


async def canary_arms(links: FixLinkStore, fix: FixLink) -> Callable[[Any], str | None]:
    """The arm reader of canary link `fix` (canary_arm_reader for its version and the model that version is for)."""
    version = (await links.prompt_versions([fix.fix_id])).get(fix.fix_id)
    # False: the version is no longer stored, so its model is not known (every deployment counts).
    return canary_arm_reader(fix.fix_id, False if version is None else version.model)


def canary_arm_reader(version_id: str, model: str | Literal[False] | None = None) -> Callable[[Any], str | None]:
    """Reads an interaction's policy notes: "canary" (got `version_id` as the canary), "rest" (the active arm of
    the canary's deployment, another version), or None.

    Once the canary is promoted, the active arm serves `version_id` itself: those interactions got
    the fix, so they are in neither arm (the comparison ends with the canary), not in the rest.
    `model` is the canary version's (None: app-wide): a request answered by another deployment (a
    model with its own version, or every other model for a model's canary) could never draw the
    canary, so it is no part of the rest, as the rollout guard counts it. False: not known (the
    version is gone), every deployment counts.
    """

    def arm_of(notes: Any) -> str | None:
        for note in notes if isinstance(notes, list) else ():
            if isinstance(note, dict) and note.get("policy") == PROMPTS_POLICY:
                if model is not False and note.get("model") != model:
                    return None
                if note.get("arm") == "canary":
                    return "canary" if note.get("version_id") == version_id else None
                return "rest" if note.get("arm") == "active" and note.get("version_id") != version_id else None
        return None

    return arm_of


def _sum(groups: Mapping[Hashable, GroupCounts], when: str, arm: str | None = None) -> GroupCounts:
    """The counts of every (when, arm) group matching `when` (and `arm`, when given)."""
    chosen = [
        c for key, c in groups.items() if isinstance(key, tuple) and key[0] == when and (arm is None or key[1] == arm)
    ]
    return GroupCounts(
        sum(c.interactions for c in chosen), sum(c.negative for c in chosen), sum(c.with_feedback for c in chosen)
    )


def _days(span: timedelta) -> str:
    days = span.total_seconds() / 86400
    return f"{days:g} day" + ("" if days == 1 else "s")


def _moment(when: datetime) -> str:
    """A time for a sentence a person reads, to the second in UTC, as the admin pages show times."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _with(effect: IssueEffect, **changes: Any) -> IssueEffect:
    return replace(effect, **changes)
