"""Pictures placed in a story's body: the body stores only a reference to the
library picture (`<figure data-image-id="42"></figure>`), never its URL, so
its renditions and credit stay right when the picture changes."""

from __future__ import annotations

import re

from django.template.loader import render_to_string

from images.models import Image, Rendition
from images.templatetags.pictures import picture_context

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


def missing_figures(body: str) -> list[int]:
    """Ids `body` refers to that are in no library picture (one query)."""
    ids = figure_ids(body)
    if not ids:
        return []
    found = set(Image.objects.filter(pk__in=ids).values_list("pk", flat=True))
    return [pk for pk in ids if pk not in found]


def figure_images(body: str) -> dict[int, Image]:
    """The library pictures `body` shows, by id, each with its stored
    renditions of the original's shape: one query, whatever the number of
    figures (none without any). A picture whose renditions are not made yet
    is left out until they are (its save then clears the cached pages)."""
    ids = figure_ids(body)
    if not ids:
        return {}
    images: dict[int, Image] = {}
    renditions = (
        Rendition.objects.filter(image_id__in=ids, ratio=Rendition.Ratio.ORIGINAL)
        .select_related("image")
        .order_by("width", "format")
    )
    for rendition in renditions:
        image = images.setdefault(rendition.image_id, rendition.image)
        # Filled in here, so that the picture's renditions_for() reads these
        # rather than querying again.
        if not hasattr(image, "_prefetched_objects_cache"):
            image._prefetched_objects_cache = {}
        image._prefetched_objects_cache.setdefault("renditions", []).append(rendition)
    return images


def expand_figures(html: str) -> str:
    """`html` (a sanitised body) with each figure reference replaced by the
    picture it names (includes/figure.html: a responsive <picture>, lazily
    loaded, with its width, height and alt text, and its caption and credit);
    a reference to a picture that is missing, or not ready, shows nothing."""
    images = figure_images(html)
    if "data-image-id" not in html:
        return html

    def replace(match: re.Match) -> str:
        image = images.get(int(match["id"]))
        if image is None:
            return ""
        return render_to_string(
            "includes/figure.html",
            picture_context(image, ratio=Rendition.Ratio.ORIGINAL, sizes=FIGURE_SIZES),
        )

    return FIGURE_REFERENCE.sub(replace, html)


# A body figure's width on the page: the story column (see static CSS).
FIGURE_SIZES = "(min-width: 64rem) 42rem, 100vw"
