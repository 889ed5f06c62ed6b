"""The one definition of what a story body may contain, for the editor and nh3."""

from __future__ import annotations

import functools
import re
from html import unescape

import nh3
from django.utils.html import strip_tags
from django_prose_editor.config import allowlist_from_extensions, expand_extensions

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
    # A picture from the library (static/js/library_figure.js, registered in
    # settings.DJANGO_PROSE_EDITOR_EXTENSIONS).
    "LibraryFigure": True,
}


# A picture from the library placed in the body: only its reference is stored
# (`<figure data-image-id="42"></figure>`, articles.figures), and expanded into
# its renditions, caption and credit when the body is shown.
FIGURE_TAG = "figure"
FIGURE_ATTRIBUTE = "data-image-id"


def _keep_reference(element: str, attribute: str, value: str) -> str | None:
    if element == FIGURE_TAG and attribute == FIGURE_ATTRIBUTE:
        value = value.strip()
        return (
            value if value.isascii() and value.isdigit() and value[:1] != "0" else None
        )
    return value


@functools.cache
def _cleaner() -> nh3.Cleaner:
    allowed = allowlist_from_extensions(expand_extensions(BODY_EXTENSIONS))
    allowed["tags"] = {*allowed["tags"], FIGURE_TAG}
    allowed["attributes"] = {
        **allowed["attributes"],
        FIGURE_TAG: {FIGURE_ATTRIBUTE},
    }
    return nh3.Cleaner(**allowed, attribute_filter=_keep_reference)


def sanitize_html(html: str) -> str:
    """Return `html` cut down to the tags and attributes a story body may hold:
    what the editor's extensions make, and figures referring to a library
    picture by its id (anything inside a figure is dropped: the picture's
    renditions, caption and credit come from the library when shown)."""
    if not html:
        return ""
    cleaned = _cleaner().clean(html)
    if "<figure" in cleaned:
        cleaned = _emptied_figures(cleaned)
    cleaned = cleaned.strip()
    # ProseMirror always leaves one empty paragraph in an empty editor.
    return "" if re.fullmatch(r"<(\w+)></\1>", cleaned) else cleaned


# nh3 writes attributes with double quotes, so its output is matched exactly.
_INNERMOST_FIGURE = re.compile(
    r'<figure(?: data-image-id="(?P<id>\d+)")?>'
    r"(?P<inner>(?:(?!<figure[ >]).)*?)</figure>",
    re.DOTALL,
)
_MARK = "\ue000"


def _emptied_figures(html: str) -> str:
    """Each figure with a reference kept empty (what was inside it, such as a
    pasted copy of the picture and its caption, goes: it comes from the
    library when shown); a figure without one unwrapped to its content."""

    def replace(match: re.Match) -> str:
        if match["id"]:
            return f"{_MARK}{match['id']}{_MARK}"
        return match["inner"]

    html = html.replace(_MARK, "")
    while True:
        html, found = _INNERMOST_FIGURE.subn(replace, html)
        if not found:
            break
    return re.sub(
        f"{_MARK}(\\d+){_MARK}", r'<figure data-image-id="\1"></figure>', html
    )


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
