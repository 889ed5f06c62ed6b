from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from PIL import features

from images.renditions import crop_box, make_renditions, rendition_formats
from images.services import create_image
from tests.factories import ImageFactory

pytestmark = pytest.mark.django_db


def test_crop_box_centres_on_the_focal_point():
    assert crop_box(1600, 900, (1, 1), (0.5, 0.5)) == (350, 0, 1250, 900)
    assert crop_box(1600, 900, (1, 1), (0.9, 0.5)) == (700, 0, 1600, 900)
    assert crop_box(1600, 900, (1, 1), (0.0, 0.5)) == (0, 0, 900, 900)
    assert crop_box(900, 1600, (16, 9), (0.5, 0.1)) == (0, 0, 900, 506)
    assert crop_box(1600, 900, None, (0.2, 0.2)) == (0, 0, 1600, 900)


def test_formats_are_avif_where_pillow_writes_it_then_webp_and_jpeg():
    expected = (["avif"] if features.check("avif") else []) + ["webp", "jpeg"]
    assert rendition_formats() == expected


def test_every_ratio_width_and_format_is_made_without_upscaling():
    """A 1,000 × 750 picture gets 320, 640 and its own width, never wider."""
    image = ImageFactory(width=1000, height=750)
    widths = sorted(
        set(image.renditions.filter(ratio="16:9").values_list("width", flat=True))
    )
    assert widths == [320, 640, 960, 1000]
    assert max(image.renditions.values_list("width", flat=True)) == 1000
    formats = set(image.renditions.values_list("format", flat=True))
    assert formats == set(rendition_formats())
    for rendition in image.renditions.all():
        decoded = PILImage.open(io.BytesIO(rendition.file.read()))
        assert decoded.size == (rendition.width, rendition.height)
        assert decoded.format == rendition.format.upper()
    wide = image.renditions.get(ratio="16:9", width=640, format="jpeg")
    assert wide.height == 360


def test_making_them_again_makes_only_what_is_missing():
    image = ImageFactory(width=400, height=300)
    assert make_renditions(image) == 0
    image.renditions.filter(format="jpeg").delete()
    assert make_renditions(image) == image.renditions.filter(format="jpeg").count()


def test_a_transparent_png_gets_a_white_jpeg():
    picture = PILImage.new("RGBA", (64, 64), (0, 0, 0, 0))
    out = io.BytesIO()
    picture.save(out, "PNG")
    image = create_image(file=SimpleUploadedFile("clear.png", out.getvalue()))
    make_renditions(image)
    jpeg = image.renditions.get(ratio="1:1", format="jpeg")
    decoded = PILImage.open(io.BytesIO(jpeg.file.read())).convert("RGB")
    assert decoded.getpixel((10, 10)) == (255, 255, 255)
