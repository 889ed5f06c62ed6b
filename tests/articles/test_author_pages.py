"""Authors on the readers' site: their pages and feeds, linked bylines, the
story's JSON-LD and Open Graph author, the sitemap and the search filter."""

from __future__ import annotations

import datetime
import json
import re
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from articles.models import ArticleAuthor
from articles.views import PAGE_SIZE
from tests.factories import ArticleFactory, AuthorFactory, AuthorLinkFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture
def nadia():
    author = AuthorFactory(
        name="Nadia Hollis",
        slug="nadia-hollis",
        role="City editor",
        bio="Covers the city <b>hall</b>.",
    )
    AuthorLinkFactory(author=author, label="Website", url="https://example.org/nadia")
    return author


def ago(hours: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


def test_author_page_shows_who_and_only_published_stories_newest_first(
    client, nadia, unpublished
):
    """The author's page gives name, role, escaped bio and links, and lists
    their published stories newest first, none of their hidden ones."""
    older = ArticleFactory(headline="Older story", go_live_at=ago(5), authors=[nadia])
    newer = ArticleFactory(headline="Newer story", go_live_at=ago(1), authors=[nadia])
    ArticleFactory(headline="Someone else's story")
    for story in unpublished.values():
        ArticleAuthor.objects.create(article=story, author=nadia)

    response = client.get("/author/nadia-hollis/")

    assert response.status_code == 200
    text = response.text
    assert '<h1 class="page-title">Nadia Hollis</h1>' in text
    assert "City editor" in text
    assert "Covers the city &lt;b&gt;hall&lt;/b&gt;." in text
    assert 'href="https://example.org/nadia"' in text
    assert text.index(newer.headline) < text.index(older.headline)
    assert "Someone else" not in text
    for story in unpublished.values():
        assert story.headline not in text
    assert "/author/nadia-hollis/feed/" in text
    assert "/author/nadia-hollis/feed/atom/" in text


def test_author_page_is_paginated(client, nadia):
    for n in range(PAGE_SIZE + 1):
        ArticleFactory(go_live_at=ago(n + 1), authors=[nadia])

    first = client.get("/author/nadia-hollis/")
    second = client.get("/author/nadia-hollis/?page=2")

    assert len(first.context["object_list"]) == PAGE_SIZE
    assert len(second.context["object_list"]) == 1
    assert client.get("/author/nadia-hollis/?page=3").status_code == 404


@pytest.mark.parametrize("count", [1, 25])
def test_author_page_query_count_is_constant(
    client, nadia, django_assert_max_num_queries, count
):
    for n in range(count):
        ArticleFactory(go_live_at=ago(n + 1), authors=[nadia, AuthorFactory()])
    # nav, author (+ links), count, stories, their entities and authors, and the
    # schedule lookup after the cache was cleared.
    with django_assert_max_num_queries(8):
        assert client.get("/author/nadia-hollis/").status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/author/{}/", "/author/{}/feed/", "/author/{}/feed/atom/"],
)
def test_an_author_without_published_stories_has_no_page_nor_feed(
    client, unpublished, path
):
    """An author credited only on hidden stories (or on none) answers 404."""
    hidden, unknown = AuthorFactory(), AuthorFactory()
    for story in unpublished.values():
        ArticleAuthor.objects.create(article=story, author=hidden)

    for author in (hidden, unknown):
        assert client.get(path.format(author.slug)).status_code == 404
    assert client.get(path.format("nobody")).status_code == 404


def test_author_feeds_list_their_stories_with_their_names(client, nadia):
    """The RSS and Atom feeds list only the author's live stories, each item
    naming its authors."""
    owen = AuthorFactory(name="Owen Pryce")
    ArticleFactory(headline="Joint story", authors=[nadia, owen])
    ArticleFactory(headline="Owen alone", authors=[owen])
    ArticleFactory(headline="Draft by Nadia", draft=True, authors=[nadia])

    rss = client.get("/author/nadia-hollis/feed/")
    assert rss.status_code == 200
    channel = ElementTree.fromstring(rss.content).find("channel")
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Joint story"]
    assert channel.findtext("title").endswith("Nadia Hollis")

    atom = client.get("/author/nadia-hollis/feed/atom/")
    entry = ElementTree.fromstring(atom.content).find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Nadia Hollis and Owen Pryce"
    assert entry.findtext(f"{ATOM}author/{ATOM}uri") == (
        "http://testserver/author/nadia-hollis/"
    )


def test_feed_items_fall_back_to_the_byline(client):
    ArticleFactory(byline="Staff and agencies")
    entry = ElementTree.fromstring(client.get("/feed/atom/").content).find(
        f"{ATOM}entry"
    )
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Staff and agencies"


def test_bylines_link_to_author_pages_and_fall_back_to_the_text(client, nadia):
    """A story's byline links each author to their page, on the story and in
    lists; a story with no author shows its free-text byline."""
    owen = AuthorFactory(name="Owen Pryce", slug="owen-pryce")
    story = ArticleFactory(byline="N. Hollis (ignored)", authors=[nadia, owen])
    ArticleFactory(byline="Staff and agencies")
    links = (
        '<a href="/author/nadia-hollis/" rel="author">Nadia Hollis</a> and '
        '<a href="/author/owen-pryce/" rel="author">Owen Pryce</a>'
    )

    page = client.get(story.get_absolute_url()).text
    assert links in page
    assert "N. Hollis (ignored)" not in page
    home = client.get("/").text
    assert links in home
    assert '<span class="byline">Staff and agencies</span>' in home


def test_the_story_names_its_authors_as_people_with_their_pages(client, nadia):
    """JSON-LD's author is a Person with the author page's URL; Open Graph's
    article:author is that URL."""
    story = ArticleFactory(byline="Someone", authors=[nadia])

    text = client.get(story.get_absolute_url()).text
    article_ld = json.loads(BLOCK.findall(text)[0])

    assert article_ld["author"] == [
        {
            "@type": "Person",
            "name": "Nadia Hollis",
            "url": "http://testserver/author/nadia-hollis/",
        }
    ]
    assert (
        '<meta property="article:author" '
        'content="http://testserver/author/nadia-hollis/">' in text
    )


def test_the_sitemap_lists_authors_with_published_stories(client, nadia, unpublished):
    hidden = AuthorFactory(slug="hidden-author")
    ArticleFactory(authors=[nadia], go_live_at=ago(2))
    for story in unpublished.values():
        ArticleAuthor.objects.create(article=story, author=hidden)

    response = client.get("/sitemap-authors.xml")

    assert response.status_code == 200
    text = response.text
    assert "http://testserver/author/nadia-hollis/" in text
    assert "hidden-author" not in text
    assert "<lastmod>" in text
    assert "sitemap-authors.xml" in client.get("/sitemap.xml").text


def test_search_filters_by_author(client, nadia):
    """?author= keeps the stories of that author; an author with no published
    story is a 400."""
    ArticleFactory(headline="Bridge story by Nadia", authors=[nadia])
    ArticleFactory(headline="Bridge story by someone else")

    response = client.get("/search/", {"q": "bridge", "author": "nadia-hollis"})

    assert response.status_code == 200
    assert "Bridge story by Nadia" in response.text
    assert "someone else" not in response.text
    assert "Only stories by" in response.text
    AuthorFactory(slug="hidden")
    assert client.get("/search/", {"q": "bridge", "author": "hidden"}).status_code == (
        400
    )
