"""Serving a story's related list: the one read every public surface makes."""

from __future__ import annotations

import json
from collections.abc import Collection

from django.db.models import F, OuterRef, Subquery

from articles.models import Article
from related.models import RelatedExclusion, RelatedLink, RelatedScore
from related.scoring import RELATED_LIMIT


def related_articles(
    article: Article,
    limit: int = RELATED_LIMIT,
    *,
    leave_out: Collection[int] = (),
) -> list[Article]:
    """Published stories related to `article`, editor picks first in their order.

    Never `article` itself, never a story the editor excluded, and never a story
    readers cannot see, even when an editor picked it or it was stored before it
    was withdrawn. `leave_out` names stories the caller already shows (the story
    page's thread boxes): they are skipped in the query, picks included, so the
    next stories take their places. Costs one query whatever the size of the list.
    """
    entries = related_entries(article, limit, with_shared=False, leave_out=leave_out)
    return [entry["article"] for entry in entries]


def related_entries(
    article: Article,
    limit: int = RELATED_LIMIT,
    *,
    with_shared: bool = True,
    leave_out: Collection[int] = (),
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
    if leave_out:
        stories = stories.exclude(pk__in=leave_out)
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
