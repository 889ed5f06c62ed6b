"""Keeping stored suggestions fresh: score one story against the archive and
move it into (or out of) its neighbours' lists as it changes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from articles.models import Article
from newsroom import pagecache
from related.features import Features, story_features
from related.models import (
    DocumentFrequency,
    Posting,
    RelatedExclusion,
    RelatedScore,
    StoryFeatures,
)
from related.rebuild import rebuild_related
from related.scoring import (
    STORED_LIMIT,
    TOTAL,
    Index,
    Suggestion,
    best,
    day,
    key_terms,
    shared_json,
)

PUBLISHED = Article.Status.PUBLISHED


def _day(article: Article) -> float:
    when = article.go_live_at or article.created_at or timezone.now()
    return day(when)


def _frequencies(features: Iterable[int]) -> tuple[int, dict[int, int]] | None:
    """The number of published stories and the document frequency of `features`,
    from `DocumentFrequency`; None until the archive has been counted."""
    counts = dict(
        DocumentFrequency.objects.filter(feature__in=[TOTAL, *features]).values_list(
            "feature", "df"
        )
    )
    total = counts.pop(TOTAL, None)
    return None if total is None else (max(total, 1), counts)


def _own(found: Features) -> tuple[Index, dict[int, float]]:
    """The index to score a story with (counts of its features filled in) and
    the weights it is scored on: its entities, tags and key terms.

    Scoring needs document frequencies and posting lists: a new install, or an
    upgrade that changed what is counted, gets them here on first use, from
    `rebuild_related`.
    """
    counted = found.counted()
    frequencies = _frequencies(counted)
    if frequencies is None:
        rebuild_related()
        frequencies = _frequencies(counted)
    total, df = frequencies
    own = dict(found.weights)
    own.update(key_terms(found.terms.counts, df, total))
    return Index(total=total, df=df), own


def _score(article: Article, index: Index, own: dict[int, float]) -> dict[int, float]:
    """Every published story scoring at least MIN_SCORE against `article` (its
    exclusions left out), found through the posting lists of its rarer features.
    Fills `index` with what explains the scores."""
    proposing = index.proposing(own)
    rare = list(proposing)
    common = [f for f in own if f not in proposing]
    for other, feature, weight, when in (
        Posting.objects.filter(feature__in=rare, article__status=PUBLISHED)
        .exclude(article_id=article.pk)
        .values_list("article_id", "feature", "weight", "article__go_live_at")
    ):
        index.postings.setdefault(feature, []).append((other, weight))
        index.features.setdefault(other, {})[feature] = weight
        index.days[other] = day(when)
    if index.features and common:
        for other, feature, weight in Posting.objects.filter(
            article_id__in=list(index.features), feature__in=common
        ).values_list("article_id", "feature", "weight"):
            index.features[other][feature] = weight
    excluded = set(
        RelatedExclusion.objects.filter(article_id=article.pk).values_list(
            "target_id", flat=True
        )
    )
    return index.scores(article.pk, own, _day(article), excluded)


def suggest(article: Article, *, limit: int | None = STORED_LIMIT) -> list[Suggestion]:
    """Published stories related to `article`, best first, computed from scratch.

    Works for a story in any state (the admin shows suggestions for drafts). Costs
    a handful of queries bounded by DF_CAP, not by the size of the archive (once
    the archive has been counted: see `_own`).
    Editor exclusions are left out; editor picks are not (see `related_articles`).
    """
    found = story_features(article)
    index, own = _own(found)
    if not own:
        return []
    scores = _score(article, index, own)
    return [
        Suggestion(other, score, shared_json(index.shared(own, other), found.labels))
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


def _count(article: Article, counted: set[int]) -> bool:
    """Move `DocumentFrequency` from what `article` was last counted with to what
    it carries now (nothing unless it is published).

    Call inside a transaction: the story's row is locked so that two refreshes
    of one story cannot count it twice. Returns False, counting nothing, until
    the archive has been counted by `rebuild_related`.
    """
    if not DocumentFrequency.objects.filter(feature=TOTAL).exists():
        return False
    list(Article.objects.select_for_update().filter(pk=article.pk).values_list("pk"))
    now = (
        {TOTAL, *counted}
        if Article.objects.filter(pk=article.pk, status=PUBLISHED).exists()
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
    return True


@transaction.atomic
def refresh_related(article: Article) -> int:
    """Recompute `article`'s stored suggestions and those of the stories it affects.

    A published story gets its features counted and posted, its own list, and
    enters (or leaves) the lists of the stories it would now rank among; a story
    that is no longer published leaves every list, and those lists are refilled.
    Returns how many other stories' lists changed. Runs in the background
    (`related.tasks`). Until `rebuild_related` has counted the archive once (a
    new install, or after an upgrade that changed what is counted) it runs that
    rebuild instead. IDF drift between full rebuilds (stories deleted, or
    changed without a refresh) is corrected by `manage.py rebuild_related`.
    """
    found = story_features(article)
    if not _count(article, found.counted()):
        rebuild_related()
        return RelatedScore.objects.filter(target_id=article.pk).count()
    Posting.objects.filter(article_id=article.pk).delete()
    if article.status != PUBLISHED:
        listers = list(
            RelatedScore.objects.filter(target=article)
            .values_list("article_id", flat=True)
            .distinct()
        )
        RelatedScore.objects.filter(Q(article=article) | Q(target=article)).delete()
        for lister in Article.objects.filter(pk__in=listers, status=PUBLISHED):
            _replace(lister.pk, suggest(lister))
        return len(listers)
    index, own = _own(found)
    Posting.objects.bulk_create(
        Posting(article_id=article.pk, feature=feature, weight=weight)
        for feature, weight in own.items()
    )
    scores = _score(article, index, own) if own else {}

    def explain(other: int) -> dict:
        return shared_json(index.shared(own, other), found.labels)

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
    # The story's page shows its related list.
    pagecache.bump({f"related:{article_id}"})


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
    pagecache.bump({f"related:{other}" for other in affected})
    return len(affected)
