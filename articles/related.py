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
the cost of one story independent of the size of the archive. Document
frequencies are kept in `DocumentFrequency` (filled by `rebuild_related`, moved by
`refresh_related`), so publishing counts nothing over the archive.
"""

from __future__ import annotations

import datetime
import heapq
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter

from django.db import connection, models, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone
from taggit.models import Tag

from articles.models import (
    Article,
    ArticleEntity,
    DocumentFrequency,
    RelatedExclusion,
    RelatedLink,
    RelatedScore,
    StoryFeatures,
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
# The `DocumentFrequency` row counting the published stories themselves.
TOTAL = 0

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
        candidates: Iterable[tuple[int, float]] = content.items()
        if limit is not None:
            # Best bound first: once a bound falls below the bar, so do the rest.
            candidates = sorted(candidates, key=itemgetter(1), reverse=True)
        for other, score in candidates:
            if score + common_bound < bar:
                if limit is None:
                    continue
                break
            if other == story or other in excluded:
                continue
            factor = floor + decay * math.exp(-abs(days[other] - day) / RECENCY_DAYS)
            if common:
                if (score + common_bound) * factor < bar:
                    continue
                theirs = features[other]
                for feature, weighted in common:
                    if feature in theirs:
                        score += weighted * theirs[feature]
            score *= factor
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
        own[_entity_feature(entity_id)] = _relevance_weight(relevance)
        entity_names[entity_id] = name
    for tag_id, name in TaggedArticle.objects.filter(
        content_object_id=article.pk
    ).values_list("tag_id", "tag__name"):
        own[_tag_feature(tag_id)] = _TAG_SIDE_WEIGHT
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
    entities = [f // 2 for f in wanted if f % 2 == 0]
    tags = [f // 2 for f in wanted if f % 2 == 1]
    for entity_id, n in (
        ArticleEntity.objects.filter(
            content_object__status=Article.Status.PUBLISHED, tag_id__in=entities
        )
        .values("tag_id")
        .annotate(n=Count("pk"))
        .values_list("tag_id", "n")
    ):
        df[_entity_feature(entity_id)] = n
    for tag_id, n in (
        TaggedArticle.objects.filter(
            content_object__status=Article.Status.PUBLISHED, tag_id__in=tags
        )
        .values("tag_id")
        .annotate(n=Count("pk"))
        .values_list("tag_id", "n")
    ):
        df[_tag_feature(tag_id)] = n
    total = Article.objects.filter(status=Article.Status.PUBLISHED).count()
    return max(total, 1), df


def _score(article: Article, own: dict[int, float]) -> tuple[_Index, dict[int, float]]:
    """Every published story scoring at least MIN_SCORE against `article` (its
    exclusions left out), and the index that explains the scores."""
    total, df = _frequencies(own)
    index = _Index(total=total, df=df)
    rare = [f for f in own if df.get(f, 0) <= DF_CAP]
    common = [f for f in own if df.get(f, 0) > DF_CAP]
    published = {"content_object__status": Article.Status.PUBLISHED}
    postings: list[tuple[int, int, float, datetime.datetime]] = [
        (other, _entity_feature(entity_id), _relevance_weight(relevance), when)
        for other, entity_id, relevance, when in ArticleEntity.objects.filter(
            tag_id__in=[f // 2 for f in rare if f % 2 == 0], **published
        ).values_list(
            "content_object_id", "tag_id", "relevance", "content_object__go_live_at"
        )
    ]
    postings += [
        (other, _tag_feature(tag_id), _TAG_SIDE_WEIGHT, when)
        for other, tag_id, when in TaggedArticle.objects.filter(
            tag_id__in=[f // 2 for f in rare if f % 2 == 1], **published
        ).values_list("content_object_id", "tag_id", "content_object__go_live_at")
    ]
    for other, feature, weight, when in postings:
        index.postings.setdefault(feature, []).append((other, weight))
        index.features.setdefault(other, {})[feature] = weight
        index.days[other] = when.timestamp() / _SECONDS_PER_DAY
    index.features.pop(article.pk, None)
    candidates = list(index.features)
    common_entities = [f // 2 for f in common if f % 2 == 0]
    common_tags = [f // 2 for f in common if f % 2 == 1]
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
        RelatedExclusion.objects.filter(article_id=article.pk).values_list(
            "target_id", flat=True
        )
    )
    return index, index.scores(article.pk, own, _day(article), excluded)


def _best(scores: dict[int, float], limit: int | None) -> list[tuple[int, float]]:
    if limit is None:
        return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    return heapq.nsmallest(limit, scores.items(), key=lambda pair: (-pair[1], pair[0]))


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
            _shared_json(index.shared(own, other), entity_names, tag_names),
        )
        for other, score in _best(scores, limit)
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
    (`articles.tasks`); IDF drift between full rebuilds (stories deleted, or
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
        return _shared_json(index.shared(own, other), entity_names, tag_names)

    _replace(
        article.pk,
        [
            Suggestion(other, score, explain(other))
            for other, score in _best(scores, STORED_LIMIT)
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
        pk: when.timestamp() / _SECONDS_PER_DAY
        for pk, when in published.values_list("pk", "go_live_at").iterator(
            chunk_size=50000
        )
    }
    index = _Index(total=max(len(days), 1), df=Counter(), days=days)
    features = index.features
    about = ArticleEntity.Relevance.ABOUT
    for other, entity_id, relevance in (
        ArticleEntity.objects.filter(content_object__status=Article.Status.PUBLISHED)
        .order_by()
        .values_list("content_object_id", "tag_id", "relevance")
        .iterator(chunk_size=50000)
    ):
        features.setdefault(other, {})[2 * entity_id] = (
            1.0 if relevance == about else MENTIONS_WEIGHT
        )
    for other, tag_id in (
        TaggedArticle.objects.filter(content_object__status=Article.Status.PUBLISHED)
        .order_by()
        .values_list("content_object_id", "tag_id")
        .iterator(chunk_size=50000)
    ):
        features.setdefault(other, {})[2 * tag_id + 1] = _TAG_SIDE_WEIGHT
    df = index.df
    for own in features.values():
        df.update(own.keys())
    postings = index.postings
    for other, own in features.items():
        for feature, weight in own.items():
            if df[feature] <= DF_CAP:
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
        from tqdm import tqdm

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
                    _shared_json(index.shared(own, other), entity_names, tag_names),
                )
                for rank, (other, score) in enumerate(_best(scores, None))
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


def related_articles(article: Article, limit: int = RELATED_LIMIT) -> list[Article]:
    """Published stories related to `article`, editor picks first in their order.

    Never `article` itself, never a story the editor excluded, and never a story
    readers cannot see, even when an editor picked it or it was stored before it
    was withdrawn. Costs one query whatever the size of the list.
    """
    entries = related_entries(article, limit, with_shared=False)
    return [entry["article"] for entry in entries]


def related_entries(
    article: Article, limit: int = RELATED_LIMIT, *, with_shared: bool = True
) -> list[dict]:
    """`related_articles` with why: each entry has `article`, `picked`, `score`
    (None for a pick) and `shared` ({"entities": [{id, name, weight}], "tags":
    [{name, weight}]}, empty for a pick). Costs one query.
    """
    pk = article.pk
    excluded = RelatedExclusion.objects.filter(article_id=pk).values("target_id")
    picked_ids = RelatedLink.objects.filter(article_id=pk).values("target_id")
    stored_ids = (
        RelatedScore.objects.filter(article_id=pk)
        .exclude(target_id__in=excluded)
        .values("target_id")
    )
    pick = RelatedLink.objects.filter(article_id=pk, target_id=OuterRef("pk"))
    stored = RelatedScore.objects.filter(article_id=pk, target_id=OuterRef("pk"))
    stories = (
        Article.objects.published()
        .exclude(pk=pk)
        # A handful of ids from two indexed lists: the archive's size never shows.
        .filter(pk__in=picked_ids.order_by().union(stored_ids.order_by(), all=True))
        .annotate(
            pick_order=Subquery(pick.values("sort_order")[:1]),
            related_score=Subquery(stored.values("score")[:1]),
        )
        .select_related("section", "thread")
        .order_by(F("pick_order").asc(nulls_last=True), F("related_score").desc(), "pk")
    )
    if with_shared:
        stories = stories.annotate(related_shared=Subquery(stored.values("shared")[:1]))
    else:
        # The story page shows a headline, a link, a section and a date.
        stories = (
            stories.select_related(None)
            .select_related("section")
            .only("headline", "slug", "go_live_at", "created_at", "section__name")
        )
    entries = []
    for story in stories[:limit]:
        picked = story.pick_order is not None
        shared = getattr(story, "related_shared", None) or {}
        if isinstance(shared, str):
            shared = json.loads(shared)
        entries.append(
            {
                "article": story,
                "picked": picked,
                "score": None if picked else story.related_score,
                "shared": {} if picked else shared,
            }
        )
    return entries
