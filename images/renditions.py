"""Making a picture's renditions with Willow (the image library Wagtail uses),
on Pillow: crop to each ratio around the focal point, resize to each width
(never wider than the crop), encode in each format.

Run by the task worker (images.tasks) and `manage.py make_renditions`; never
during a page view.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image as PILImage
from PIL import features
from willow.plugins.pillow import PillowImage

from images.files import stored_files
from images.models import Image, Rendition

RATIOS: dict[str, tuple[int, int] | None] = {
    Rendition.Ratio.ORIGINAL: None,
    Rendition.Ratio.WIDE: (16, 9),
    Rendition.Ratio.STANDARD: (4, 3),
    Rendition.Ratio.SQUARE: (1, 1),
}
QUALITY = {"avif": 60, "webp": 78, "jpeg": 82}


def rendition_formats() -> list[str]:
    """The formats made, best first: AVIF where this Pillow can write it,
    WebP, and JPEG for every browser."""
    wanted = settings.IMAGE_RENDITION_FORMATS
    supported = {"avif": features.check("avif"), "webp": features.check("webp")}
    return [fmt for fmt in wanted if supported.get(fmt, fmt == "jpeg")]


@dataclass(frozen=True)
class Spec:
    ratio: str
    width: int
    height: int
    format: str


def crop_box(
    width: int, height: int, ratio: tuple[int, int] | None, focal: tuple[float, float]
) -> tuple[int, int, int, int]:
    """The largest box of `ratio` inside a `width` × `height` picture, centred
    on the focal point as far as the edges allow."""
    if ratio is None:
        return (0, 0, width, height)
    across, down = ratio
    if width * down > height * across:
        box_w, box_h = round(height * across / down), height
    else:
        box_w, box_h = width, round(width * down / across)
    left = round(focal[0] * width - box_w / 2)
    top = round(focal[1] * height - box_h / 2)
    left = min(max(left, 0), width - box_w)
    top = min(max(top, 0), height - box_h)
    return (left, top, left + box_w, top + box_h)


def specs_for(image: Image) -> list[Spec]:
    """Every rendition `image` should have."""
    specs = []
    for ratio, shape in RATIOS.items():
        left, top, right, bottom = crop_box(
            image.width, image.height, shape, (image.focal_x, image.focal_y)
        )
        box_w, box_h = right - left, bottom - top
        widths = sorted({min(w, box_w) for w in settings.IMAGE_RENDITION_WIDTHS})
        for width in widths:
            height = max(1, round(box_h * width / box_w))
            specs.extend(
                Spec(str(ratio), width, height, fmt) for fmt in rendition_formats()
            )
    return specs


def make_renditions(image: Image, *, replace: bool = False) -> int:
    """Make the renditions `image` lacks (all of them again with `replace`,
    after its focal point moved); returns how many were made. Old renditions
    are deleted only once the new set is stored."""
    wanted = specs_for(image)
    existing = {(r.ratio, r.width, r.format): r for r in image.renditions.all()}
    todo = [
        spec
        for spec in wanted
        if replace or (spec.ratio, spec.width, spec.format) not in existing
    ]
    if not todo:
        return 0
    with image.file.open("rb") as stored:
        original = PILImage.open(io.BytesIO(stored.read()))
        original.load()
    if original.mode not in ("RGB", "RGBA"):
        original = original.convert(
            "RGBA" if "transparency" in original.info else "RGB"
        )
    # Each ratio is cropped from the original and scaled to its widest
    # rendition once; narrower ones are scaled from that (a 24-megapixel
    # original is resized once per ratio, not once per rendition).
    bases: dict[str, PillowImage] = {}
    sized: dict[tuple[str, int], PillowImage] = {}
    for spec in sorted(todo, key=lambda spec: -spec.width):
        if spec.ratio not in bases:
            box = crop_box(
                original.width,
                original.height,
                RATIOS[spec.ratio],
                (image.focal_x, image.focal_y),
            )
            bases[spec.ratio] = (
                PillowImage(original).crop(box).resize((spec.width, spec.height))
            )
        key = (spec.ratio, spec.width)
        if key not in sized:
            sized[key] = bases[spec.ratio].resize((spec.width, spec.height))
    made = [_render(image, sized[(spec.ratio, spec.width)], spec) for spec in todo]
    with stored_files() as saved:
        stale = [
            r
            for key, r in existing.items()
            if replace or key not in {(s.ratio, s.width, s.format) for s in wanted}
        ]
        for rendition in stale:
            rendition.delete()
        for rendition, content in made:
            rendition.file.save(
                f"r.{_extension(rendition.format)}", content, save=False
            )
            saved.append(rendition.file)
            rendition.save()
        # Pages showing the picture are cached with their renditions' addresses:
        # the picture's save tells the page cache (articles.caching).
        image.save(update_fields=["updated_at"])
    return len(made)


def _render(
    image: Image, picture: PillowImage, spec: Spec
) -> tuple[Rendition, ContentFile]:
    """`picture`, already cropped and sized for `spec`, encoded."""
    out = io.BytesIO()
    quality = QUALITY[spec.format]
    if spec.format == "jpeg":
        if picture.has_alpha():
            picture = picture.set_background_color_rgb((255, 255, 255))
        picture.save_as_jpeg(out, quality=quality, optimize=True, progressive=True)
    elif spec.format == "webp":
        picture.save_as_webp(out, quality=quality)
    else:
        picture.save_as_avif(out, quality=quality)
    rendition = Rendition(
        image=image,
        ratio=spec.ratio,
        format=spec.format,
        width=spec.width,
        height=spec.height,
        file_size=out.getbuffer().nbytes,
    )
    return rendition, ContentFile(out.getvalue())


def _extension(fmt: str) -> str:
    return "jpg" if fmt == "jpeg" else fmt
