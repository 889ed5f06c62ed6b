"""Pictures placed in a story's body: the body stores only a reference to the
library picture (`<figure data-image-id="42"></figure>`), never its URL, so
its renditions and credit stay right when the picture changes."""

from __future__ import annotations

import re

# A figure element referring to a library picture, as the sanitiser leaves it.
FIGURE_REFERENCE = re.compile(
    r"<figure\b[^>]*?\bdata-image-id=\"(?P<id>\d{1,18})\"[^>]*>.*?</figure>",
    re.DOTALL | re.IGNORECASE,
)


def figure_ids(body: str) -> list[int]:
    """The ids of the library pictures `body` refers to, in order, once each."""
    if "data-image-id" not in body:
        return []
    return list(dict.fromkeys(int(m["id"]) for m in FIGURE_REFERENCE.finditer(body)))
