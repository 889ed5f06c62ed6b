"""Link the first mention of each confirmed entity in a rendered story body."""

from __future__ import annotations

import re
from html import unescape

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from entities.matcher import get_matcher

# The body is nh3's output, so every "<" in it opens a tag and text never holds one.
TAG = re.compile(r"(<[^>]*>)")


def link_first_mentions(html: str, urls: dict[int, str]) -> SafeString:
    """Return sanitised `html` with the first mention of each entity linked.

    `urls` maps entity ids to page addresses. Only text is touched: never a tag,
    an attribute or the text of an existing link. The stored body is unchanged.
    """
    if not html or not urls:
        return mark_safe(html)  # sanitised by nh3 on save
    pending = dict(urls)
    matcher = get_matcher()
    out: list[str] = []
    link_depth = 0
    for piece in TAG.split(html):
        if piece.startswith("<"):
            name = piece.strip("</>").split(None, 1)[0].lower() if piece else ""
            if name == "a":
                link_depth += -1 if piece.startswith("</") else 1
            out.append(piece)
            continue
        if link_depth > 0 or not pending or not piece.strip():
            out.append(piece)
            continue
        out.append(_link_text(piece, pending, matcher))
    return mark_safe("".join(out))  # built from escaped pieces


def _link_text(piece: str, pending: dict[int, str], matcher) -> str:
    text = unescape(piece)
    parts: list[str] = []
    position = 0
    for mention in matcher.find(text):
        if mention.start < position:
            # Another entity sharing this alias took these words already.
            continue
        url = pending.pop(mention.entity_id, None)
        if url is None:
            continue
        parts.append(escape(text[position : mention.start]))
        parts.append(
            format_html(
                '<a class="entity-link" href="{}">{}</a>',
                url,
                text[mention.start : mention.end],
            )
        )
        position = mention.end
    if not parts:
        return piece
    parts.append(escape(text[position:]))
    return "".join(parts)
