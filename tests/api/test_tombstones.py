from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, DeletedArticle, PublicChange
from articles.services import delete_articles, withdraw_article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

CHANGES_URL = "/api/v1/changes/"


def feed(client, **params) -> list[dict]:
    response = client.get(CHANGES_URL, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_deleting_a_live_story_leaves_a_tombstone_in_the_feed(partner_client):
    """A deleted live story appears as deleted, with its URI and no content."""
    article = ArticleFactory(headline="Libel risk")
    pk = article.pk
    delete_articles(articles=[article])

    [item] = feed(partner_client)
    tombstone = DeletedArticle.objects.get()
    assert item == {
        "id": pk,
        "uri": f"urn:newsroom:article:{pk}",
        "status": "deleted",
        "time": tombstone.deleted_at.isoformat().replace("+00:00", "Z"),
        "url": None,
    }
    assert tombstone.uri == f"urn:newsroom:article:{pk}"


def test_withdrawn_then_deleted_story_leaves_a_tombstone(partner_client):
    """A story withdrawn after it went live and then deleted is still a
    deletion a mirror must hear of."""
    article = ArticleFactory()
    withdraw_article(article=article)
    pk = article.pk
    article.delete()

    assert [(item["id"], item["status"]) for item in feed(partner_client)] == [
        (pk, "deleted")
    ]


def test_stories_never_public_leave_nothing(partner_client):
    """Drafts, scheduled stories and stories withdrawn before their go-live
    time leave no tombstone."""
    draft = ArticleFactory(draft=True)
    scheduled = ArticleFactory(scheduled=True)
    withdrawn_early = ArticleFactory(scheduled=True)
    withdraw_article(article=withdrawn_early)
    delete_articles(articles=[draft, scheduled, withdrawn_early])

    assert not DeletedArticle.objects.exists()
    assert feed(partner_client) == []


def test_bulk_delete_in_the_admin_leaves_tombstones(editor_client):
    """The admin's "delete selected" leaves one tombstone per public story."""
    live = ArticleFactory.create_batch(2)
    draft = ArticleFactory(draft=True)
    ids = [story.pk for story in (*live, draft)]
    response = editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert not Article.objects.filter(pk__in=ids).exists()
    assert set(DeletedArticle.objects.values_list("pk", flat=True)) == {
        live[0].pk,
        live[1].pk,
    }


@pytest.mark.parametrize("page_size", [1, 2, 3, 100])
def test_tombstones_take_their_place_in_time_order(partner_client, page_size):
    """Deletions and other changes come oldest first, paged by one cursor
    (ties broken by id across both), and `since` filters both."""
    now = timezone.now()
    stories = ArticleFactory.create_batch(4)
    for hours, story in zip([5, 3, 1, 4], stories, strict=True):
        Article.objects.filter(pk=story.pk).update(
            go_live_at=now - datetime.timedelta(hours=hours + 1),
            updated_at=now - datetime.timedelta(hours=hours),
        )
    deleted = [ArticleFactory(), ArticleFactory()]
    ids = [story.pk for story in deleted]
    delete_articles(articles=deleted)
    DeletedArticle.objects.filter(pk=ids[0]).update(
        deleted_at=now - datetime.timedelta(hours=2)
    )
    DeletedArticle.objects.filter(pk=ids[1]).update(
        deleted_at=now - datetime.timedelta(hours=4)
    )
    # The tombstone ties with stories[3]: the id breaks the tie.
    expected = [stories[0].pk, stories[3].pk, ids[1], stories[1].pk, ids[0]]
    expected.append(stories[2].pk)

    seen, url = [], f"{CHANGES_URL}?page_size={page_size}"
    while url:
        response = partner_client.get(url)
        assert response.status_code == 200
        seen += [item["id"] for item in response.json()["results"]]
        url = response.json()["next"]
    assert seen == expected

    since = (now - datetime.timedelta(hours=3.5)).isoformat()
    assert [item["id"] for item in feed(partner_client, since=since)] == expected[3:]


def test_deletion_moves_last_modified(partner_client):
    """The feed's Last-Modified moves when a story is deleted."""
    article = ArticleFactory()
    Article.objects.filter(pk=article.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=2),
        go_live_at=timezone.now() - datetime.timedelta(days=3),
    )
    # Its publication was recorded earlier too: Last-Modified has whole
    # seconds, and the deletion may come in the same one.
    PublicChange.objects.update(changed_at=timezone.now() - datetime.timedelta(days=2))
    before = partner_client.get(CHANGES_URL)["Last-Modified"]
    delete_articles(articles=[article])
    after = partner_client.get(CHANGES_URL)["Last-Modified"]
    assert before != after


def test_change_feed_query_count(partner_client, django_assert_max_num_queries):
    """Stories and tombstones cost one query each, whatever the page holds."""
    ArticleFactory.create_batch(5)
    delete_articles(articles=ArticleFactory.create_batch(5))
    with django_assert_max_num_queries(8):
        assert len(feed(partner_client)) == 10
