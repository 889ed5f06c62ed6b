"""Keeping stored suggestions fresh: score one story against the archive and
move it into (or out of) its neighbours' lists as it changes."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from articles.models import Article, ArticleEntity, TaggedArticle
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
    Suggestion,
    best,
    day,
    entity_feature,
    relevance_weight,
    shared_json,
    tag_feature,
)


def _day(article: Article) -> float:
    when = article.go_live_at or article.created_at or timezone.now()
    return day(when)


def _own_features(
    article: Article,
) -> tuple[dict[int, float], dict[int, str], dict[int, str]]:
    """`article`'s feature weights, and the names of its entities and tags."""
    own: dict[int, float] = {}
    entity_names: dict[int, str] = {}
    tag_names: dict[int, str] = {}
    for entity_id, relevance, name in ArticleEntity.objects.filter(
        content_object_id=article.pk
    ).values_list("tag_id", "relevance", "tag__name"):
        own[entity_feature(entity_id)] = relevance_weight(relevance)
        entity_names[entity_id] = name
    for tag_id, name in TaggedArticle.objects.filter(
        content_object_id=article.pk
    ).values_list("tag_id", "tag__name"):
        own[tag_feature(tag_id)] = TAG_SIDE_WEIGHT
        tag_names[tag_id] = name
    return own, entity_names, tag_names


def _frequencies(features: Iterable[int]) -> tuple[int, dict[int, int]]:
    """The number of published stories and the document frequency of `features`.

    Read from `DocumentFrequency` once `rebuild_related` has filled it; counted
    over the published stories until then.
    """
    wanted = list(features)
    counts = dict(
        DocumentFrequency.objects.filter(feature__in=[TOTAL, *wanted]).values_list(
            "feature", "df"
        )
    )
    if TOTAL in counts:
        return max(counts.pop(TOTAL), 1), counts
    df: dict[int, int] = {}
    for links, side, feature in (
        (ArticleEntity.objects, 0, entity_feature),
        (TaggedArticle.objects, 1, tag_feature),
    ):
        for tag_id, n in (
            links.filter(
                content_object__status=Article.Status.PUBLISHED,
                tag_id__in=[f // 2 for f in wanted if f % 2 == side],
            )
            .values("tag_id")
            .annotate(n=Count("pk"))
            .values_list("tag_id", "n")
        ):
            df[feature(tag_id)] = n
    total = Article.objects.filter(status=Article.Status.PUBLISHED).count()
    return max(total, 1), df


def _score(article: Article, own: dict[int, float]) -> tuple[Index, dict[int, float]]:
    """Every published story scoring at least MIN_SCORE against `article` (its
    exclusions left out), and the index that explains the scores."""
    total, df = _frequencies(own)
    index = Index(total=total, df=df)
    rare = [f for f in own if index.is_rare(f)]
    common = [f for f in own if not index.is_rare(f)]
    published = {"content_object__status": Article.Status.PUBLISHED}
    postings: list[tuple[int, int, float, datetime.datetime]] = [
        (other, entity_feature(entity_id), relevance_weight(relevance), when)
        for other, entity_id, relevance, when in ArticleEntity.objects.filter(
            tag_id__in=[f // 2 for f in rare if f % 2 == 0], **published
        ).values_list(
            "content_object_id", "tag_id", "relevance", "content_object__go_live_at"
        )
    ]
    postings += [
        (other, tag_feature(tag_id), TAG_SIDE_WEIGHT, when)
        for other, tag_id, when in TaggedArticle.objects.filter(
            tag_id__in=[f // 2 for f in rare if f % 2 == 1], **published
        ).values_list("content_object_id", "tag_id", "content_object__go_live_at")
    ]
    for other, feature, weight, when in postings:
        index.postings.setdefault(feature, []).append((other, weight))
        index.features.setdefault(other, {})[feature] = weight
        index.days[other] = day(when)
    index.features.pop(article.pk, None)
    candidates = list(index.features)
    common_entities = [f // 2 for f in common if f % 2 == 0]
    common_tags = [f // 2 for f in common if f % 2 == 1]
    if candidates and common_entities:
        for other, entity_id, relevance in ArticleEntity.objects.filter(
            content_object_id__in=candidates, tag_id__in=common_entities
        ).values_list("content_object_id", "tag_id", "relevance"):
            index.features[other][entity_feature(entity_id)] = relevance_weight(
                relevance
            )
    if candidates and common_tags:
        for other, tag_id in TaggedArticle.objects.filter(
            content_object_id__in=candidates, tag_id__in=common_tags
        ).values_list("content_object_id", "tag_id"):
            index.features[other][tag_feature(tag_id)] = TAG_SIDE_WEIGHT
    excluded = set(
        RelatedExclusion.objects.filter(article_id=article.pk).values_list(
            "target_id", flat=True
        )
    )
    return index, index.scores(article.pk, own, _day(article), excluded)


def suggest(article: Article, *, limit: int | None = STORED_LIMIT) -> list[Suggestion]:
    """Published stories related to `article`, best first, computed from scratch.

    Works for a story in any state (the admin shows suggestions for drafts). Costs
    a handful of queries bounded by DF_CAP, not by the size of the archive.
    Editor exclusions are left out; editor picks are not (see `related_articles`).
    """
    own, entity_names, tag_names = _own_features(article)
    if not own:
        return []
    index, scores = _score(article, own)
    return [
        Suggestion(
            other,
            score,
            shared_json(index.shared(own, other), entity_names, tag_names),
        )
        for other, score in best(scores, limit)
    ]


def _store(article_id: int, suggestions: Iterable[Suggestion]) -> list[RelatedScore]:
    return [
        RelatedScore(
            article_id=article_id,
            target_id=s.target_id,
            score=s.score,
            rank=rank,
            shared=s.shared,
        )
        for rank, s in enumerate(suggestions)
    ]


def _count(article: Article, own: dict[int, float]) -> None:
    """Move `DocumentFrequency` from what `article` was last counted with to what
    it carries now (nothing unless it is published).

    Does nothing until `rebuild_related` has filled the table. Call inside a
    transaction: the story's row is locked so that two refreshes of one story
    cannot count it twice.
    """
    if not DocumentFrequency.objects.filter(feature=TOTAL).exists():
        return
    list(Article.objects.select_for_update().filter(pk=article.pk).values_list("pk"))
    now = (
        {TOTAL, *own}
        if Article.objects.filter(
            pk=article.pk, status=Article.Status.PUBLISHED
        ).exists()
        else set()
    )
    before = (
        StoryFeatures.objects.filter(article_id=article.pk)
        .values_list("features", flat=True)
        .first()
    )
    then = set(before or ())
    if added := now - then:
        DocumentFrequency.objects.bulk_create(
            [DocumentFrequency(feature=feature, df=0) for feature in added],
            ignore_conflicts=True,
        )
        DocumentFrequency.objects.filter(feature__in=added).update(df=F("df") + 1)
    if removed := then - now:
        DocumentFrequency.objects.filter(feature__in=removed).update(df=F("df") - 1)
    if now and before is None:
        StoryFeatures.objects.create(article_id=article.pk, features=sorted(now))
    elif now and now != then:
        StoryFeatures.objects.filter(article_id=article.pk).update(features=sorted(now))
    elif not now and before is not None:
        StoryFeatures.objects.filter(article_id=article.pk).delete()


@transaction.atomic
def refresh_related(article: Article) -> int:
    """Recompute `article`'s stored suggestions and those of the stories it affects.

    A published story gets its own list, and enters (or leaves) the lists of the
    stories it would now rank among; a story that is no longer published leaves
    every list, and those lists are refilled. Document frequencies move with the
    story. Returns how many other stories' lists changed. Runs in the background
    (`related.tasks`); IDF drift between full rebuilds (stories deleted, or
    changed without a refresh) is corrected by `manage.py rebuild_related`.
    """
    own, entity_names, tag_names = _own_features(article)
    _count(article, own)
    if article.status != Article.Status.PUBLISHED:
        listers = list(
            RelatedScore.objects.filter(target=article)
            .values_list("article_id", flat=True)
            .distinct()
        )
        RelatedScore.objects.filter(Q(article=article) | Q(target=article)).delete()
        for lister in Article.objects.filter(
            pk__in=listers, status=Article.Status.PUBLISHED
        ):
            _replace(lister.pk, suggest(lister))
        return len(listers)
    index, scores = _score(article, own) if own else (None, {})

    def explain(other: int) -> dict:
        return shared_json(index.shared(own, other), entity_names, tag_names)

    _replace(
        article.pk,
        [
            Suggestion(other, score, explain(other))
            for other, score in best(scores, STORED_LIMIT)
        ],
    )
    return _update_neighbours(article, scores, explain)


def _replace(article_id: int, suggestions: list[Suggestion]) -> None:
    RelatedScore.objects.filter(article_id=article_id).delete()
    RelatedScore.objects.bulk_create(_store(article_id, suggestions))


def _update_neighbours(
    article: Article, scores: dict[int, float], explain: Callable[[int], dict]
) -> int:
    """Put `article` into (or out of) the stored lists of the stories it relates to.

    Scores are symmetric, so the story's own scores say where it ranks in each
    neighbour's list. Only lists it enters, or already sat in, are rewritten.
    """
    full = dict(
        RelatedScore.objects.filter(
            article_id__in=scores, rank=STORED_LIMIT - 1
        ).values_list("article_id", "score")
    )
    excluding = set(
        RelatedExclusion.objects.filter(target_id=article.pk).values_list(
            "article_id", flat=True
        )
    )
    entering = {
        other
        for other, score in scores.items()
        if other not in excluding and score > full.get(other, 0.0)
    }
    listing = set(
        RelatedScore.objects.filter(target_id=article.pk).values_list(
            "article_id", flat=True
        )
    )
    affected = entering | listing
    if not affected:
        return 0
    current: dict[int, list[Suggestion]] = defaultdict(list)
    for other, target, score, shared in RelatedScore.objects.filter(
        article_id__in=affected
    ).values_list("article_id", "target_id", "score", "shared"):
        if target != article.pk:
            current[other].append(Suggestion(target, score, shared))
    rows = []
    for other in sorted(affected):
        mine = current[other]
        if other in entering:
            mine.append(Suggestion(article.pk, scores[other], explain(other)))
        mine.sort(key=lambda s: (-s.score, s.target_id))
        rows += _store(other, mine[:STORED_LIMIT])
    RelatedScore.objects.filter(article_id__in=affected).delete()
    RelatedScore.objects.bulk_create(rows, batch_size=1000)
    return len(affected)
