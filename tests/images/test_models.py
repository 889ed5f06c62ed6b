from __future__ import annotations

import datetime

import pytest
from django.db.models import ProtectedError
from django.utils import timezone

from tests.factories import ArticleFactory, AuthorFactory, ImageFactory

pytestmark = pytest.mark.django_db


def test_usages_are_found_through_the_relations():
    """A picture knows what uses it without its app naming stories."""
    image = ImageFactory(renditions=False)
    assert image.usages() == []
    story = ArticleFactory(lead_image=image)
    author = AuthorFactory(photo=image)
    assert set(image.usages()) == {story, author}


def test_recent_usages_are_stories_live_in_the_last_seven_days():
    image = ImageFactory(renditions=False)
    ArticleFactory(
        lead_image=image, go_live_at=timezone.now() - datetime.timedelta(days=8)
    )
    recent = ArticleFactory(lead_image=image)
    AuthorFactory(photo=image)
    assert image.recent_usages() == [recent]


def test_an_image_in_use_is_protected():
    image = ImageFactory(renditions=False)
    ArticleFactory(lead_image=image)
    with pytest.raises(ProtectedError):
        image.delete()


def test_licence_expired():
    today = timezone.localdate()
    image = ImageFactory.build(licence_expires_on=today)
    assert not image.licence_expired
    image.licence_expires_on = today - datetime.timedelta(days=1)
    assert image.licence_expired


def test_str_is_the_caption_shortened():
    image = ImageFactory.build(caption="A" * 80)
    assert str(image) == "A" * 60 + "…"
