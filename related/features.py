"""Reading what stories are scored on from the database: their entities (confirmed,
or detected and waiting for an editor), topic tags and words.

`story_features` reads one story, for upkeep; the `archive_*` generators stream
every published story's, for a rebuild. Both give the same weights.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import QuerySet

from articles.models import Article, ArticleEntity, TaggedArticle
from entities.models import Suggestion as EntitySuggestion
from related.scoring import (
    entity_feature,
    relevance_weight,
    tag_feature,
    tag_weight,
)
from related.text import Terms, terms

TEXT_FIELDS = ("pk", "headline", "dek", "body", "language")


@dataclass
class Features:
    """One story's entity and tag weights, its words, and a label per feature."""

    weights: dict[int, float] = field(default_factory=dict)
    terms: Terms = field(default_factory=Terms)
    labels: dict[int, str] = field(default_factory=dict)

    def counted(self) -> set[int]:
        """The features the story counts towards in document frequencies."""
        return {*self.weights, *self.terms.counts}


def _add(weights: dict[int, float], feature: int, weight: float) -> None:
    if weight > weights.get(feature, 0.0):
        weights[feature] = weight


def story_features(article: Article) -> Features:
    """What `article` is scored on, read fresh from its links and its text."""
    found = Features()
    weights, labels = found.weights, found.labels
    for entity_id, relevance, name in ArticleEntity.objects.filter(
        content_object_id=article.pk
    ).values_list("tag_id", "relevance", "tag__name"):
        feature = entity_feature(entity_id)
        _add(weights, feature, relevance_weight(relevance))
        labels[feature] = name
    for entity_id, relevance, name in EntitySuggestion.objects.filter(
        article_id=article.pk, status=EntitySuggestion.Status.SUGGESTED
    ).values_list("entity_id", "relevance", "entity__name"):
        feature = entity_feature(entity_id)
        _add(weights, feature, relevance_weight(relevance, confirmed=False))
        labels[feature] = name
    for tag_id, name in TaggedArticle.objects.filter(
        content_object_id=article.pk
    ).values_list("tag_id", "tag__name"):
        _add(weights, tag_feature(tag_id), tag_weight())
        labels[tag_feature(tag_id)] = name
    found.terms = terms(article.headline, article.dek, article.body, article.language)
    labels.update(found.terms.words)
    return found


def archive_weights(published: QuerySet[Article]) -> dict[int, dict[int, float]]:
    """Every story's entity and tag weights, by story, for the stories in
    `published`."""
    weights: dict[int, dict[int, float]] = {}
    rows = ArticleEntity.objects.filter(content_object__in=published).order_by()
    for story, entity_id, relevance in rows.values_list(
        "content_object_id", "tag_id", "relevance"
    ).iterator(chunk_size=50000):
        _add(
            weights.setdefault(story, {}),
            entity_feature(entity_id),
            relevance_weight(relevance),
        )
    rows = EntitySuggestion.objects.filter(
        article__in=published, status=EntitySuggestion.Status.SUGGESTED
    ).order_by()
    for story, entity_id, relevance in rows.values_list(
        "article_id", "entity_id", "relevance"
    ).iterator(chunk_size=50000):
        _add(
            weights.setdefault(story, {}),
            entity_feature(entity_id),
            relevance_weight(relevance, confirmed=False),
        )
    rows = TaggedArticle.objects.filter(content_object__in=published).order_by()
    for story, tag_id in rows.values_list("content_object_id", "tag_id").iterator(
        chunk_size=50000
    ):
        _add(weights.setdefault(story, {}), tag_feature(tag_id), tag_weight())
    return weights


def archive_terms(
    published: QuerySet[Article], *, chunk_size: int = 2000
) -> Iterator[tuple[int, Terms]]:
    """Every story's words, story by story, in the order of their ids."""
    for pk, headline, dek, body, language in (
        published.order_by("pk").values_list(*TEXT_FIELDS).iterator(chunk_size)
    ):
        yield pk, terms(headline, dek, body, language)
