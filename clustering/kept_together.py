"""Complaints a person put in one issue stay in one issue: a pass's clusters that split such a group are joined.

A person's merge says two issues are one problem, a signal the geometry of the complaints does
not carry (the pass had found them apart). Without this, the next full pass found the merged
complaints apart again: the merged issue came back (dismissed) and the survivor, with its triage,
fix and measured effect, was left with a fraction of what the person had put in it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from clustering.cluster import NOISE

__all__ = ["KeptTogether", "join_kept_together"]


@dataclass(frozen=True, slots=True)
class KeptTogether:
    """Groups of complaints a person put in one issue, and every complaint some issue held before the pass."""

    groups: Sequence[Collection[Hashable]]
    filed: Collection[Hashable]


def join_kept_together(labels: np.ndarray, ids: Sequence[Hashable], kept: KeptTogether) -> np.ndarray:
    """`labels` with, per group, the clusters whose filed complaints are mostly the group's joined into one.

    Only filed complaints weigh: complaints new since the last pass that the clustering put with a
    group's members are that issue's newcomers. A cluster whose filed complaints are mostly
    another issue's took a few of the group and stays apart. Noise stays noise. The joined cluster
    takes the label of the one holding most of the group.
    """
    joined = np.array(labels, copy=True)
    row_of = {key: row for row, key in enumerate(ids)}
    filed_rows = [row for key, row in row_of.items() if key in kept.filed]
    for group in kept.groups:
        rows = [row_of[key] for key in group if key in row_of]
        held = Counter(int(label) for label in joined[rows] if label != NOISE)
        if len(held) < 2:
            continue
        filed = Counter(int(label) for label in joined[filed_rows] if label != NOISE)
        mostly = sorted(
            (label for label, count in held.items() if 2 * count > filed[label]),
            key=lambda label: (-held[label], label),
        )
        for label in mostly[1:]:
            joined[joined == label] = mostly[0]
    return joined
