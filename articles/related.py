"""Which stories to read next: the editor's picks, then stories sharing entities.

Automatic suggestions are scored by what two stories share, and stored
(`RelatedScore`) so that serving a story's list is one indexed read whatever the
size of the archive:

- every shared entity adds its inverse document frequency over published stories,
  log(1 + N / df), times a weight for how central it is to each story (about 1,
  mentions 0.5): sharing "Wadi Barada" counts far more than sharing "Russia";
- every shared topic tag adds its IDF times TAG_WEIGHT;
- the sum is multiplied by a recency factor centred on the story's own date,
  RECENCY_FLOOR + (1 - RECENCY_FLOOR) * exp(-|days apart| / RECENCY_DAYS), so a
  2016 story links to its own period before last week's news;
- suggestions under MIN_SCORE are dropped.

Candidates come from the posting lists of the story's rarer entities and tags
(document frequency at most DF_CAP); commoner ones still add to the score of a
candidate found that way but do not propose candidates of their own, which keeps
the cost of one story independent of the size of the archive.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from taggit.models import Tag

from articles.models import (
    Article,
    ArticleEntity,
    RelatedExclusion,
    RelatedScore,
    TaggedArticle,
)
from entities.models import Entity

RELATED_LIMIT = 5
STORED_LIMIT = 10
MIN_SCORE = 0.25
MENTIONS_WEIGHT = 0.5
TAG_WEIGHT = 0.3
RECENCY_DAYS = 60.0
RECENCY_FLOOR = 0.2
DF_CAP = 1000
SHARED_SHOWN = 5

# Entities and tags share one feature space: entity n is 2n, tag n is 2n + 1.
_TAG_SIDE_WEIGHT = math.sqrt(TAG_WEIGHT)
_SECONDS_PER_DAY = 86400.0


def _entity_feature(entity_id: int) -> int:
    return 2 * entity_id


def _tag_feature(tag_id: int) -> int:
    return 2 * tag_id + 1


def _relevance_weight(relevance: str) -> float:
    return 1.0 if relevance == ArticleEntity.Relevance.ABOUT else MENTIONS_WEIGHT


def idf(df: int, total: int) -> float:
    """Inverse document frequency of a feature carried by `df` of `total` stories."""
    return math.log(1 + total / max(df, 1))


def recency(days_apart: float) -> float:
    """The factor between RECENCY_FLOOR and 1 for two stories `days_apart`."""
    return RECENCY_FLOOR + (1 - RECENCY_FLOOR) * math.exp(
        -abs(days_apart) / RECENCY_DAYS
    )


def _day(article: Article) -> float:
    when = article.go_live_at or article.created_at or timezone.now()
    return when.timestamp() / _SECONDS_PER_DAY


@dataclass
class _Index:
    """What scoring needs to know about (part of) the archive.

    `features[b]` holds, for every story b, the weights of its features (at least
    those it shares with the story being scored); `postings[f]` the stories
    carrying a rare feature f.
    """

    total: int
    df: dict[int, int]
    features: dict[int, dict[int, float]] = field(default_factory=dict)
    postings: dict[int, list[tuple[int, float]]] = field(default_factory=dict)
    days: dict[int, float] = field(default_factory=dict)

    def idf(self, feature: int) -> float:
        return idf(self.df.get(feature, 1), self.total)

    def scores(
        self,
        story: int,
        own: dict[int, float],
        day: float,
        excluded: set[int],
        limit: int | None = None,
    ) -> dict[int, float]:
        """The candidates of `story` scoring at least MIN_SCORE, with their scores:
        all of them, or only the best `limit`.
        """
        content: dict[int, float] = defaultdict(float)
        common = []
        for feature, weight in own.items():
            if self.df.get(feature, 0) > DF_CAP:
                common.append((feature, weight * self.idf(feature)))
                continue
            weighted = weight * self.idf(feature)
            for other, other_weight in self.postings.get(feature, ()):
                content[other] += weighted * other_weight
        # Common features add at most this much, and recency only shrinks a score,
        # so a candidate whose bound is below the bar can be skipped unscored.
        common_bound = sum(weighted for _, weighted in common)
        features, days = self.features, self.days
        floor, decay = RECENCY_FLOOR, 1 - RECENCY_FLOOR
        result: dict[int, float] = {}
        best: list[tuple[float, int]] = []
        bar = MIN_SCORE
        for other, score in content.items():
            if score + common_bound < bar:
                continue
            if other == story or other in excluded:
                continue
            if common:
                theirs = features[other]
                for feature, weighted in common:
                    if feature in theirs:
                        score += weighted * theirs[feature]
            score *= floor + decay * math.exp(-abs(days[other] - day) / RECENCY_DAYS)
            if score < bar:
                continue
            if limit is None:
                result[other] = score
                continue
            heapq.heappush(best, (score, -other))
            if len(best) > limit:
                heapq.heappop(best)
            if len(best) == limit:
                bar = max(bar, best[0][0])
        if limit is not None:
            result = {-negated: score for score, negated in best}
        return result

    def shared(self, own: dict[int, float], other: int) -> list[tuple[int, float]]:
        """The features `other` shares with a story, largest contribution first."""
        theirs = self.features[other]
        contributions = [
            (feature, weight * theirs[feature] * self.idf(feature))
            for feature, weight in own.items()
            if feature in theirs
        ]
        contributions.sort(key=lambda pair: (-pair[1], pair[0]))
        return contributions


def _shared_json(
    contributions: list[tuple[int, float]],
    entity_names: dict[int, str],
    tag_names: dict[int, str],
) -> dict:
    entities, tags = [], []
    for feature, weight in contributions:
        if feature % 2 == 0 and len(entities) < SHARED_SHOWN:
            entity_id = feature // 2
            entities.append(
                {
                    "id": entity_id,
                    "name": entity_names.get(entity_id, ""),
                    "weight": round(weight, 3),
                }
            )
        elif feature % 2 == 1 and len(tags) < SHARED_SHOWN:
            tags.append(
                {"name": tag_names.get(feature // 2, ""), "weight": round(weight, 3)}
            )
    return {"entities": entities, "tags": tags}


@dataclass
class Suggestion:
    """One automatic suggestion: the story's id, its score and what it shares."""

    target_id: int
    score: float
    shared: dict


def suggest(article: Article, *, limit: int | None = STORED_LIMIT) -> list[Suggestion]:
    """Published stories related to `article`, best first, computed from scratch.

    Works for a story in any state (the admin shows suggestions for drafts). Costs
    a handful of queries bounded by DF_CAP, not by the size of the archive.
    Editor exclusions are left out; editor picks are not (see `related_articles`).
    """
    published = Article.objects.filter(status=Article.Status.PUBLISHED)
    own: dict[int, float] = {}
    entity_names: dict[int, str] = {}
    tag_names: dict[int, str] = {}
    for entity_id, relevance, name in ArticleEntity.objects.filter(
        content_object=article
    ).values_list("tag_id", "relevance", "tag__name"):
        own[_entity_feature(entity_id)] = _relevance_weight(relevance)
        entity_names[entity_id] = name
    for tag_id, name in TaggedArticle.objects.filter(
        content_object=article
    ).values_list("tag_id", "tag__name"):
        own[_tag_feature(tag_id)] = _TAG_SIDE_WEIGHT
        tag_names[tag_id] = name
    if not own:
        return []
    entity_links = ArticleEntity.objects.filter(
        content_object__status=Article.Status.PUBLISHED
    )
    tag_links = TaggedArticle.objects.filter(
        content_object__status=Article.Status.PUBLISHED
    )
    df: dict[int, int] = {}
    for entity_id, n in (
        entity_links.filter(tag_id__in=entity_names)
        .values("tag_id")
        .annotate(n=Count("pk"))
        .values_list("tag_id", "n")
    ):
        df[_entity_feature(entity_id)] = n
    for tag_id, n in (
        tag_links.filter(tag_id__in=tag_names)
        .values("tag_id")
        .annotate(n=Count("pk"))
        .values_list("tag_id", "n")
    ):
        df[_tag_feature(tag_id)] = n
    index = _Index(total=max(published.count(), 1), df=df)
    rare_entities = [e for e in entity_names if df.get(_entity_feature(e), 0) <= DF_CAP]
    rare_tags = [t for t in tag_names if df.get(_tag_feature(t), 0) <= DF_CAP]
    for other, entity_id, relevance, when in entity_links.filter(
        tag_id__in=rare_entities
    ).values_list(
        "content_object_id", "tag_id", "relevance", "content_object__go_live_at"
    ):
        feature, weight = _entity_feature(entity_id), _relevance_weight(relevance)
        index.postings.setdefault(feature, []).append((other, weight))
        index.features.setdefault(other, {})[feature] = weight
        index.days[other] = when.timestamp() / _SECONDS_PER_DAY
    for other, tag_id, when in tag_links.filter(tag_id__in=rare_tags).values_list(
        "content_object_id", "tag_id", "content_object__go_live_at"
    ):
        feature = _tag_feature(tag_id)
        index.postings.setdefault(feature, []).append((other, _TAG_SIDE_WEIGHT))
        index.features.setdefault(other, {})[feature] = _TAG_SIDE_WEIGHT
        index.days[other] = when.timestamp() / _SECONDS_PER_DAY
    index.features.pop(article.pk, None)
    candidates = list(index.features)
    common_entities = [e for e in entity_names if e not in set(rare_entities)]
    common_tags = [t for t in tag_names if t not in set(rare_tags)]
    if candidates and common_entities:
        for other, entity_id, relevance in ArticleEntity.objects.filter(
            content_object_id__in=candidates, tag_id__in=common_entities
        ).values_list("content_object_id", "tag_id", "relevance"):
            index.features[other][_entity_feature(entity_id)] = _relevance_weight(
                relevance
            )
    if candidates and common_tags:
        for other, tag_id in TaggedArticle.objects.filter(
            content_object_id__in=candidates, tag_id__in=common_tags
        ).values_list("content_object_id", "tag_id"):
            index.features[other][_tag_feature(tag_id)] = _TAG_SIDE_WEIGHT
    excluded = set(
        RelatedExclusion.objects.filter(article=article).values_list(
            "target_id", flat=True
        )
    )
    scores = index.scores(article.pk, own, _day(article), excluded)
    best = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    if limit is not None:
        best = best[:limit]
    return [
        Suggestion(
            other,
            score,
            _shared_json(index.shared(own, other), entity_names, tag_names),
        )
        for other, score in best
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


@transaction.atomic
def refresh_related(article: Article) -> int:
    """Recompute `article`'s stored suggestions and those of the stories it affects.

    A published story gets its own list, and enters (or leaves) the lists of the
    stories it would now rank among; a story that is no longer published leaves
    every list, and those lists are refilled. Returns how many other stories'
    lists changed. Runs in the background (`articles.tasks`); IDF drift between
    full rebuilds is corrected by `manage.py rebuild_related`.
    """
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
    suggestions = suggest(article, limit=None)
    _replace(article.pk, suggestions[:STORED_LIMIT])
    return _update_neighbours(article, suggestions)


def _replace(article_id: int, suggestions: list[Suggestion]) -> None:
    RelatedScore.objects.filter(article_id=article_id).delete()
    RelatedScore.objects.bulk_create(_store(article_id, suggestions))


def _update_neighbours(article: Article, suggestions: list[Suggestion]) -> int:
    """Put `article` into (or out of) the stored lists of the stories it relates to.

    Scores are symmetric, so the story's own suggestions say where it ranks in
    each neighbour's list. Only lists it enters, or already sat in, are rewritten.
    """
    by_target = {s.target_id: s for s in suggestions}
    full = dict(
        RelatedScore.objects.filter(
            article_id__in=by_target, rank=STORED_LIMIT - 1
        ).values_list("article_id", "score")
    )
    excluding = set(
        RelatedExclusion.objects.filter(
            article_id__in=by_target, target=article
        ).values_list("article_id", flat=True)
    )
    entering = {
        other
        for other, s in by_target.items()
        if other not in excluding and s.score > full.get(other, 0.0)
    }
    listing = set(
        RelatedScore.objects.filter(target=article).values_list("article_id", flat=True)
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
            mine.append(
                Suggestion(article.pk, by_target[other].score, by_target[other].shared)
            )
        mine.sort(key=lambda s: (-s.score, s.target_id))
        rows += _store(other, mine[:STORED_LIMIT])
    RelatedScore.objects.filter(article_id__in=affected).delete()
    RelatedScore.objects.bulk_create(rows, batch_size=1000)
    return len(affected)


def _batched(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rebuild_related(*, batch_size: int = 2000, progress: bool = False) -> int:
    """Recompute every published story's stored suggestions; returns how many.

    Loads every (story, entity, relevance) and (story, tag) row once, then writes
    each batch in its own transaction so readers always see complete lists.
    """
    published = Article.objects.filter(status=Article.Status.PUBLISHED)
    days = {
        pk: when.timestamp() / _SECONDS_PER_DAY
        for pk, when in published.values_list("pk", "go_live_at").iterator(
            chunk_size=20000
        )
    }
    index = _Index(total=max(len(days), 1), df=defaultdict(int), days=days)
    features = index.features
    for other, entity_id, relevance in (
        ArticleEntity.objects.filter(content_object__status=Article.Status.PUBLISHED)
        .values_list("content_object_id", "tag_id", "relevance")
        .iterator(chunk_size=20000)
    ):
        features.setdefault(other, {})[_entity_feature(entity_id)] = _relevance_weight(
            relevance
        )
    for other, tag_id in (
        TaggedArticle.objects.filter(content_object__status=Article.Status.PUBLISHED)
        .values_list("content_object_id", "tag_id")
        .iterator(chunk_size=20000)
    ):
        features.setdefault(other, {})[_tag_feature(tag_id)] = _TAG_SIDE_WEIGHT
    for own in features.values():
        for feature in own:
            index.df[feature] += 1
    for other, own in features.items():
        for feature, weight in own.items():
            if index.df[feature] <= DF_CAP:
                index.postings.setdefault(feature, []).append((other, weight))
    entity_names = dict(Entity.objects.values_list("pk", "name"))
    tag_names = dict(Tag.objects.values_list("pk", "name"))
    excluded: dict[int, set[int]] = defaultdict(set)
    for article_id, target_id in RelatedExclusion.objects.values_list(
        "article_id", "target_id"
    ):
        excluded[article_id].add(target_id)

    stories = sorted(days)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(stories), unit="story", desc="Related stories")
    for batch in _batched(stories, batch_size):
        rows = []
        for story in batch:
            own = features.get(story)
            if not own:
                continue
            scores = index.scores(
                story, own, days[story], excluded.get(story, set()), STORED_LIMIT
            )
            best = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
            rows += _store(
                story,
                (
                    Suggestion(
                        other,
                        score,
                        _shared_json(index.shared(own, other), entity_names, tag_names),
                    )
                    for other, score in best
                ),
            )
        with transaction.atomic():
            RelatedScore.objects.filter(article_id__in=batch).delete()
            RelatedScore.objects.bulk_create(rows, batch_size=5000)
        if bar is not None:
            bar.update(len(batch))
    if bar is not None:
        bar.close()
    RelatedScore.objects.exclude(article__status=Article.Status.PUBLISHED).delete()
    return len(stories)


def _stored(article: Article, exclude: list[int]):
    """`article`'s stored suggestions that readers can see, best first, annotated
    with `related_score` and `related_shared`."""
    return (
        Article.objects.published()
        .filter(related_score_targets__article=article)
        .exclude(pk__in=exclude)
        .exclude(
            pk__in=RelatedExclusion.objects.filter(article=article).values("target_id")
        )
        .annotate(
            related_score=F("related_score_targets__score"),
            related_shared=F("related_score_targets__shared"),
        )
        .select_related("section")
        .order_by("related_score_targets__rank")
    )


def related_articles(article: Article, limit: int = RELATED_LIMIT) -> list[Article]:
    """Published stories related to `article`, editor picks first in their order.

    Never `article` itself, never a story the editor excluded, and never a story
    readers cannot see, even when an editor picked it or it was stored before it
    was withdrawn. Costs two queries whatever the size of the list.
    """
    return [entry["article"] for entry in related_entries(article, limit)]


def related_entries(article: Article, limit: int = RELATED_LIMIT) -> list[dict]:
    """`related_articles` with why: each entry has `article`, `picked`, `score`
    (None for a pick) and `shared` ({"entities": [{id, name, weight}], "tags":
    [{name, weight}]}, empty for a pick). Costs two queries.
    """
    published = Article.objects.published().exclude(pk=article.pk)
    picks = list(
        published.filter(relatedlink_targets__article=article)
        .order_by("relatedlink_targets__sort_order", "relatedlink_targets__pk")
        .select_related("section")[:limit]
    )
    entries = [
        {"article": pick, "picked": True, "score": None, "shared": {}} for pick in picks
    ]
    if len(entries) >= limit:
        return entries
    for story in _stored(article, [pick.pk for pick in picks])[: limit - len(picks)]:
        entries.append(
            {
                "article": story,
                "picked": False,
                "score": story.related_score,
                "shared": story.related_shared,
            }
        )
    return entries
