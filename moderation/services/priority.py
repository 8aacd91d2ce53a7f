"""A case's place in the queue.

``priority = severity of its most severe category + 10 per distinct reporter beyond the first
(at most +100) + 10 per power of ten of the target's reach (followers, or a video's views; at
most +60)``. Child safety and self-harm are *urgent*: their severity (1000) puts them ahead of
any other case whatever its reporters or reach, and the queue shows them flagged.
"""

from __future__ import annotations

import math

from moderation.models import Category

SEVERITY: dict[str, int] = {
    Category.CHILD_SAFETY: 1000,
    Category.SELF_HARM: 1000,
    Category.VIOLENCE: 80,
    Category.HATE: 70,
    Category.ILLEGAL_GOODS: 60,
    Category.HARASSMENT: 50,
    Category.SEXUAL_UNLABELED: 40,
    Category.IMPERSONATION: 30,
    Category.INTELLECTUAL_PROPERTY: 25,
    Category.SPAM: 15,
    Category.OTHER: 10,
}
URGENT = frozenset({Category.CHILD_SAFETY, Category.SELF_HARM})
MAX_REPORTER_BONUS = 100
MAX_REACH_BONUS = 60


def most_severe(categories: list[str]) -> str:
    return max(categories, key=lambda category: (SEVERITY[category], category))


def priority_of(*, category: str, reporters: int, reach: int) -> int:
    reporter_bonus = min(MAX_REPORTER_BONUS, 10 * max(0, reporters - 1))
    reach_bonus = min(MAX_REACH_BONUS, 10 * int(math.log10(reach))) if reach > 0 else 0
    return SEVERITY[category] + reporter_bonus + reach_bonus
