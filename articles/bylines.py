"""Bylines as text: the people a free-text byline names, and back.

Plain functions on strings, used by the models, import, the admin and the
structured data alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def byline_names(byline: str) -> list[str]:
    """ "By Anna Kowalski and Ben Ode, Staff" → the people it names."""
    byline = re.sub(r"^\s*by\s+", "", byline, flags=re.IGNORECASE)
    names = re.split(r"\s*(?:,|;|&|\band\b)\s*", byline)
    return [name for name in names if name]


def byline_of(names: Iterable[str]) -> str:
    """["A", "B", "C"] → "A, B and C": the inverse of `byline_names`."""
    names = list(names)
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return names[0] if names else ""
