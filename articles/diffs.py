"""Side-by-side differences between two versions of a story, for the history.

Text is compared paragraph by paragraph, then word by word within a changed
paragraph; everything is escaped, and only `<del>` and `<ins>` are added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import zip_longest

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.html import html_to_text

# Unchanged paragraphs shown around a change; longer unchanged runs fold.
CONTEXT = 1
_TOKENS = re.compile(r"(\s+)")


@dataclass(frozen=True)
class Row:
    old: SafeString
    new: SafeString
    kind: str  # "same", "changed", "removed", "added" or "folded"


def paragraphs(value: str, *, html: bool = False) -> list[str]:
    text = html_to_text(value) if html else value
    return [line for line in text.splitlines() if line.strip()]


def side_by_side(old: str, new: str, *, html: bool = False) -> list[Row]:
    """Rows of the old and new text side by side; [] when they are the same."""
    before, after = paragraphs(old or "", html=html), paragraphs(new or "", html=html)
    if before == after:
        return []
    rows: list[Row] = []
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(
                _unchanged(before[i1:i2], first=not rows, last=i2 == len(before))
            )
        elif tag == "replace":
            for left, right in zip_longest(before[i1:i2], after[j1:j2]):
                if left is None:
                    rows.append(Row(SafeString(""), _marked(right, "ins"), "added"))
                elif right is None:
                    rows.append(Row(_marked(left, "del"), SafeString(""), "removed"))
                else:
                    rows.append(Row(*words(left, right), "changed"))
        elif tag == "delete":
            rows.extend(
                Row(_marked(text, "del"), SafeString(""), "removed")
                for text in before[i1:i2]
            )
        else:
            rows.extend(
                Row(SafeString(""), _marked(text, "ins"), "added")
                for text in after[j1:j2]
            )
    return rows


def words(old: str, new: str) -> tuple[SafeString, SafeString]:
    """One paragraph's old and new text, the words that differ marked."""
    a, b = _TOKENS.split(old), _TOKENS.split(new)
    left, right = [], []
    for tag, i1, i2, j1, j2 in SequenceMatcher(
        None, a, b, autojunk=False
    ).get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            left.append(escape(removed))
            right.append(escape(added))
            continue
        if removed:
            left.append(_marked(removed, "del"))
        if added:
            right.append(_marked(added, "ins"))
    return mark_safe("".join(left)), mark_safe("".join(right))


def _marked(text: str, tag: str) -> SafeString:
    return mark_safe(f"<{tag}>{escape(text)}</{tag}>")


def _unchanged(texts: list[str], *, first: bool, last: bool) -> list[Row]:
    """Unchanged paragraphs: CONTEXT of them next to each change, the rest
    folded into one row that says how many."""
    keep_before = 0 if first else CONTEXT
    keep_after = 0 if last else CONTEXT
    if len(texts) <= keep_before + keep_after + 1:
        return [Row(escape(text), escape(text), "same") for text in texts]
    rows = [Row(escape(text), escape(text), "same") for text in texts[:keep_before]]
    folded = len(texts) - keep_before - keep_after
    note = escape(f"… {folded} unchanged paragraph{'s' if folded != 1 else ''} …")
    rows.append(Row(note, note, "folded"))
    rows += [
        Row(escape(text), escape(text), "same")
        for text in texts[len(texts) - keep_after :]
    ]
    return rows
