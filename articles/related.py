"""Which stories to read next: the editor's picks, then stories sharing entities."""

from __future__ import annotations

from django.db.models import Count

from articles.models import Article

RELATED_LIMIT = 5


def related_articles(article: Article, limit: int = RELATED_LIMIT) -> list[Article]:
    """Published stories related to `article`, editor picks first in their order.

    Never `article` itself, and never a story readers cannot see, even when an
    editor picked it. Costs two queries whatever the size of the list.
    """
    published = Article.objects.published().exclude(pk=article.pk)
    picks = list(
        published.filter(relatedlink_targets__article=article)
        .order_by("relatedlink_targets__sort_order", "relatedlink_targets__pk")
        .select_related("section")[:limit]
    )
    if len(picks) >= limit:
        return picks
    shared = (
        published.filter(entity_links__tag__article_links__content_object=article)
        .exclude(pk__in=[pick.pk for pick in picks])
        .annotate(shared=Count("entity_links", distinct=True))
        .order_by("-shared", "-go_live_at", "-pk")
        .select_related("section")[: limit - len(picks)]
    )
    return picks + list(shared)
