from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import ArticleFactory, RelatedLinkFactory, ThreadFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/threads/"
ARTICLES_URL = "/api/v1/articles/"


def hours_ago(hours: int):
    return timezone.now() - timedelta(hours=hours)


def test_list_shape(partner_client):
    """A thread carries its links, its published story count and its stories'
    address."""
    thread = ThreadFactory(
        title="Ferry strike", slug="ferry-strike", description="Day by day."
    )
    ArticleFactory.create_batch(2, thread=thread)

    response = partner_client.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"] == [
        {
            "url": "http://testserver/api/v1/threads/ferry-strike/",
            "web_url": "http://testserver/thread/ferry-strike/",
            "title": "Ferry strike",
            "slug": "ferry-strike",
            "description": "Day by day.",
            "story_count": 2,
            "articles_url": "http://testserver/api/v1/articles/?thread=ferry-strike",
        }
    ]


def test_list_puts_the_latest_story_first(partner_client):
    """The thread whose latest published story is newest comes first."""
    older = ThreadFactory(title="Older")
    newer = ThreadFactory(title="Newer")
    ArticleFactory(thread=older, go_live_at=hours_ago(1))
    ArticleFactory(thread=newer, go_live_at=hours_ago(2))
    ArticleFactory(thread=newer, go_live_at=hours_ago(3))
    ArticleFactory(thread=older, scheduled=True)

    results = partner_client.get(LIST_URL).json()["results"]

    assert [item["slug"] for item in results] == [older.slug, newer.slug]


def test_detail_lists_published_stories_oldest_first(partner_client, unpublished):
    """A thread's detail adds its published stories, oldest first, and no other."""
    thread = ThreadFactory(title="Ferry strike", slug="ferry-strike")
    second = ArticleFactory(thread=thread, go_live_at=hours_ago(1))
    first = ArticleFactory(thread=thread, go_live_at=hours_ago(5))
    ArticleFactory()
    for story in unpublished.values():
        story.thread = thread
        story.save()

    response = partner_client.get(f"{LIST_URL}ferry-strike/")

    assert response.status_code == 200
    body = response.json()
    assert body["story_count"] == 2
    assert [story["id"] for story in body["stories"]] == [first.pk, second.pk]
    assert body["stories"][0] == {
        "id": first.pk,
        "url": f"http://testserver/api/v1/articles/{first.pk}/",
        "web_url": f"http://testserver{first.get_absolute_url()}",
        "headline": first.headline,
        "published_at": body["stories"][0]["published_at"],
    }
    assert "must not leak" not in response.content.decode()


def test_detail_has_the_fields_of_the_list(partner_client):
    """A thread's detail is its list entry plus its stories."""
    thread = ThreadFactory()
    ArticleFactory(thread=thread)

    listed = partner_client.get(LIST_URL).json()["results"][0]
    detail = partner_client.get(f"{LIST_URL}{thread.slug}/").json()

    assert detail.pop("stories")
    assert detail == listed


@pytest.mark.parametrize("state", ["draft", "withdrawn", "scheduled"])
def test_thread_of_hidden_stories_only_is_unknown(partner_client, state):
    """A thread holding only a hidden story is neither listed, found nor a filter."""
    hidden = ThreadFactory(title="Embargoed merger")
    ArticleFactory(thread=hidden, **{state: True})
    shown = ThreadFactory(title="Ferry strike")
    ArticleFactory(thread=shown)

    listed = partner_client.get(LIST_URL).json()["results"]

    assert [item["slug"] for item in listed] == [shown.slug]
    assert partner_client.get(f"{LIST_URL}{hidden.slug}/").status_code == 404
    filtered = partner_client.get(ARTICLES_URL, {"thread": hidden.slug})
    assert filtered.status_code == 400
    assert "thread" in filtered.json()


def test_empty_thread_is_unknown(partner_client):
    """A thread with no story at all is not found."""
    thread = ThreadFactory()

    assert partner_client.get(f"{LIST_URL}{thread.slug}/").status_code == 404
    assert partner_client.get(LIST_URL).json()["count"] == 0


def test_needs_a_key(client):
    """Without a key the threads are refused with 401."""
    thread = ThreadFactory()
    ArticleFactory(thread=thread)

    assert client.get(LIST_URL).status_code == 401
    assert client.get(f"{LIST_URL}{thread.slug}/").status_code == 401


class TestArticleFilter:
    def test_lists_the_threads_published_stories(self, partner_client, unpublished):
        """thread= narrows the story list to the thread's published stories."""
        thread = ThreadFactory()
        story = ArticleFactory(thread=thread)
        ArticleFactory()
        for hidden in unpublished.values():
            hidden.thread = thread
            hidden.save()

        response = partner_client.get(ARTICLES_URL, {"thread": thread.slug})

        assert response.status_code == 200
        assert [item["id"] for item in response.json()["results"]] == [story.pk]

    def test_articles_url_is_the_filter(self, partner_client):
        """Following a thread's articles_url gives its published stories."""
        thread = ThreadFactory()
        story = ArticleFactory(thread=thread)
        ArticleFactory()

        articles_url = partner_client.get(f"{LIST_URL}{thread.slug}/").json()[
            "articles_url"
        ]
        results = partner_client.get(articles_url).json()["results"]

        assert [item["id"] for item in results] == [story.pk]

    def test_unknown_thread_is_400(self, partner_client):
        """A slug no thread has is a 400 naming the parameter."""
        response = partner_client.get(ARTICLES_URL, {"thread": "nowhere"})

        assert response.status_code == 400
        assert list(response.json()) == ["thread"]

    def test_story_names_its_thread(self, partner_client):
        """A story carries its thread's slug, title and address; others carry
        null."""
        thread = ThreadFactory(title="Ferry strike", slug="ferry-strike")
        story = ArticleFactory(thread=thread, go_live_at=hours_ago(1))
        lone = ArticleFactory(go_live_at=hours_ago(2))

        results = partner_client.get(ARTICLES_URL).json()["results"]
        detail = partner_client.get(f"{ARTICLES_URL}{story.pk}/").json()

        assert [item["id"] for item in results] == [story.pk, lone.pk]
        expected = {
            "slug": "ferry-strike",
            "title": "Ferry strike",
            "url": "http://testserver/api/v1/threads/ferry-strike/",
        }
        assert results[0]["thread"] == expected
        assert results[1]["thread"] is None
        assert detail["thread"] == expected


class TestQueryCounts:
    @pytest.mark.parametrize("threads", [1, 20])
    def test_list(self, partner_client, django_assert_max_num_queries, threads):
        """Listing threads costs a handful of queries however many there are."""
        for thread in ThreadFactory.create_batch(threads):
            ArticleFactory.create_batch(2, thread=thread)

        # key, usage, count, threads with story counts, Last-Modified (2)
        with django_assert_max_num_queries(6):
            response = partner_client.get(LIST_URL)

        assert response.status_code == 200
        assert len(response.json()["results"]) == threads

    @pytest.mark.parametrize("stories", [1, 20])
    def test_detail(self, partner_client, django_assert_max_num_queries, stories):
        """A thread's timeline costs the same queries however long it is."""
        thread = ThreadFactory()
        ArticleFactory.create_batch(stories, thread=thread)

        # key, usage, thread, its stories, Last-Modified (2)
        with django_assert_max_num_queries(6):
            response = partner_client.get(f"{LIST_URL}{thread.slug}/")

        assert len(response.json()["stories"]) == stories

    @pytest.mark.parametrize("stories", [1, 20])
    def test_filtered_story_list(
        self, partner_client, django_assert_max_num_queries, stories
    ):
        """Stories of a thread, with the thread on each, cost a fixed few queries."""
        thread = ThreadFactory()
        ArticleFactory.create_batch(stories, thread=thread, tags=["Transport"])

        # key, usage, Last-Modified, thread look-up, stories, entity links, tags,
        # authors
        with django_assert_max_num_queries(9):
            response = partner_client.get(
                ARTICLES_URL, {"thread": thread.slug, "page_size": 100}
            )

        results = response.json()["results"]
        assert len(results) == stories
        assert all(item["thread"]["slug"] == thread.slug for item in results)


def test_browsable_api(editor_client):
    """The thread list and a thread render as HTML for staff."""
    thread = ThreadFactory()
    ArticleFactory(thread=thread)

    for url in (LIST_URL, f"{LIST_URL}{thread.slug}/"):
        assert editor_client.get(url, HTTP_ACCEPT="text/html").status_code == 200


def test_etag_and_last_modified(partner_client):
    """A thread answers with an ETag that gives 304, and a Last-Modified."""
    thread = ThreadFactory()
    ArticleFactory(thread=thread)
    first = partner_client.get(f"{LIST_URL}{thread.slug}/")

    again = partner_client.get(
        f"{LIST_URL}{thread.slug}/", HTTP_IF_NONE_MATCH=first["ETag"]
    )

    assert "Last-Modified" in first
    assert again.status_code == 304


def test_related_stories_name_their_thread(
    partner_client, django_assert_max_num_queries
):
    """Related stories carry their thread, looked up once for all of them."""
    thread = ThreadFactory(title="Ferry strike", slug="ferry-strike")
    article = ArticleFactory()
    for _ in range(3):
        pick = ArticleFactory(thread=thread)
        RelatedLinkFactory(article=article, target=pick)

    # key, usage, story + links + tags + authors, related, their links, tags,
    # authors, threads, Last-Modified's renames
    with django_assert_max_num_queries(12):
        response = partner_client.get(f"{ARTICLES_URL}{article.pk}/related/")

    assert [story["thread"]["slug"] for story in response.json()] == [
        "ferry-strike"
    ] * 3
