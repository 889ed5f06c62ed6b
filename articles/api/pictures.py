"""A story's pictures as the partner API gives them: the lead picture first,
then the figures of its body, each with its credit, caption, alt text, rights
and stored renditions, loaded for a whole page of stories in one query.

Used by `articles.api.serializers` (`load_relations`, the JSON `pictures`
field and the ninjs `associations` of type picture).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from rest_framework.request import Request

from articles.figures import figure_ids
from articles.models import Article
from images.models import Image, Rendition

# The renditions partners are offered: the whole picture and the 16:9 crop
# pages lead with, in every stored width and format.
API_RATIOS = (Rendition.Ratio.ORIGINAL, Rendition.Ratio.WIDE)


class Picture(NamedTuple):
    """A picture as shown with a story: the library image, its role ("lead"
    or "figure") and its renditions, narrowest first."""

    image: Image
    role: str
    renditions: list[Rendition]


def image_uri(image: Image) -> str:
    """The picture's permanent name, whatever its files become."""
    return f"urn:newsroom:image:{image.pk}"


def load_pictures(articles: Iterable[Article]) -> None:
    """Give each story its `picture_list`: its lead picture, then each
    picture its body shows (once each, when the body was loaded), in one
    query for all the stories.
    A picture whose renditions are not made yet (the task worker makes them
    just after upload) is left out, as partners would have nothing to fetch."""
    wanted: dict[int, list[tuple[int, str]]] = {}
    for article in articles:
        ids = []
        if article.lead_image_id:
            ids.append((article.lead_image_id, "lead"))
        seen = {article.lead_image_id}
        # A list leaves the body unread unless asked for (expand=body), and
        # its figures with it: reading it here would cost a query a story.
        body = "" if "body" in article.get_deferred_fields() else article.body
        for image_id in figure_ids(body or ""):
            if image_id not in seen:
                seen.add(image_id)
                ids.append((image_id, "figure"))
        wanted[article.pk] = ids
        article.picture_list = []
    all_ids = {image_id for ids in wanted.values() for image_id, _ in ids}
    if not all_ids:
        return
    renditions: dict[int, list[Rendition]] = {}
    images: dict[int, Image] = {}
    found = (
        Rendition.objects.filter(image_id__in=all_ids, ratio__in=API_RATIOS)
        .select_related("image")
        .order_by("image_id", "ratio", "width", "format")
    )
    for rendition in found:
        images.setdefault(rendition.image_id, rendition.image)
        renditions.setdefault(rendition.image_id, []).append(rendition)
    for article in articles:
        article.picture_list = [
            Picture(images[image_id], role, renditions[image_id])
            for image_id, role in wanted[article.pk]
            if image_id in images
        ]


def absolute(request: Request | None, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


def rendition_name(rendition: Rendition) -> str:
    """A rendition's name in ninjs: "original-640w-jpeg", "16x9-1280w-webp"."""
    return f"{rendition.ratio.replace(':', 'x')}-{rendition.width}w-{rendition.format}"


def picture_json(picture: Picture, request: Request | None) -> dict:
    """A picture in the API's JSON."""
    image = picture.image
    return {
        "id": image.pk,
        "uri": image_uri(image),
        "role": picture.role,
        "alt_text": image.alt_text,
        "caption": image.caption,
        "credit": image.credit,
        "copyright": image.copyright,
        "usage_terms": image.usage_terms,
        "width": image.width,
        "height": image.height,
        "renditions": [
            {
                "url": absolute(request, rendition.url),
                "ratio": rendition.ratio,
                "width": rendition.width,
                "height": rendition.height,
                "mime_type": rendition.mime_type,
            }
            for rendition in picture.renditions
        ],
    }


def picture_association(
    picture: Picture, position: int, request: Request | None
) -> dict:
    """A picture as a ninjs 2.2 association of type picture; `position`
    counts from 1 in the story's order."""
    image = picture.image
    association = {
        "name": "leadimage" if picture.role == "lead" else f"picture{position}",
        "uri": image_uri(image),
        "type": "picture",
        "version": str(int(image.updated_at.timestamp())),
    }
    if image.credit:
        association["by"] = image.credit
    if image.caption:
        association["headlines"] = [{"role": "main", "value": image.caption}]
    descriptions = []
    if image.caption:
        descriptions.append({"role": "caption", "value": image.caption})
    if image.alt_text:
        descriptions.append({"role": "alt", "value": image.alt_text})
    if descriptions:
        association["descriptions"] = descriptions
    if image.copyright:
        association["copyrightnotice"] = image.copyright
    if image.usage_terms:
        association["usageterms"] = image.usage_terms
    association["renditions"] = [
        {
            "name": rendition_name(rendition),
            "href": absolute(request, rendition.url),
            "contenttype": rendition.mime_type,
            "width": rendition.width,
            "height": rendition.height,
        }
        for rendition in picture.renditions
    ]
    return association
