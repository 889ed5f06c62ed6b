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
    """Publish `article` at `at`, else at its own go-live time, else now.

    A future time schedules the story: readers see it from then on. Every path
    (the change form, the bulk action, imports) comes here, so a story
    scheduled for later is never published early by one that gives no time; a
    past time backdates it. A story that was published before keeps its first
    publication time. Raises ValidationError, changing nothing, when the story
    would expire before it goes live.
    """
    check_publish_permission(by)
    now = timezone.now()
    go_live_at = at or article.go_live_at or now
    article.check_expiry(go_live_at)
    article.status = Article.Status.PUBLISHED
    article.go_live_at = go_live_at
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
