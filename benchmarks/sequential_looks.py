"""False alarms and detection delay of the rules that look again and again: the regression check and the canary guard.

Run: `.venv/bin/python benchmarks/sequential_looks.py [--runs 1000] [--days 30] [--seed 1]`

Seeded simulation through the product's own pure statistics functions (no database, no embedder).
Each rule is looked at every hour, as the clustering pass and `prompt_guard_interval_minutes` (60)
do, and a run counts as an alarm when any look alarms.

Regression check (a resolved issue whose fix went live at hour 0, the defaults: 14-day window,
1-hour follow-up, at least 30 interactions and 5 rated in each window, alpha 0.05):
- each fix's topic gets a log-uniform 20-400 interactions a day (Poisson each hour, busier by day
  than by night), a uniform 3-15 % of them negative, and a fifth of the rest rated positively;
- *no change*: the rate stays put for the whole run (*rare complaints*: 0.1-1 % negative on
  100-1,000 interactions a day, where cells are small); *regression*: it climbs `--climb` (10)
  points at a uniform time in days 15-22 (after the baseline, so both rules can see it);
- *before*: the check as it was until this change, the first post-fix window against the latest
  (equal windows of half the time since the fix, at most 14 days) by the fixed-sample test
  (pooled z, or Fisher's exact test in small cells) at p < alpha on every look;
- *after*: `gateway.effect.sequential.regression_verdict`, the fix's first 14 days against the
  current 14-day period after them by the mSPRT with period k holding alpha / (k (k + 1)).

Canary guard (a canary at 10 % of an app's traffic, started at hour 0, alpha 0.05, at least 100
interactions an arm):
- each app gets a log-uniform 20-600 interactions an hour, a uniform 2-15 % negative;
- *no change*: both arms share the rate (*rare complaints*: 0.1-1 % negative); *worse canary*:
  the canary's rate is `--worse` (1.5)
  times the rest's from the start;
- *before*: what a guard without a sequential test would do, the fixed-sample test (pooled z, or
  Fisher's exact test in small cells) at p < alpha on every look (for reference: the guard has
  used the mSPRT since it was written);
- *after*: `gateway.prompts.sequential.canary_verdict`, the mSPRT the guard runs.

Delay is hours from the change (the canary's start) to the alarm, over the runs that alarmed
within the horizon.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.effect.sequential import regression_verdict  # noqa: E402
from gateway.effect.statistics import GroupCounts, MinimumCounts, compare, proportions_p_value  # noqa: E402
from gateway.prompts.sequential import ArmCounts, canary_verdict  # noqa: E402

ALPHA = 0.05
WINDOW_HOURS = 14 * 24
FOLLOW_UP_HOURS = 1
MINIMUM = MinimumCounts()
GUARD_MIN_INTERACTIONS = 100
CANARY_SHARE = 0.10
# Busier by day than by night: the hour-of-day weight of traffic (mean 1).
DAY_SHAPE = 1 + 0.6 * np.sin(2 * np.pi * (np.arange(24) - 9) / 24)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One rule's result over the runs: the share that alarmed and the median delay of those that did."""

    alarm_rate: float
    median_delay_hours: float | None

    def text(self) -> str:
        """'4.1 %, median 37 h'."""
        delay = "" if self.median_delay_hours is None else f", median {self.median_delay_hours:.0f} h"
        return f"{100 * self.alarm_rate:.1f} %{delay}"


def outcome(first_alarms: list[int | None], changed_at: list[int]) -> Outcome:
    """Summarise each run's first alarm hour (None: never) against when its change happened.

    A run whose first alarm came before its change raised a false alarm and never detected it.
    """
    delays = [alarm - start for alarm, start in zip(first_alarms, changed_at, strict=True) if alarm is not None]
    detected = [delay for delay in delays if delay >= 0]
    return Outcome(len(detected) / len(first_alarms), statistics.median(detected) if detected else None)


# --- the regression check -----------------------------------------------------------------------------------------


def log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    """A draw spread evenly in log scale between low and high."""
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def regression_traffic(
    rng: np.random.Generator, hours: int, climb: float | None, rare: bool = False
) -> tuple[np.ndarray, int]:
    """One fix's topic, hour by hour: cumulative (interactions, negative, with feedback) from hour 0, and when it changed.

    `rare`: complaints are rare (0.1-1 % negative) and the topic busier (100-1,000 a day), where the counts
    are too small for the normal approximation behind the mSPRT.
    """
    per_day = log_uniform(rng, 100, 1000) if rare else log_uniform(rng, 20, 400)
    expected = per_day / 24 * np.resize(DAY_SHAPE, hours)
    interactions = rng.poisson(expected)
    rate = np.full(hours, log_uniform(rng, 0.001, 0.01) if rare else rng.uniform(0.03, 0.15))
    changed_at = 0
    if climb is not None:
        changed_at = int(rng.integers(15 * 24, 22 * 24))
        rate[changed_at:] = np.minimum(rate[changed_at:] + climb, 0.9)
    negative = rng.binomial(interactions, rate)
    rated = negative + rng.binomial(interactions - negative, 0.2)
    counts = np.zeros((hours + 1, 3), dtype=np.int64)
    counts[1:] = np.stack([interactions, negative, rated], axis=1).cumsum(axis=0)
    return counts, changed_at


def window(counts: np.ndarray, since: int, until: int) -> GroupCounts:
    """The counts of hours [since, until)."""
    n, k, f = (counts[until] - counts[since]).tolist()
    return GroupCounts(n, k, f)


def regression_before(counts: np.ndarray, look: int) -> bool:
    """The check as it was: equal first and latest windows of half the time since the fix, p < alpha at every look."""
    measured = look - FOLLOW_UP_HOURS
    span = min(WINDOW_HOURS, measured // 2)
    if span <= 0:
        return False
    result = compare(window(counts, 0, span), window(counts, measured - span, measured), MINIMUM)
    return result.difference is not None and result.difference > 0 and result.significant(ALPHA)


def regression_after(counts: np.ndarray, look: int) -> bool:
    """The sequential check: the fix's first window against the current period after it, by the mSPRT."""
    measured = look - FOLLOW_UP_HOURS
    if measured <= WINDOW_HOURS:
        return False
    period = (measured - WINDOW_HOURS) // WINDOW_HOURS + 1
    since = WINDOW_HOURS * period
    verdict = regression_verdict(window(counts, 0, WINDOW_HOURS), window(counts, since, measured), period, ALPHA)
    return verdict.regressed


# --- the canary guard ---------------------------------------------------------------------------------------------


def guard_traffic(rng: np.random.Generator, hours: int, worse: float | None, rare: bool = False) -> np.ndarray:
    """One canary, hour by hour: cumulative (canary n, canary negative, rest n, rest negative) from hour 0.

    `rare`: complaints are rare (0.1-1 % negative).
    """
    per_hour = log_uniform(rng, 20, 600)
    interactions = rng.poisson(per_hour * np.resize(DAY_SHAPE, hours))
    canary = rng.binomial(interactions, CANARY_SHARE)
    rest = interactions - canary
    rate = log_uniform(rng, 0.001, 0.01) if rare else rng.uniform(0.02, 0.15)
    canary_rate = min(rate * worse, 0.9) if worse is not None else rate
    counts = np.zeros((hours + 1, 4), dtype=np.int64)
    hourly = [canary, rng.binomial(canary, canary_rate), rest, rng.binomial(rest, rate)]
    counts[1:] = np.stack(hourly, axis=1).cumsum(axis=0)
    return counts


def guard_before(counts: np.ndarray, look: int) -> bool:
    """A guard without a sequential test: canary worse at p < alpha (pooled z, or Fisher in small cells) at every look."""
    cn, ck, rn, rk = counts[look].tolist()
    if min(cn, rn) < GUARD_MIN_INTERACTIONS:
        return False
    return ck / cn > rk / rn and proportions_p_value(rk, rn, ck, cn)[0] < ALPHA


def guard_after(counts: np.ndarray, look: int) -> bool:
    """The guard's mSPRT."""
    cn, ck, rn, rk = counts[look].tolist()
    return canary_verdict(
        ArmCounts(cn, ck), ArmCounts(rn, rk), alpha=ALPHA, min_interactions=GUARD_MIN_INTERACTIONS
    ).worse


# --- running ------------------------------------------------------------------------------------------------------

Rule = Callable[[np.ndarray, int], bool]


def first_alarms(runs: list[np.ndarray], hours: int, rules: list[Rule]) -> list[list[int | None]]:
    """For each rule, each run's first look (hour) that alarmed, or None."""
    found: list[list[int | None]] = [[] for _ in rules]
    for counts in runs:
        first: list[int | None] = [None] * len(rules)
        for look in range(1, hours + 1):
            for index, rule in enumerate(rules):
                if first[index] is None and rule(counts, look):
                    first[index] = look
            if all(alarm is not None for alarm in first):
                break
        for index, alarm in enumerate(first):
            found[index].append(alarm)
    return found


def main() -> None:
    """Simulate both rules under no change and under a true change; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1000, help="simulated fixes and canaries per scenario")
    parser.add_argument("--days", type=int, default=30, help="hourly looks for this many days")
    parser.add_argument("--climb", type=float, default=0.10, help="a regression's climb of the negative rate")
    parser.add_argument("--worse", type=float, default=1.5, help="a worse canary's rate as a multiple of the rest's")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    hours = args.days * 24
    rng = np.random.default_rng(args.seed)
    rows = []
    started = time.perf_counter()
    regression_scenarios = (
        ("no change", None, False),
        ("no change, rare complaints", None, True),
        (f"climbs {100 * args.climb:.0f} points in days 15-22", args.climb, False),
    )
    for name, climb, rare in regression_scenarios:
        drawn = [regression_traffic(rng, hours, climb, rare) for _ in range(args.runs)]
        alarms = first_alarms([counts for counts, _ in drawn], hours, [regression_before, regression_after])
        changed = [at for _, at in drawn]
        rows.append(("regression check", name, *(outcome(found, changed) for found in alarms)))
    guard_scenarios = (
        ("no change", None, False),
        ("no change, rare complaints", None, True),
        (f"canary {args.worse:g} x the rest's rate", args.worse, False),
    )
    for name, worse, rare in guard_scenarios:
        runs = [guard_traffic(rng, hours, worse, rare) for _ in range(args.runs)]
        alarms = first_alarms(runs, hours, [guard_before, guard_after])
        rows.append(("canary guard", name, *(outcome(found, [0] * args.runs) for found in alarms)))
    print(f"{args.runs} runs per scenario, a look every hour for {args.days} days, seed {args.seed}")
    print("| Rule | Truth | Before: fixed test at every look | After: sequential test |")
    print("|---|---|---:|---:|")
    for rule, truth, before, after in rows:
        print(f"| {rule} | {truth} | {before.text()} | {after.text()} |")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
