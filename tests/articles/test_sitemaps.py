"""The sitemap index, its paged sitemaps, the news sitemap and robots.txt."""

from __future__ import annotations

import datetime
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from articles.sitemaps import ArticleSitemap
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EntityFactory,
    SectionFactory,
    ThreadFactory,
)

pytestmark = pytest.mark.django_db

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def path_of(url: str) -> str:
    return url.removeprefix("http://testserver")


def xml(client, path: str) -> ElementTree.Element:
    response = client.get(path)
    assert response.status_code == 200, path
    return ElementTree.fromstring(response.content)


def sitemaps(client) -> list[str]:
    """The sitemaps the index lists."""
    return [path_of(loc.text) for loc in xml(client, "/sitemap.xml").iter(f"{NS}loc")]


def locations(client) -> set[str]:
    """Every page the sitemaps list, following the index."""
    return {
        path_of(loc.text)
        for sitemap in sitemaps(client)
        for loc in xml(client, sitemap).iter(f"{NS}loc")
    }


def test_the_index_lists_a_sitemap_per_kind_of_page(client):
    ArticleFactory()

    assert set(sitemaps(client)) == {
        "/sitemap-articles.xml",
        "/sitemap-sections.xml",
        "/sitemap-entities.xml",
        "/sitemap-tags.xml",
        "/sitemap-threads.xml",
        "/sitemap-authors.xml",
    }


def test_sitemaps_list_stories_sections_entities_tags_and_threads(client):
    """Each live story, every visible section, and the entity, tag and thread
    pages readers can see; nothing only a draft carries."""
    entity = EntityFactory()
    thread = ThreadFactory(title="Budget talks", slug="budget-talks")
    story = ArticleFactory(entities=[entity], tags=["Elections"], thread=thread)
    SectionFactory(name="Science", slug="science", show_when_empty=True)
    ArticleFactory(
        section=SectionFactory(name="Drafts", slug="drafts"),
        draft=True,
        entities=[EntityFactory()],
        tags=["draft only"],
        thread=ThreadFactory(slug="draft-thread"),
    )

    assert locations(client) == {
        story.get_absolute_url(),
        "/section/world/",
        "/section/science/",
        entity.get_absolute_url(),
        "/tag/elections/",
        "/thread/budget-talks/",
    }


def test_stories_are_paged_past_the_limit(client, monkeypatch):
    """Past a sitemap's limit (5,000 stories) the index lists more pages, and
    every story is on one of them."""
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    stories = ArticleFactory.create_batch(5)

    pages = [path for path in sitemaps(client) if "articles" in path]

    assert pages == [
        "/sitemap-articles.xml",
        "/sitemap-articles.xml?p=2",
        "/sitemap-articles.xml?p=3",
    ]
    listed = [
        path_of(loc.text)
        for page in pages
        for loc in xml(client, page).iter(f"{NS}loc")
    ]
    assert sorted(listed) == sorted(story.get_absolute_url() for story in stories)
    assert client.get("/sitemap-articles.xml?p=4").status_code == 404
    assert client.get("/sitemap-articles.xml?p=x").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_sitemap_gives_stories_a_lastmod(client):
    """Each story says when readers last saw it change: its publication, for a
    story never revised."""
    story = ArticleFactory()
    root = xml(client, "/sitemap-articles.xml")
    (url,) = root.iter(f"{NS}url")
    assert url.findtext(f"{NS}lastmod") == story.go_live_at.date().isoformat()


def test_list_pages_lastmod_is_their_newest_story(client):
    day = datetime.timedelta(days=1)
    older = timezone.now() - 3 * day
    newer = timezone.now() - day
    ArticleFactory(go_live_at=older, tags=["budget"])
    ArticleFactory(go_live_at=newer, tags=["budget"])

    for path in ("/sitemap-sections.xml", "/sitemap-tags.xml"):
        (url,) = xml(client, path).iter(f"{NS}url")
        assert url.findtext(f"{NS}lastmod") == newer.date().isoformat(), path


def test_the_index_gives_each_sitemap_a_lastmod(client):
    story = ArticleFactory()

    root = xml(client, "/sitemap.xml")

    lastmods = {entry.findtext(f"{NS}lastmod") for entry in root.iter(f"{NS}sitemap")}
    assert lastmods == {story.updated_at.isoformat(timespec="seconds")} or all(lastmods)


@pytest.mark.parametrize("count", [1, 30])
@pytest.mark.parametrize(
    "path",
    [
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/sitemap-sections.xml",
        "/sitemap-entities.xml",
        "/sitemap-tags.xml",
        "/sitemap-threads.xml",
        "/sitemap-authors.xml",
        "/sitemap-news.xml",
    ],
)
def test_sitemap_query_count_is_constant(
    client, django_assert_max_num_queries, count, path
):
    """Each sitemap costs the same queries for 1 story or many (the index: a
    count and a last change per sitemap)."""
    for n in range(count):
        ArticleFactory(
            entities=EntityFactory.create_batch(2),
            tags=[f"tag {n}"],
            thread=ThreadFactory(),
            authors=[AuthorFactory()],
        )
    # + 1: the first page after the cache is cleared looks up the next go-live
    # or expiry time (newsroom.pagecache.next_event).
    with django_assert_max_num_queries((12 if path == "/sitemap.xml" else 6) + 1):
        assert client.get(path).status_code == 200


def test_the_news_sitemap_lists_the_last_two_days(client, settings):
    settings.SITE_NAME = "The Daily <Courier>"
    fresh = ArticleFactory(headline="Fresh & new", language="fr")
    ArticleFactory(
        headline="Three days old",
        go_live_at=timezone.now() - datetime.timedelta(days=3),
    )
    ArticleFactory(scheduled=True, headline="Not yet")
    ArticleFactory(draft=True, headline="A draft")

    response = client.get("/sitemap-news.xml")

    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    (url,) = root.iter(f"{NS}url")
    assert path_of(url.findtext(f"{NS}loc")) == fresh.get_absolute_url()
    news = url.find(f"{NEWS}news")
    assert news.findtext(f"{NEWS}title") == "Fresh & new"
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "The Daily <Courier>"
    assert news.findtext(f"{NEWS}publication/{NEWS}language") == "fr"
    published = datetime.datetime.fromisoformat(
        news.findtext(f"{NEWS}publication_date")
    )
    assert published == fresh.go_live_at


def test_the_news_sitemap_is_get_only(client):
    assert client.post("/sitemap-news.xml").status_code == 405
