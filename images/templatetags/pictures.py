"""`{% picture image %}`: a library picture as a responsive <picture>, from
its stored renditions only (a page view never resizes anything)."""

from __future__ import annotations

from django import template

from images.models import Image, Rendition

register = template.Library()

# Best first: a browser takes the first <source> whose type it knows.
SOURCE_FORMATS = (Rendition.Format.AVIF, Rendition.Format.WEBP)


def picture_context(
    image: Image,
    *,
    ratio: str = Rendition.Ratio.WIDE,
    sizes: str = "100vw",
    lead: bool = False,
    fallback_width: int = 960,
) -> dict:
    """What templates/images/picture.html needs: a srcset per format, the
    JPEG <img> with its real width and height (so the page keeps its space
    before the file arrives); with no renditions yet, the original."""
    renditions = image.renditions_for(ratio)
    sources = []
    for fmt in SOURCE_FORMATS:
        srcset = ", ".join(f"{r.url} {r.width}w" for r in renditions if r.format == fmt)
        if srcset:
            sources.append({"type": f"image/{fmt}", "srcset": srcset})
    jpegs = [r for r in renditions if r.format == Rendition.Format.JPEG]
    fallback = image.rendition(ratio, Rendition.Format.JPEG, fallback_width)
    if fallback is None:
        img = {"src": image.file.url, "width": image.width, "height": image.height}
        srcset = ""
    else:
        img = {"src": fallback.url, "width": fallback.width, "height": fallback.height}
        srcset = ", ".join(f"{r.url} {r.width}w" for r in jpegs)
    return {
        "image": image,
        "sources": sources,
        "img": img,
        "srcset": srcset,
        "sizes": sizes,
        "lead": lead,
    }


@register.inclusion_tag("images/picture.html")
def picture(
    image: Image,
    ratio: str = Rendition.Ratio.WIDE,
    sizes: str = "100vw",
    lead: bool = False,
    css_class: str = "",
) -> dict:
    return {
        **picture_context(image, ratio=ratio, sizes=sizes, lead=lead),
        "css_class": css_class,
    }


@register.simple_tag
def shared_image(image: Image, width: int = 1200) -> dict:
    """The picture a link to the page shows elsewhere (Open Graph, JSON-LD):
    its 16:9 JPEG at least `width` wide where there is one, else the widest,
    else the original."""
    rendition = image.rendition(Rendition.Ratio.WIDE, Rendition.Format.JPEG, width)
    if rendition is None:
        return {"url": image.file.url, "width": image.width, "height": image.height}
    return {"url": rendition.url, "width": rendition.width, "height": rendition.height}
