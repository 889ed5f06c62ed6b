"""Recompute every published story's suggestions and the document frequencies."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator

from django.db import connection, models, transaction
from taggit.models import Tag
from tqdm import tqdm

from articles.models import Article, ArticleEntity, TaggedArticle
from entities.models import Entity
from related.models import (
    DocumentFrequency,
    RelatedExclusion,
    RelatedScore,
    StoryFeatures,
)
from related.scoring import (
    STORED_LIMIT,
    TAG_SIDE_WEIGHT,
    TOTAL,
    Index,
    best,
    day,
    entity_feature,
    relevance_weight,
    shared_json,
    tag_feature,
)


def _batched(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert(model: type[models.Model], fields: list[str], rows: list[tuple]) -> None:
    """Insert `rows` (values of `fields`): with COPY on PostgreSQL, else in bulk."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows],
            batch_size=2000,
        )
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [json.dumps(v) if isinstance(v, dict | list) else v for v in row]
            )


def rebuild_related(*, batch_size: int = 5000, progress: bool = False) -> int:
    """Recompute every published story's stored suggestions and the document
    frequencies; returns how many stories.

    Loads every (story, entity, relevance) and (story, tag) row once, scores in
    memory, then writes each batch of lists in its own transaction (COPY on
    PostgreSQL) so readers always see complete lists.
    """
    published = Article.objects.filter(status=Article.Status.PUBLISHED)
    days = {
        pk: day(when)
        for pk, when in published.values_list("pk", "go_live_at").iterator(
            chunk_size=50000
        )
    }
    index = Index(total=max(len(days), 1), df=Counter(), days=days)
    features = index.features
    for other, entity_id, relevance in (
        ArticleEntity.objects.filter(content_object__status=Article.Status.PUBLISHED)
        .order_by()
        .values_list("content_object_id", "tag_id", "relevance")
        .iterator(chunk_size=50000)
    ):
        features.setdefault(other, {})[entity_feature(entity_id)] = relevance_weight(
            relevance
        )
    for other, tag_id in (
        TaggedArticle.objects.filter(content_object__status=Article.Status.PUBLISHED)
        .order_by()
        .values_list("content_object_id", "tag_id")
        .iterator(chunk_size=50000)
    ):
        features.setdefault(other, {})[tag_feature(tag_id)] = TAG_SIDE_WEIGHT
    df = index.df
    for own in features.values():
        df.update(own.keys())
    postings = index.postings
    for other, own in features.items():
        for feature, weight in own.items():
            if index.is_rare(feature):
                postings.setdefault(feature, []).append((other, weight))
    entity_names = dict(Entity.objects.values_list("pk", "name"))
    tag_names = dict(Tag.objects.values_list("pk", "name"))
    excluded: dict[int, set[int]] = defaultdict(set)
    for article_id, target_id in RelatedExclusion.objects.values_list(
        "article_id", "target_id"
    ):
        excluded[article_id].add(target_id)

    with transaction.atomic():
        DocumentFrequency.objects.all().delete()
        StoryFeatures.objects.all().delete()
        _insert(
            DocumentFrequency,
            ["feature", "df"],
            [(TOTAL, len(days)), *df.items()],
        )
        _insert(
            StoryFeatures,
            ["article_id", "features"],
            [(story, sorted([TOTAL, *features.get(story, ())])) for story in days],
        )

    stories = sorted(days)
    bar = None
    if progress:
        bar = tqdm(total=len(stories), unit="story", desc="Related stories")
    no_exclusions: set[int] = set()
    fields = ["article_id", "target_id", "score", "rank", "shared"]
    for batch in _batched(stories, batch_size):
        rows = []
        for story in batch:
            own = features.get(story)
            if not own:
                continue
            scores = index.scores(
                story,
                own,
                days[story],
                excluded.get(story, no_exclusions),
                STORED_LIMIT,
            )
            rows += [
                (
                    story,
                    other,
                    score,
                    rank,
                    shared_json(index.shared(own, other), entity_names, tag_names),
                )
                for rank, (other, score) in enumerate(best(scores, None))
            ]
        with transaction.atomic():
            RelatedScore.objects.filter(article_id__in=batch).delete()
            _insert(RelatedScore, fields, rows)
        if bar is not None:
            bar.update(len(batch))
    if bar is not None:
        bar.close()
    RelatedScore.objects.exclude(article__status=Article.Status.PUBLISHED).delete()
    return len(stories)
