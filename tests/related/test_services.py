from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from related.models import (
    RelatedExclusion,
)
from related.services import exclude_related, pin_related
from related.serving import related_articles
from tests.factories import (
    ArticleFactory,
    RelatedExclusionFactory,
    RelatedLinkFactory,
)

pytestmark = pytest.mark.django_db


def test_an_editor_cannot_exclude_or_pin_the_story_itself():
    """Excluding or pinning a story next to itself is refused."""
    story = ArticleFactory()
    with pytest.raises(ValidationError):
        exclude_related(article=story, target=story)
    with pytest.raises(ValidationError):
        pin_related(article=story, target=story)
    with pytest.raises(IntegrityError), transaction.atomic():
        RelatedExclusion.objects.create(article=story, target=story)


def test_pinning_puts_the_story_after_the_existing_picks():
    """A pinned suggestion becomes the last editor's pick and loses its exclusion."""
    story = ArticleFactory()
    first = RelatedLinkFactory(article=story, sort_order=4).target
    target = ArticleFactory()
    RelatedExclusionFactory(article=story, target=target)
    pin_related(article=story, target=target)
    pin_related(article=story, target=target)
    assert related_articles(story) == [first, target]
    assert not RelatedExclusion.objects.filter(article=story).exists()
