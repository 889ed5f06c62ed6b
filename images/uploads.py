"""Checking an uploaded picture before it is stored: one door for the admin's
forms, the demo loader and any import.

Only real JPEG, PNG, WebP and GIF files pass, whatever their name says: the
format is read from the decoded file. Limits on bytes (IMAGE_MAX_BYTES) and
pixels (IMAGE_MAX_PIXELS) stop a decompression bomb before it is decoded; a
truncated or damaged file is refused. What is stored is a re-encoding of the
decoded picture, turned upright by its EXIF orientation, so the camera's
metadata (GPS position, serial numbers) is never kept.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from images.models import EXTENSIONS

ACCEPTED = "JPEG, PNG, WebP or GIF"
# The extensions a file of each format may be named with.
NAMES = {
    "JPEG": {"jpg", "jpeg", "jpe"},
    "PNG": {"png"},
    "WEBP": {"webp"},
    "GIF": {"gif"},
}
FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}


@dataclass(frozen=True)
class CheckedImage:
    """An upload that passed: its re-encoded content, ready to store."""

    name: str
    format: str
    width: int
    height: int
    content: ContentFile


def check_upload(file, *, name: str | None = None) -> CheckedImage:
    """Check an uploaded picture (a Django File or any binary file object) and
    return its cleaned re-encoding. Raises ValidationError, with a message
    naming the file, when it is not one Newsroom accepts."""
    name = name or PurePosixPath(getattr(file, "name", "") or "upload").name
    size = getattr(file, "size", None)
    limit = settings.IMAGE_MAX_BYTES
    if size is not None and size > limit:
        raise _refused(
            name,
            f"is {size / 1_000_000:.1f} MB; pictures may be at most "
            f"{limit / 1_000_000:.1f} MB",
            "too_large",
        )
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limit + 1)
    if len(data) > limit:
        raise _refused(name, f"is larger than {limit / 1_000_000:.1f} MB", "too_large")
    if not data:
        raise _refused(name, "is empty", "empty")
    with warnings.catch_warnings():
        # Pillow's own bomb guard warns past its limit; ours is lower and
        # stated in the message.
        warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
        try:
            picture = PILImage.open(io.BytesIO(data), formats=list(EXTENSIONS))
        except PILImage.DecompressionBombError as error:
            # Past twice Pillow's own limit it refuses at once, saying how many
            # pixels the header claims.
            found = re.search(r"\((\d+) pixels\)", str(error))
            raise _too_many_pixels(name, int(found[1]) if found else None) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise _refused(
                name,
                f"is not a picture in a format Newsroom accepts ({ACCEPTED})",
                "not_an_image",
            ) from None
        fmt = picture.format
        extension = PurePosixPath(name).suffix.lstrip(".").lower()
        if extension and extension not in NAMES[fmt]:
            raise _refused(
                name,
                f"is a {FORMAT_NAMES[fmt]} picture named as a .{extension} file: "
                f"rename it .{EXTENSIONS[fmt]} and upload it again",
                "misnamed",
            )
        width, height = picture.size
        if width * height > settings.IMAGE_MAX_PIXELS:
            raise _too_many_pixels(name, width * height, (width, height))
        # An animation is decoded frame by frame: its frames count too.
        frames = getattr(picture, "n_frames", 1)
        if frames * width * height > settings.IMAGE_MAX_PIXELS:
            raise _refused(
                name,
                f"has {frames:,} frames of {width:,} × {height:,} pixels; an "
                f"animation may have at most {settings.IMAGE_MAX_PIXELS / 1e6:g} "
                "megapixels in all",
                "too_many_pixels",
            )
        try:
            picture.load()
            content = _reencoded(picture, fmt)
        except PILImage.DecompressionBombError:
            raise _too_many_pixels(name, width * height, (width, height)) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise _refused(
                name,
                f"is a damaged or incomplete {FORMAT_NAMES[fmt]} file (was the "
                "upload cut short?)",
                "damaged",
            ) from None
    upright = ImageOps.exif_transpose(PILImage.open(io.BytesIO(content)))
    return CheckedImage(
        name=f"{PurePosixPath(name).stem}.{EXTENSIONS[fmt]}",
        format=fmt,
        width=upright.width,
        height=upright.height,
        content=ContentFile(content),
    )


def _reencoded(picture: PILImage.Image, fmt: str) -> bytes:
    """The picture upright, encoded afresh in its own format without its
    metadata (EXIF, XMP, text chunks); a colour profile is kept."""
    out = io.BytesIO()
    icc = picture.info.get("icc_profile")
    extra = {"icc_profile": icc} if icc else {}
    if fmt == "GIF" and getattr(picture, "n_frames", 1) > 1:
        picture.save(out, "GIF", save_all=True, loop=picture.info.get("loop", 0))
        return out.getvalue()
    upright = ImageOps.exif_transpose(picture)
    if fmt == "JPEG":
        upright.save(out, "JPEG", quality=92, optimize=True, **extra)
    elif fmt == "WEBP":
        upright.save(out, "WEBP", quality=92, **extra)
    else:
        upright.save(out, fmt, optimize=True, **extra)
    return out.getvalue()


def _too_many_pixels(
    name: str, pixels: int | None, size: tuple[int, int] | None = None
) -> ValidationError:
    limit = settings.IMAGE_MAX_PIXELS
    if size:
        what = f"is {size[0]:,} × {size[1]:,} pixels"
    elif pixels:
        what = f"is {pixels / 1_000_000:g} megapixels"
    else:
        what = "has too many pixels"
    return _refused(
        name,
        f"{what}; pictures may have at most {limit / 1_000_000:g} megapixels",
        "too_many_pixels",
    )


def _refused(name: str, reason: str, code: str) -> ValidationError:
    return ValidationError(f"“{name}” {reason}.", code=code)
