from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import (
    clear_script_prefix,
    include,
    path,
    reverse,
    set_script_prefix,
)

from newsroom.reversing import cached_reverse
from tests.factories import ArticleFactory, EntityFactory

pytestmark = pytest.mark.django_db


def elsewhere(request):  # pragma: no cover - never called, only reversed
    raise AssertionError


# The same view name as the site's, at another address.
urlpatterns = [
    path(
        "elsewhere/",
        include(([path("<slug:slug>/", elsewhere, name="detail")], "entities")),
    )
]


def test_same_answer_as_reverse():
    """A remembered address is the one reverse() gives, however often asked."""
    story = ArticleFactory()
    expected = reverse(
        "articles:detail",
        kwargs={
            "year": story.go_live_at.year,
            "month": f"{story.go_live_at.month:02d}",
            "day": f"{story.go_live_at.day:02d}",
            "slug": story.slug,
        },
    )
    assert story.get_absolute_url() == expected
    assert story.get_absolute_url() == expected


def test_script_prefix_is_part_of_the_answer():
    """A site mounted under a prefix links under it, and one that is not
    does not get the prefixed address remembered earlier."""
    entity = EntityFactory(slug="geneva")
    set_script_prefix("/news/")
    try:
        assert entity.get_absolute_url() == "/news/entities/geneva/"
    finally:
        clear_script_prefix()
    assert entity.get_absolute_url() == "/entities/geneva/"


def test_a_new_urlconf_is_not_answered_from_the_old_one():
    """Swapping the URLconf forgets what was remembered under the old one."""
    assert cached_reverse("entities:detail", slug="geneva") == "/entities/geneva/"
    with override_settings(ROOT_URLCONF=__name__):
        assert cached_reverse("entities:detail", slug="geneva") == (
            "/elsewhere/geneva/"
        )
    assert cached_reverse("entities:detail", slug="geneva") == "/entities/geneva/"
