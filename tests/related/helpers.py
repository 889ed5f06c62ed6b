"""Shared helpers for the related-stories tests."""

from __future__ import annotations

import datetime

from django.utils import timezone

from articles.models import Article, ArticleEntity
from related.models import DocumentFrequency, RelatedScore
from related.scoring import TOTAL, entity_feature
from tests.factories import ArticleFactory

# Scoring weighs what two stories share against the whole archive; a handful of
# stories makes every entity common.
ARCHIVE_SIZE = 30


def archive_of(count: int) -> list[Article]:
    """`count` published stories from long ago that share nothing but the
    factory's words, which they make common."""
    return ArticleFactory.create_batch(count, go_live_at=days_ago(3650))


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def mention(article: Article, entity) -> None:
    article.entities.add(
        entity, through_defaults={"relevance": ArticleEntity.Relevance.MENTIONS}
    )


def stored(article: Article) -> list[Article]:
    return [
        row.target
        for row in RelatedScore.objects.filter(article=article).select_related("target")
    ]


def filler(count: int, *entities) -> None:
    """Stories that make `entities` common across the archive."""
    for _ in range(count):
        ArticleFactory(entities=list(entities), go_live_at=days_ago(400))


def frequencies(*entities) -> list[int]:
    counts = dict(DocumentFrequency.objects.values_list("feature", "df"))
    return [counts.get(TOTAL), *(counts.get(entity_feature(e.pk)) for e in entities)]
