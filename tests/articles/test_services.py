from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from articles.models import Article
from articles.services import publish_article, withdraw_article
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def test_publish_now():
    """Publishing a draft makes it live at once and records when."""
    article = ArticleFactory(draft=True)
    before = timezone.now()

    publish_article(article=article)

    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert before <= article.go_live_at <= timezone.now()
    assert article.first_published_at == article.go_live_at
    assert article.last_published_at == article.go_live_at
    assert article.is_live
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_publish_at_a_past_time_backdates_the_story():
    """An `at` in the past becomes the go-live time; the story is live at once."""
    article = ArticleFactory(draft=True)
    at = timezone.now() - 3 * HOUR

    publish_article(article=article, at=at)

    article.refresh_from_db()
    assert article.go_live_at == at
    assert article.first_published_at == at
    assert article.is_live


def test_schedule():
    """A future `at` schedules the story: readers see it only from then on."""
    article = ArticleFactory(draft=True)
    at = timezone.now() + 2 * HOUR

    publish_article(article=article, at=at)

    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.go_live_at == at
    assert article.is_scheduled
    assert article.last_published_at == at
    assert not Article.objects.published().filter(pk=article.pk).exists()
    assert not Article.objects.published(now=at - HOUR).filter(pk=article.pk).exists()
    assert Article.objects.published(now=at).filter(pk=article.pk).exists()
    assert Article.objects.published(now=at + HOUR).filter(pk=article.pk).exists()


def test_publishing_a_scheduled_story_without_at_keeps_its_go_live_time():
    """Publishing a scheduled story with no `at` keeps it scheduled: only an
    explicit time brings it forward."""
    article = ArticleFactory(scheduled=True)
    scheduled_for = article.go_live_at

    publish_article(article=article)

    assert article.is_scheduled
    assert article.go_live_at == scheduled_for

    publish_article(article=article, at=timezone.now())

    assert article.is_live


def test_republish_keeps_first_published_at():
    """Publishing again after a withdrawal keeps the first publication time."""
    first = timezone.now() - 48 * HOUR
    article = ArticleFactory(draft=True)
    publish_article(article=article, at=first)
    withdraw_article(article=article)

    publish_article(article=article)

    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.first_published_at == first
    assert article.go_live_at == first
    assert article.last_published_at > first
    assert article.last_published_at <= timezone.now()


def test_republish_updates_last_published_at():
    """Each publication moves last_published_at forward."""
    article = ArticleFactory(draft=True)
    publish_article(article=article, at=timezone.now() - HOUR)
    earlier = article.last_published_at

    publish_article(article=article)

    assert article.last_published_at > earlier


def test_withdraw():
    """A withdrawn story leaves every public list."""
    article = ArticleFactory()
    assert Article.objects.published().filter(pk=article.pk).exists()

    withdraw_article(article=article)

    article.refresh_from_db()
    assert article.status == Article.Status.WITHDRAWN
    assert not article.is_live
    assert not Article.objects.published().filter(pk=article.pk).exists()


@pytest.mark.parametrize("service", [publish_article, withdraw_article])
def test_user_without_permission_is_refused(service):
    """Someone without articles.publish_article may neither publish nor withdraw."""
    article = ArticleFactory(draft=True)
    writer = UserFactory(is_staff=True)

    with pytest.raises(PermissionDenied):
        service(article=article, by=writer)

    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_user_with_permission_may_publish():
    """Someone granted articles.publish_article may publish."""
    article = ArticleFactory(draft=True)
    desk = UserFactory()
    desk.user_permissions.add(Permission.objects.get(codename="publish_article"))

    publish_article(article=article, by=desk)

    assert article.status == Article.Status.PUBLISHED


def test_editor_may_withdraw(editor):
    """A desk editor may withdraw a story."""
    article = ArticleFactory()

    withdraw_article(article=article, by=editor)

    assert article.status == Article.Status.WITHDRAWN
