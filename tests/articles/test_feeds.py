from __future__ import annotations

import datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.utils import timezone

from articles.feeds import FEED_SIZE
from articles.models import Article, Section, Thread
from tests.factories import (
    ArticleFactory,
    EntityFactory,
    ImageFactory,
    SectionFactory,
    ThreadFactory,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
XSS = "<script>alert(1)</script>"


def rss_items(response) -> list[ElementTree.Element]:
    assert response.status_code == 200
    return ElementTree.fromstring(response.content).findall("channel/item")


def stories(count: int, **kwargs):
    now = timezone.now()
    return [
        ArticleFactory(go_live_at=now - datetime.timedelta(minutes=n + 1), **kwargs)
        for n in range(count)
    ]


def test_rss_feed_lists_latest_stories_newest_first(client):
    """The RSS feed lists live stories, newest first, with absolute links."""
    newer, older = stories(2)
    items = rss_items(client.get("/feed/"))
    assert [item.findtext("title") for item in items] == [
        newer.headline,
        older.headline,
    ]
    assert items[0].findtext("link") == f"http://testserver{newer.get_absolute_url()}"
    assert items[0].findtext("description") == newer.dek
    assert items[0].findtext("category") == "World"


def test_rss_feed_is_capped(client):
    """The feed carries at most FEED_SIZE stories."""
    stories(FEED_SIZE + 2)
    assert len(rss_items(client.get("/feed/"))) == FEED_SIZE


def test_section_feed_lists_only_that_section(client):
    """A section's feed lists that section's stories and no others."""
    (world,) = stories(1)
    ArticleFactory(section=SectionFactory(name="Sport", slug="sport"))
    response = client.get("/section/world/feed/")
    assert [item.findtext("title") for item in rss_items(response)] == [world.headline]
    channel = ElementTree.fromstring(response.content).find("channel")
    assert channel.findtext("link") == "http://testserver/section/world/"


def test_section_feed_of_unknown_section_is_404(client):
    """There is no feed for a section that does not exist."""
    assert client.get("/section/nowhere/feed/").status_code == 404


def test_atom_feed_lists_latest_stories(client):
    """The Atom feed lists the same stories as the RSS feed."""
    (story,) = stories(1)
    response = client.get("/feed/atom/")
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = ElementTree.fromstring(response.content).findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [story.headline]


@pytest.mark.parametrize("path", ["/feed/", "/feed/atom/", "/section/world/feed/"])
def test_feeds_escape_markup(client, path):
    """Markup in a headline or standfirst reaches feed readers as text."""
    ArticleFactory(
        headline=f"Headline {XSS}",
        dek=f"Dek {XSS}",
        entities=[EntityFactory(name=f"Entity {XSS}")],
    )
    response = client.get(path)
    assert b"<script" not in response.content
    # The description is HTML to a feed reader, so the text is escaped once more.
    assert b"Dek &amp;lt;script&amp;gt;" in response.content


@pytest.mark.parametrize("count", [1, FEED_SIZE + 5])
@pytest.mark.parametrize(
    ("path", "queries"), [("/feed/", 4), ("/section/world/feed/", 5)]
)
def test_feed_query_count_is_constant(
    client, django_assert_max_num_queries, count, path, queries
):
    """A feed costs the same queries for 1 story or a full feed: the stories,
    their entities, tags and authors (the section feed: and the section)."""
    stories(count)
    # + 1: the first page after the cache is cleared looks up the next go-live
    # or expiry time (newsroom.pagecache.next_event).
    with django_assert_max_num_queries(queries + 1):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/feed/", "/feed/atom/", "/section/world/feed/", "/thread/storm/feed/"],
)
def test_feeds_survive_control_characters_already_stored(client, url):
    """A story, section or thread stored with control characters (before text
    was cleaned at the door) leaves them out of every feed instead of breaking
    it."""
    (story,) = stories(1, thread=ThreadFactory(title="Storm", slug="storm"))
    Article.objects.filter(pk=story.pk).update(
        headline="Storm\x1b hits\x7f the coast",
        dek="Wind\x0b and rain\x9f",
        byline="By\x85 Ann",
    )
    Section.objects.update(name="World\x1b")
    Thread.objects.update(title="Storm\x1b", description="Day\x07 by day")

    response = client.get(url)

    assert response.status_code == 200
    feed = ElementTree.fromstring(response.content)
    titles = [
        each.text for each in feed.iter() if each.tag in {"title", ATOM + "title"}
    ]
    assert "Storm hits the coast" in titles
    text = response.content.decode()
    assert "Wind and rain" in text
    assert "\x1b" not in text


def test_items_carry_section_entities_and_tags_as_categories(client):
    geneva = EntityFactory(name="Geneva", slug="geneva")
    ArticleFactory(entities=[geneva], tags=["Diplomacy"])

    root = ElementTree.fromstring(client.get("/feed/").content)

    (item,) = root.iter("item")
    assert [c.text for c in item.findall("category")] == [
        "World",
        "Geneva",
        "Diplomacy",
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/tag/diplomacy/feed/",
        "/tag/diplomacy/feed/atom/",
        "/entities/geneva/feed/",
        "/entities/geneva/feed/atom/",
        "/section/world/feed/atom/",
        "/thread/talks/feed/atom/",
    ],
)
def test_tag_entity_section_and_thread_feeds(
    client, path, django_assert_max_num_queries
):
    """Each tag, entity, section and thread has RSS and Atom feeds of its live
    stories only."""
    geneva = EntityFactory(name="Geneva", slug="geneva")
    thread = ThreadFactory(title="Talks", slug="talks")
    ArticleFactory(
        headline="In the feed", entities=[geneva], tags=["diplomacy"], thread=thread
    )
    ArticleFactory(headline="Elsewhere", section=SectionFactory(slug="sport"))
    ArticleFactory(
        draft=True,
        headline="Draft",
        entities=[geneva],
        tags=["diplomacy"],
        thread=thread,
    )

    with django_assert_max_num_queries(6):
        response = client.get(path)

    assert response.status_code == 200
    content = response.content.decode()
    assert "In the feed" in content
    assert "Elsewhere" not in content
    assert "Draft" not in content
    if path.endswith("/atom/"):
        assert response["Content-Type"].startswith("application/atom+xml")
        assert "<subtitle>" in content


@pytest.mark.parametrize(
    "path", ["/tag/draft-only/feed/", "/entities/draft-only/feed/", "/tag/%00/feed/"]
)
def test_a_feed_of_nothing_public_is_404(client, path):
    ArticleFactory(
        draft=True, tags=["draft only"], entities=[EntityFactory(slug="draft-only")]
    )

    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("page", "feeds"),
    [
        ("/tag/diplomacy/", ["/tag/diplomacy/feed/", "/tag/diplomacy/feed/atom/"]),
        (
            "/entities/geneva/",
            ["/entities/geneva/feed/", "/entities/geneva/feed/atom/"],
        ),
        ("/section/world/", ["/section/world/feed/", "/section/world/feed/atom/"]),
    ],
)
def test_pages_announce_their_feeds(client, page, feeds):
    ArticleFactory(
        entities=[EntityFactory(name="Geneva", slug="geneva")], tags=["diplomacy"]
    )

    content = client.get(page).content.decode()

    for feed in feeds:
        assert 'rel="alternate" type="application/' in content
        assert f'href="{feed}"' in content


def test_items_enclose_the_lead_picture(client):
    """An RSS item carries its lead picture as an enclosure: a JPEG 16:9
    rendition's absolute URL, its length in bytes and its MIME type; a story
    without a picture has none."""
    picture = ImageFactory()
    pictured, plain = stories(2)
    pictured.lead_image = picture
    pictured.save()
    items = rss_items(client.get("/feed/"))
    enclosure = items[0].find("enclosure")
    rendition = picture.rendition("16:9", "jpeg", 1280)
    assert enclosure.get("url") == f"http://testserver{rendition.url}"
    assert enclosure.get("type") == "image/jpeg"
    assert int(enclosure.get("length")) == rendition.file_size > 0
    stored = Path(settings.MEDIA_ROOT) / rendition.file.name
    assert stored.stat().st_size == rendition.file_size
    assert items[1].find("enclosure") is None


def test_atom_entries_link_the_lead_picture(client):
    """An Atom entry links its lead picture with rel="enclosure"."""
    ArticleFactory(lead_image=ImageFactory())
    response = client.get("/feed/atom/")
    entry = ElementTree.fromstring(response.content).find(f"{ATOM}entry")
    [link] = [
        link for link in entry.findall(f"{ATOM}link") if link.get("rel") == "enclosure"
    ]
    assert link.get("type") == "image/jpeg"
    assert link.get("href").startswith("http://testserver/media/images/renditions/")
    assert int(link.get("length")) > 0


def test_picture_without_renditions_has_no_enclosure(client):
    """A lead picture whose renditions are not made yet encloses nothing."""
    ArticleFactory(lead_image=ImageFactory(renditions=False))
    [item] = rss_items(client.get("/feed/"))
    assert item.find("enclosure") is None


@pytest.mark.parametrize("path", ["/feed/", "/feed/atom/", "/section/world/feed/"])
def test_enclosures_cost_one_query(client, django_assert_max_num_queries, path):
    """Enclosures for a full feed of pictured stories cost one query (the
    renditions), however many stories have pictures."""
    for story in stories(6):
        story.lead_image = ImageFactory()
        story.save()
    queries = 5 if "section" in path else 4
    with django_assert_max_num_queries(queries + 2):
        response = client.get(path)
    assert response.content.count(b"enclosure") >= 6
