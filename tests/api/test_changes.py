from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from articles.models import Article
from articles.services import publish_article, withdraw_article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

CHANGES_URL = "/api/v1/changes/"


def hours_ago(hours: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


def changes(client, **params) -> dict[int, dict]:
    response = client.get(CHANGES_URL, params)
    assert response.status_code == 200
    return {item["id"]: item for item in response.json()["results"]}


def test_published_story_appears_as_published(partner_client):
    """A live story appears with its API address and the time it last changed."""
    article = ArticleFactory()

    item = changes(partner_client)[article.pk]

    assert item == {
        "id": article.pk,
        "uri": f"urn:newsroom:article:{article.pk}",
        "status": "published",
        "time": item["time"],
        "url": f"http://testserver/api/v1/articles/{article.pk}/",
    }
    article.refresh_from_db()
    assert item["time"] == article.updated_at.isoformat().replace("+00:00", "Z")


def test_withdrawn_story_appears_without_content(partner_client):
    """A story withdrawn after publication appears as withdrawn, with no content."""
    article = ArticleFactory(headline="Libel risk")
    withdraw_article(article=article)

    response = partner_client.get(CHANGES_URL)

    [item] = response.json()["results"]
    assert item["status"] == "withdrawn"
    assert item["url"] is None
    assert set(item) == {"id", "uri", "status", "time", "url"}
    assert "Libel" not in response.content.decode()


def test_drafts_never_appear(partner_client):
    """A draft is no change a partner can see."""
    ArticleFactory(draft=True)

    assert changes(partner_client) == {}


def test_story_withdrawn_before_going_live_never_appears(partner_client):
    """A scheduled story withdrawn before its go-live time was never public."""
    article = ArticleFactory(scheduled=True)
    withdraw_article(article=article)
    ArticleFactory(draft=True, status=Article.Status.WITHDRAWN)

    assert changes(partner_client) == {}


def test_scheduled_story_appears_once_live(partner_client):
    """A scheduled story appears when it goes live, at its go-live time."""
    article = ArticleFactory(scheduled=True)
    assert changes(partner_client) == {}

    Article.objects.filter(pk=article.pk).update(
        go_live_at=hours_ago(0.5), updated_at=hours_ago(2)
    )

    item = changes(partner_client, since=hours_ago(1).isoformat())[article.pk]
    assert item["status"] == "published"


def test_unpublished_back_to_draft_is_withdrawn(partner_client):
    """A live story put back to draft must come down: it appears as withdrawn."""
    article = ArticleFactory()
    article.status = Article.Status.DRAFT
    article.save()

    assert changes(partner_client)[article.pk]["status"] == "withdrawn"


def test_since(partner_client):
    """since= lists only what changed at or after that time."""
    old = ArticleFactory(go_live_at=hours_ago(10))
    Article.objects.filter(pk=old.pk).update(updated_at=hours_ago(10))
    recent = ArticleFactory(go_live_at=hours_ago(10))
    Article.objects.filter(pk=recent.pk).update(updated_at=hours_ago(1))

    assert list(changes(partner_client, since=hours_ago(2).isoformat())) == [recent.pk]


def test_oldest_change_first_and_paged(partner_client):
    """Changes come oldest first, in pages that follow one another."""
    stories = []
    for n in range(5):
        article = ArticleFactory(go_live_at=hours_ago(20))
        Article.objects.filter(pk=article.pk).update(updated_at=hours_ago(10 - n))
        stories.append(article.pk)

    first = partner_client.get(CHANGES_URL, {"page_size": 3}).json()
    second = partner_client.get(first["next"]).json()

    seen = [item["id"] for item in first["results"] + second["results"]]
    assert seen == stories


def test_mirroring(partner_client):
    """Replaying the feed from the last time seen keeps a partner's copy exact."""
    kept = ArticleFactory(go_live_at=hours_ago(5))
    dropped = ArticleFactory(go_live_at=hours_ago(5))
    mirror = {item["id"]: item["status"] for item in changes(partner_client).values()}
    last_seen = max(item["time"] for item in changes(partner_client).values())

    withdraw_article(article=dropped)
    added = ArticleFactory()
    publish_article(article=kept)
    for item in changes(partner_client, since=last_seen).values():
        mirror[item["id"]] = item["status"]

    live = {pk for pk, status in mirror.items() if status == "published"}
    assert live == {kept.pk, added.pk}
    assert set(Article.objects.published().values_list("pk", flat=True)) == live


@pytest.mark.parametrize("since", ["yesterday", "", "2024-13-01T00:00:00Z"])
def test_bad_since_is_400(partner_client, since):
    """A malformed time is a 400 naming the parameter."""
    response = partner_client.get(CHANGES_URL, {"since": since})

    assert response.status_code == 400
    assert "since" in response.json()


@pytest.mark.parametrize("stories", [1, 60])
def test_query_count(partner_client, django_assert_max_num_queries, stories):
    """A page of changes costs the same few queries however long it is."""
    for n in range(stories):
        article = ArticleFactory()
        if n % 3 == 0:
            withdraw_article(article=article)

    # key, usage, Last-Modified (stories, deletions), changes, tombstones
    with django_assert_max_num_queries(6):
        response = partner_client.get(CHANGES_URL, {"page_size": 100})

    assert len(response.json()["results"]) == stories


def test_story_withdrawn_before_its_time_and_edited_never_appears(partner_client):
    """Scheduled, withdrawn before its go-live time and edited afterwards, a
    story was never public: not in the feed, and its page is 404, not 410."""
    article = ArticleFactory(scheduled=True)
    url = article.get_absolute_url()
    withdraw_article(article=article)
    article.refresh_from_db()
    article.headline = "Edited after it was pulled"
    article.save()

    assert changes(partner_client) == {}
    assert partner_client.get(url).status_code == 404


def test_scheduled_story_going_live_with_no_write_is_a_withdrawal_later(
    partner_client,
):
    """A scheduled story whose time passed with no write was live: withdrawn
    afterwards, it appears as withdrawn and its page is 410."""
    article = ArticleFactory(scheduled=True)
    went_live = hours_ago(1)
    Article.objects.filter(pk=article.pk).update(
        go_live_at=went_live, first_published_at=went_live, updated_at=hours_ago(3)
    )
    article.refresh_from_db()
    url = article.get_absolute_url()
    withdraw_article(article=article)

    assert changes(partner_client)[article.pk]["status"] == "withdrawn"
    assert partner_client.get(url).status_code == 410


def test_live_story_rescheduled_is_withdrawn_until_its_new_time(partner_client):
    """A live story moved to a later go-live time is off the site until then:
    partners see it withdrawn, and it keeps its first publication time."""
    article = ArticleFactory()
    first = article.first_published_at
    publish_article(article=article, at=timezone.now() + datetime.timedelta(hours=2))

    assert changes(partner_client)[article.pk]["status"] == "withdrawn"
    article.refresh_from_db()
    assert article.first_published_at == first
