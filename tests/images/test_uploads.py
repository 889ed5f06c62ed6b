from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from PIL.PngImagePlugin import PngInfo

from images.uploads import check_upload
from tests.factories import picture_bytes


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def refusal(name: str, data: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_upload(upload(name, data))
    return caught.value


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims `width` × `height` pixels in a few bytes: a
    decompression bomb's header, with nothing to decode."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("name", "fmt", "stored"),
    [
        ("a.jpg", "JPEG", "a.jpg"),
        ("b.jpeg", "JPEG", "b.jpg"),
        ("c.png", "PNG", "c.png"),
        ("d.webp", "WEBP", "d.webp"),
        ("e.gif", "GIF", "e.gif"),
    ],
)
def test_the_four_formats_pass(name, fmt, stored):
    """JPEG, PNG, WebP and GIF files pass, keeping their format and size."""
    checked = check_upload(upload(name, picture_bytes(64, 48, fmt)))
    assert (checked.format, checked.width, checked.height) == (fmt, 64, 48)
    assert checked.name == stored
    assert PILImage.open(io.BytesIO(checked.content.read())).format == fmt


def test_a_png_named_jpg_is_refused_saying_what_it_is():
    """A PNG renamed .jpg is refused with the format it really is."""
    error = refusal("holiday.jpg", picture_bytes(64, 48, "PNG"))
    assert error.code == "misnamed"
    assert "“holiday.jpg” is a PNG picture named as a .jpg file" in error.messages[0]


def test_svg_is_refused():
    """An SVG drawing is not a picture Newsroom accepts (it can carry script)."""
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    error = refusal("logo.svg", svg)
    assert error.messages == [
        "“logo.svg” is not a picture in a format Newsroom accepts "
        "(JPEG, PNG, WebP or GIF)."
    ]


def test_zip_is_refused():
    """A zip archive, even one named .jpg, is refused."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photo.jpg", picture_bytes(16, 16))
    error = refusal("photos.jpg", out.getvalue())
    assert error.code == "not_an_image"
    assert "“photos.jpg”" in error.messages[0]


def test_text_is_refused():
    """A text file is refused, naming the file."""
    error = refusal("notes.txt", b"Not a picture at all.\n")
    assert error.code == "not_an_image"
    assert error.messages[0].startswith("“notes.txt” is not a picture")


def test_an_empty_file_is_refused():
    assert refusal("empty.jpg", b"").messages == ["“empty.jpg” is empty."]


def test_a_decompression_bomb_is_refused_before_decoding():
    """A small file claiming 20,000 × 20,000 pixels is refused by its header."""
    error = refusal("bomb.png", png_header(20_000, 20_000))
    assert error.code == "too_many_pixels"
    assert error.messages == [
        "“bomb.png” is 400 megapixels; pictures may have at most 50 megapixels."
    ]


def test_a_picture_past_the_limit_but_below_pillows_is_refused_by_size():
    """10,000 × 6,000 pixels: named by its width and height."""
    error = refusal("wide.png", png_header(10_000, 6_000))
    assert error.messages == [
        "“wide.png” is 10,000 × 6,000 pixels; pictures may have at most 50 megapixels."
    ]


def test_the_pixel_limit_is_a_setting(settings):
    settings.IMAGE_MAX_PIXELS = 1000
    error = refusal("big.jpg", picture_bytes(64, 48))
    assert "is 64 × 48 pixels; pictures may have at most 0.001 megapixels" in str(error)


def test_the_byte_limit_is_a_setting(settings):
    """A file over IMAGE_MAX_BYTES is refused before it is opened."""
    settings.IMAGE_MAX_BYTES = 1000
    data = picture_bytes(400, 300)
    assert len(data) > 1000
    error = refusal("heavy.jpg", data)
    assert error.code == "too_large"
    assert error.messages[0].startswith("“heavy.jpg” is ")
    assert "pictures may be at most 0.0 MB" in error.messages[0]


def test_a_truncated_jpeg_is_refused():
    """A JPEG cut short in its upload is refused as damaged."""
    data = picture_bytes(400, 300, quality=95)
    error = refusal("cut.jpg", data[: len(data) // 2])
    assert error.code == "damaged"
    assert error.messages == [
        "“cut.jpg” is a damaged or incomplete JPEG file (was the upload cut short?)."
    ]


def exif_jpeg(orientation: int) -> bytes:
    picture = PILImage.new("RGB", (60, 20), (200, 30, 30))
    exif = PILImage.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "Camera maker"  # Make
    # GPS: latitude 51° N.
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_exif_orientation_is_applied_and_metadata_stripped():
    """A phone picture taken sideways is stored upright, with no EXIF (no GPS
    position, no camera) left in the file."""
    data = exif_jpeg(orientation=6)  # rotate 90° clockwise to view
    assert PILImage.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    checked = check_upload(upload("phone.jpg", data))
    assert (checked.width, checked.height) == (20, 60)
    stored = PILImage.open(io.BytesIO(checked.content.read()))
    assert stored.size == (20, 60)
    assert dict(stored.getexif()) == {}
    assert "exif" not in stored.info


def test_png_text_chunks_are_not_kept():
    """A PNG's text metadata is not kept in the stored file."""
    info = PngInfo()
    info.add_text("Location", "51.5 N 0.1 W")
    checked = check_upload(
        upload("map.png", picture_bytes(32, 32, "PNG", pnginfo=info))
    )
    stored = PILImage.open(io.BytesIO(checked.content.read()))
    assert "Location" not in stored.info


def test_an_animation_counts_all_its_frames(settings):
    """A GIF of many frames is refused when its frames add up past the limit."""
    frames = [PILImage.new("RGB", (100, 100), (n * 20, 0, 0)) for n in range(12)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    settings.IMAGE_MAX_PIXELS = 100_000
    error = refusal("loop.gif", out.getvalue())
    assert error.messages == [
        "“loop.gif” has 12 frames of 100 × 100 pixels; an animation may have at "
        "most 0.1 megapixels in all."
    ]
    settings.IMAGE_MAX_PIXELS = 200_000
    assert check_upload(upload("loop.gif", out.getvalue())).format == "GIF"
