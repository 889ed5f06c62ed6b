from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from related.models import RelatedExclusion, RelatedLink
from tests.factories import ArticleFactory, RelatedExclusionFactory, RelatedLinkFactory

pytestmark = pytest.mark.django_db


def test_related_link_to_itself_fails_clean():
    """A story cannot be related to itself (form validation)."""
    article = ArticleFactory()
    link = RelatedLink(article=article, target=article)

    with pytest.raises(ValidationError) as excinfo:
        link.full_clean()

    assert "target" in excinfo.value.message_dict


def test_related_link_to_itself_refused_by_database():
    """A story cannot be related to itself (database constraint)."""
    article = ArticleFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        RelatedLink.objects.create(article=article, target=article)


def test_related_link_unique():
    """A story links to another story once."""
    link = RelatedLinkFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        RelatedLink.objects.create(article=link.article, target=link.target)


def test_exclusion_of_itself_fails_clean():
    """A story cannot exclude itself (form validation)."""
    article = ArticleFactory()
    exclusion = RelatedExclusion(article=article, target=article)

    with pytest.raises(ValidationError) as excinfo:
        exclusion.full_clean()

    assert excinfo.value.message_dict["target"] == ["A story cannot exclude itself."]


def test_exclusion_unique():
    """A story excludes another story once."""
    exclusion = RelatedExclusionFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        RelatedExclusion.objects.create(
            article=exclusion.article, target=exclusion.target
        )


def test_pairs_read_as_arrows():
    """Picks and exclusions name both stories in the admin's history."""
    link = RelatedLinkFactory()
    exclusion = RelatedExclusionFactory()

    assert str(link) == f"{link.article} → {link.target}"
    assert str(exclusion) == f"{exclusion.article} ↛ {exclusion.target}"
