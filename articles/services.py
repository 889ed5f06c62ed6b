"""Writes that touch several rows or need a permission check: publish, withdraw.

Importing a story is `articles.importers.run.import_story`, which publishes
through `publish_article`.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from articles.models import Article
from related.services import refresh_related_later

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
