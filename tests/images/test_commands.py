from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.factories import ImageFactory

pytestmark = pytest.mark.django_db


def test_make_renditions_makes_what_is_missing():
    image = ImageFactory(renditions=False)
    out = io.StringIO()
    call_command("make_renditions", stdout=out)
    made = image.renditions.count()
    assert made > 0
    assert out.getvalue() == f"Made {made} renditions.\n"
    out = io.StringIO()
    call_command("make_renditions", str(image.pk), stdout=out)
    assert out.getvalue() == "Made 0 renditions.\n"
    call_command("make_renditions", "--replace", stdout=out)
    assert image.renditions.count() == made
