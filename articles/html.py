"""The one definition of what a story body may contain, for the editor and nh3."""

from __future__ import annotations

import functools
from html import unescape

from django.utils.html import strip_tags
from django_prose_editor.fields import create_sanitizer

# What editors can make in the admin is exactly what survives sanitising, on save
# and on import alike.
BODY_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
}


@functools.cache
def _sanitizer():
    return create_sanitizer(BODY_EXTENSIONS)


def sanitize_html(html: str) -> str:
    """Return `html` cut down to the tags and attributes a story body may hold."""
    if not html:
        return ""
    return _sanitizer()(html).strip()


def text_as_stored(text: str) -> str:
    """Plain `text` as a sanitised body spells it: nh3 escapes &, < and > (and
    a non-breaking space) in text, and leaves quotes and apostrophes alone."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\xa0", "&nbsp;")
    )


def html_to_text(html: str) -> str:
    """Plain text of a body: paragraphs separated by blank lines."""
    text = html.replace("</p>", "</p>\n\n").replace("<br>", "\n")
    for level in (2, 3, 4):
        text = text.replace(f"</h{level}>", f"</h{level}>\n\n")
    text = text.replace("</li>", "</li>\n").replace(
        "</blockquote>", "</blockquote>\n\n"
    )
    lines = unescape(strip_tags(text)).strip().splitlines()
    return "\n".join(line.strip() for line in lines)
