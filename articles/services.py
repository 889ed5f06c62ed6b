"""Writes that touch several rows or need a permission check: publish, withdraw.

Importing a story is `articles.importers.run.import_story`, which publishes
through `publish_article`.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from articles.models import Article, RelatedExclusion, RelatedLink

PUBLISH_PERMISSION = "articles.publish_article"


def check_publish_permission(by) -> None:
    """Raise PermissionDenied unless `by` may publish and withdraw stories.

    `by` None is the system itself (a command, the demo loader): always allowed.
    """
    if by is not None and not by.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied("You may not publish or withdraw stories.")


@transaction.atomic
def publish_article(
    *, article: Article, by=None, at: datetime.datetime | None = None
) -> Article:
    """Publish `article` now, or schedule it for `at` when that is in the future.

    A story that was published before keeps its first publication time.
    """
    check_publish_permission(by)
    now = timezone.now()
    article.status = Article.Status.PUBLISHED
    if at is not None:
        article.go_live_at = at
    elif article.go_live_at is None or article.go_live_at > now:
        article.go_live_at = now
    article.first_published_at = article.first_published_at or article.go_live_at
    article.last_published_at = max(article.go_live_at, now)
    article.save()
    refresh_related_later(article=article)
    return article


@transaction.atomic
def withdraw_article(*, article: Article, by=None) -> Article:
    """Take `article` off every public surface; partners see it as withdrawn."""
    check_publish_permission(by)
    article.status = Article.Status.WITHDRAWN
    article.save()
    refresh_related_later(article=article)
    return article


def refresh_related_later(*, article: Article) -> None:
    """Recompute the stored related stories around `article` in the background,
    once the current transaction commits (its entities or status changed)."""
    from articles.tasks import refresh_related_lists

    transaction.on_commit(lambda: refresh_related_lists.enqueue(article.pk))


@transaction.atomic
def pin_related(*, article: Article, target: Article) -> RelatedLink:
    """Make `target` an editor's pick for `article`, after the existing picks.

    Pinning removes an exclusion of the same story. Raises ValidationError for
    the story itself.
    """
    link = RelatedLink(article=article, target=target)
    link.full_clean(
        exclude=["sort_order"], validate_unique=False, validate_constraints=False
    )
    last = (
        RelatedLink.objects.filter(article=article)
        .order_by("-sort_order")
        .values_list("sort_order", flat=True)
        .first()
    )
    link, _ = RelatedLink.objects.get_or_create(
        article=article,
        target=target,
        defaults={"sort_order": 0 if last is None else last + 1},
    )
    RelatedExclusion.objects.filter(article=article, target=target).delete()
    return link


@transaction.atomic
def exclude_related(*, article: Article, target: Article) -> RelatedExclusion:
    """Never suggest `target` next to `article` again (it may still be picked).

    Takes effect at once: the stored suggestion is dropped too.
    """
    exclusion = RelatedExclusion(article=article, target=target)
    exclusion.full_clean(validate_unique=False, validate_constraints=False)
    exclusion, _ = RelatedExclusion.objects.get_or_create(
        article=article, target=target
    )
    article.related_scores.filter(target=target).delete()
    return exclusion
