"""Text cleaned at the door.

Wire copy carries control characters (ESC, form feeds, stray C1 bytes from a bad
transcoding) and JSON can carry lone surrogate escapes. None of them means
anything on a page, XML 1.0 forbids them (one in a headline would break every
feed that lists the story) and PostgreSQL refuses NUL, so every text field is
cleaned before it is stored: by the importers, the admin's forms and any API
write path. Tab and newline stay; a carriage return becomes a newline.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls but tab and newline, DEL, the C1 controls, lone surrogates and the
# two non-characters XML forbids.
UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_NEWLINES = re.compile("\r\n?")


def clean_text(value: str) -> str:
    """`value` with line endings made "\\n" and unwanted characters removed."""
    return UNWANTED.sub("", _NEWLINES.sub("\n", value))


def unwanted_in(value: str) -> list[str]:
    """The distinct unwanted characters in `value`, named for a report
    ("U+001B ESCAPE"), in order of first appearance. Carriage returns are not
    reported: they are line endings, kept as newlines."""
    seen: dict[str, None] = {}
    for match in UNWANTED.finditer(value.replace("\r", "")):
        seen.setdefault(match.group(), None)
    return [describe(char) for char in seen]


def describe(char: str) -> str:
    """A character's code point and, where it has one, its Unicode name."""
    name = unicodedata.name(char, "")
    if not name and 0xD800 <= ord(char) <= 0xDFFF:
        name = "lone surrogate"
    return f"U+{ord(char):04X} {name}".rstrip()
