from __future__ import annotations

import datetime
import re

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import dateformat, timezone

from articles import services
from articles.models import Article, ArticleEntity, Correction
from articles.views import PAGE_SIZE
from entities.models import Entity
from newsroom.views import CappedPaginator
from related.rebuild import rebuild_related
from tests.factories import (
    ArticleEntityFactory,
    ArticleFactory,
    CorrectionFactory,
    EntityFactory,
    RelatedLinkFactory,
    SectionFactory,
    ThreadFactory,
)
from tests.related.helpers import ARCHIVE_SIZE, archive_of

pytestmark = pytest.mark.django_db


def assert_no_script(html: str) -> None:
    """No script reaches the page: its only script elements are JSON-LD data
    blocks (never run), and their text cannot end them."""
    for opening, text in re.findall(r"(<script[^>]*>)(.*?)</script>", html, re.S):
        assert opening == '<script type="application/ld+json">', opening
        assert "<" not in text
    assert "<script" not in re.sub(
        r'<script type="application/ld\+json">.*?</script>', "", html, flags=re.S
    )


XSS = "<script>alert(1)</script>"
ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;"


def make_stories(count: int, **kwargs) -> list[Article]:
    """`count` live stories, each with four entities and three tags."""
    shared = EntityFactory(name="Shared entity", kind=Entity.Kind.PLACE)
    now = timezone.now()
    stories = []
    for n in range(count):
        stories.append(
            ArticleFactory(
                go_live_at=now - datetime.timedelta(minutes=n + 1),
                entities=[shared, *EntityFactory.create_batch(3)],
                tags=["shared tag", f"tag {n}", f"other tag {n}"],
                **kwargs,
            )
        )
    return stories


def headlines(response) -> list[str]:
    return [article.headline for article in response.context["object_list"]]


def canonical(response) -> str:
    match = re.search(r'<link rel="canonical" href="([^"]*)">', response.text)
    assert match, "the page has no canonical link"
    return match.group(1)


# The home page


def test_home_lists_published_stories_newest_first(client):
    """The front page lists live stories with the newest first."""
    older, newer = make_stories(2)[::-1]
    response = client.get("/")
    assert response.status_code == 200
    assert headlines(response) == [newer.headline, older.headline]
    assert response.text.index(newer.headline) < response.text.index(older.headline)


def test_home_links_each_story_with_its_section_and_entities(client):
    """Each story on the front page links to its page, its section and entities."""
    (story,) = make_stories(1)
    response = client.get("/")
    assert f'href="{story.get_absolute_url()}"' in response.text
    assert f'href="{story.section.get_absolute_url()}"' in response.text
    for entity in story.entities.all():
        assert f'href="{entity.get_absolute_url()}"' in response.text


def test_home_is_paginated_with_page_links(client):
    """Past a page's worth of stories the front page links to numbered pages."""
    make_stories(PAGE_SIZE + 1)
    first = client.get("/")
    assert len(first.context["object_list"]) == PAGE_SIZE
    assert 'href="?page=2"' in first.text
    second = client.get("/", {"page": 2})
    assert len(second.context["object_list"]) == 1
    assert 'aria-current="page">2<' in second.text
    assert 'rel="prev" href="/"' in second.text


def test_home_page_out_of_range_is_404(client):
    """A page number past the last page is not found."""
    make_stories(1)
    assert client.get("/", {"page": 5}).status_code == 404


def test_canonical_url_has_page_only_past_the_first(client):
    """The canonical address is absolute and names the page only when it is > 1."""
    make_stories(PAGE_SIZE + 1)
    assert canonical(client.get("/")) == "http://testserver/"
    assert canonical(client.get("/", {"page": 1})) == "http://testserver/"
    assert canonical(client.get("/", {"page": 2})) == "http://testserver/?page=2"


@pytest.mark.parametrize(
    "path",
    ["/", "/section/world/", "/tag/shared-tag/", "/entities/", "ARTICLE", "ENTITY"],
)
def test_every_page_has_title_canonical_description_and_feed(client, path):
    """Every public page has a title, canonical link, description and feed link."""
    (story,) = make_stories(1)
    path = {
        "ARTICLE": story.get_absolute_url(),
        "ENTITY": story.entities.first().get_absolute_url(),
    }.get(path, path)
    response = client.get(path)
    assert response.status_code == 200
    assert re.search(r"<title>[^<]+</title>", response.text)
    assert canonical(response) == f"http://testserver{path}"
    assert re.search(r'<meta name="description" content="[^"]+">', response.text)
    assert 'type="application/rss+xml"' in response.text
    assert 'href="/feed/"' in response.text
    for tag in ("<header", "<nav", "<main", "<footer"):
        assert tag in response.text


def test_navigation_lists_sections_in_order(client):
    """The site navigation lists the visible sections, in their configured order."""
    SectionFactory(name="Sport", slug="sport", position=2, show_when_empty=True)
    SectionFactory(name="Politics", slug="politics", position=1, show_when_empty=True)
    response = client.get("/")
    nav = response.text.split('<nav class="site-nav"')[1].split("</nav>")[0]
    assert nav.index('href="/section/politics/"') < nav.index('href="/section/sport/"')


def test_pages_load_no_external_assets(client):
    """Pages use only the site's own stylesheet, never a CDN."""
    (story,) = make_stories(1)
    for path in ("/", story.get_absolute_url()):
        html = client.get(path).text
        assert not re.search(r'(src|href)="(https?:)?//[^"]*\.(css|js)', html)
        assert 'href="/static/css/site.css"' in html


# The story page


def test_article_page_shows_the_story(client):
    """A story page shows headline, standfirst, byline, dateline, date and body."""
    story = ArticleFactory(
        headline="Ministers agree budget",
        dek="The deal ends weeks of talks.",
        byline="Jane Smith",
        dateline="BRUSSELS",
        body="<p>The <strong>first</strong> paragraph.</p>",
    )
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    html = response.text
    assert "<h1" in html
    assert "Ministers agree budget" in html
    assert "The deal ends weeks of talks." in html
    assert "Jane Smith" in html
    assert "BRUSSELS" in html
    assert "<p>The <strong>first</strong> paragraph.</p>" in html
    iso = dateformat.format(timezone.localtime(story.go_live_at), r"Y-m-d\TH:i:sO")
    assert f'<time datetime="{iso}">' in html
    assert "<article" in html
    assert "<aside" in html


def test_article_page_links_entities_grouped_by_kind(client):
    """The story links to each of its entities under a heading for its kind."""
    story = ArticleFactory()
    place = EntityFactory(name="Kyiv", kind=Entity.Kind.PLACE)
    person = EntityFactory(name="Ada Lovelace", kind=Entity.Kind.PERSON)
    org = EntityFactory(name="Red Cross", kind=Entity.Kind.ORGANIZATION)
    for entity in (place, person, org):
        ArticleEntityFactory(content_object=story, tag=entity)
    html = client.get(story.get_absolute_url()).text
    assert html.index("People") < html.index("Organisations") < html.index("Places")
    body = html[html.index("<body") :]
    assert body.index("Ada Lovelace") < body.index("Red Cross") < body.index("Kyiv")
    for entity in (place, person, org):
        assert f'href="{entity.get_absolute_url()}"' in html


def test_article_page_links_tags_and_section(client):
    """The story links to its topic tags and its section."""
    story = ArticleFactory(tags=["Climate change"])
    html = client.get(story.get_absolute_url()).text
    assert 'href="/tag/climate-change/"' in html
    assert f'href="{story.section.get_absolute_url()}"' in html


def test_article_page_lists_related_stories_picks_first(client):
    """Related stories: the editor's pick, then a story sharing an entity."""
    archive_of(ARCHIVE_SIZE)
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    sharing = ArticleFactory(headline="Shares an entity", entities=[entity])
    pick = RelatedLinkFactory(
        article=story, target=ArticleFactory(headline="Editor's pick")
    ).target
    rebuild_related()
    response = client.get(story.get_absolute_url())
    assert response.context["related"] == [pick, sharing]
    assert response.text.index("Editor&#x27;s pick") < response.text.index(
        "Shares an entity"
    )


def test_article_page_credits_the_original_publication(client):
    """An imported story says where it was first published, with a link."""
    story = ArticleFactory(
        source_name="The Gazette", source_url="https://gazette.example/story"
    )
    html = client.get(story.get_absolute_url()).text
    assert "Originally published by" in html
    assert 'href="https://gazette.example/story"' in html
    assert "The Gazette" in html


def test_article_page_never_links_a_non_http_source(client):
    """A source address that is not http(s) is shown as text, not linked."""
    story = ArticleFactory(source_name="The Gazette")
    Article.objects.filter(pk=story.pk).update(source_url="javascript:alert(1)")
    html = client.get(story.get_absolute_url()).text
    assert "The Gazette" in html
    assert "javascript:" not in html


def test_story_without_source_has_no_credit_line(client):
    """A story written in the newsroom has no "originally published" line."""
    story = ArticleFactory()
    assert "Originally published" not in client.get(story.get_absolute_url()).text


def test_article_page_at_wrong_date_redirects_to_canonical_address(client):
    """A story requested under the wrong date redirects permanently to its page."""
    story = ArticleFactory()
    response = client.get(f"/2001/01/01/{story.slug}/")
    assert response.status_code == 301
    assert response["Location"] == story.get_absolute_url()


def test_unknown_page_is_a_styled_404(client):
    """An unknown address gets the site's own 404 page."""
    response = client.get("/2001/01/01/no-such-story/")
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.text
    assert 'href="/static/css/site.css"' in response.text


def test_robots_txt_points_at_the_sitemap(client):
    """robots.txt keeps crawlers out of the admin and names the sitemap."""
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Disallow: /admin/" in response.text
    assert "Sitemap: http://testserver/sitemap.xml" in response.text
    assert "Sitemap: http://testserver/sitemap-news.xml" in response.text


# Section and tag pages


def test_section_page_lists_its_published_stories(client):
    """A section page lists its own stories, newest first, and no others."""
    world = make_stories(2)
    ArticleFactory(section=SectionFactory(name="Sport", slug="sport"))
    response = client.get("/section/world/")
    assert headlines(response) == [story.headline for story in world]
    assert 'href="/section/world/feed/"' in response.text


def test_empty_section_page_still_exists(client):
    """A section an editor shows before its first story has a page saying so."""
    SectionFactory(name="Science", slug="science", show_when_empty=True)
    response = client.get("/section/science/")
    assert response.status_code == 200
    assert "no Science stories yet" in response.text


def test_unknown_section_is_404(client):
    """A section that does not exist is not found."""
    assert client.get("/section/nowhere/").status_code == 404


def test_tag_page_lists_its_published_stories(client):
    """A tag page lists the stories carrying the tag, newest first."""
    stories = make_stories(3)
    ArticleFactory(tags=["unrelated"])
    response = client.get("/tag/shared-tag/")
    assert headlines(response) == [story.headline for story in stories]
    assert client.get("/tag/no-such-tag/").status_code == 404


# Query counts

# The first page after the cache is cleared also looks up the next go-live or
# expiry time (newsroom.pagecache.next_event), once until then.
SCHEDULE = 1
LIST_QUERIES = 5 + SCHEDULE  # nav sections, count, stories, their entities, authors
HOME_QUERIES = LIST_QUERIES + 1  # + the editor's picks (articles.models.FrontPage)
SECTION_QUERIES = LIST_QUERIES + 1  # + the section
TAG_QUERIES = LIST_QUERIES + 1  # + the tag
# nav sections, story (with section and thread), entity links with entities, tags,
# editor picks, stored related stories, thread neighbours (earlier and latest)
ARTICLE_QUERIES = 9  # with its authors


@pytest.mark.parametrize("count", [1, 30])
def test_home_query_count_is_constant(client, django_assert_max_num_queries, count):
    """The front page costs the same few queries for 1 story or a full page."""
    make_stories(count)
    with django_assert_max_num_queries(HOME_QUERIES):
        response = client.get("/")
    assert len(response.context["object_list"]) == min(count, PAGE_SIZE)


@pytest.mark.parametrize("count", [1, 30])
def test_section_query_count_is_constant(client, django_assert_max_num_queries, count):
    """A section page costs the same few queries for 1 story or a full page."""
    make_stories(count)
    with django_assert_max_num_queries(SECTION_QUERIES):
        assert client.get("/section/world/").status_code == 200


@pytest.mark.parametrize("count", [1, 30])
def test_tag_query_count_is_constant(client, django_assert_max_num_queries, count):
    """A tag page costs the same few queries for 1 story or a full page."""
    make_stories(count)
    with django_assert_max_num_queries(TAG_QUERIES):
        assert client.get("/tag/shared-tag/").status_code == 200


@pytest.mark.parametrize("count", [1, 30])
def test_article_query_count_is_constant(
    client, settings, django_assert_max_num_queries, count
):
    """A story page costs the same few queries however many entities and related."""
    # Rendering is measured: the second request would be a page-cache hit.
    settings.PAGE_CACHE_SECONDS = 0
    story, *others = make_stories(count)
    for entity in EntityFactory.create_batch(count, kind=Entity.Kind.ORGANIZATION):
        ArticleEntityFactory(
            content_object=story, tag=entity, relevance=ArticleEntity.Relevance.MENTIONS
        )
    story.tags.add(*[f"extra {n}" for n in range(count)])
    for other in others[:3]:
        RelatedLinkFactory(article=story, target=other)
    rebuild_related()
    # The first request builds the entity matcher, once per process.
    client.get(story.get_absolute_url())
    with django_assert_max_num_queries(ARTICLE_QUERIES):
        response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["related"]) == min(count - 1, 5)


# Safe output


def test_article_page_escapes_headline_dek_and_entity_names(client):
    """Markup in a headline, standfirst or entity name is shown as text."""
    story = ArticleFactory(
        headline=f"Headline {XSS}",
        dek=f"Dek {XSS}",
        byline=f"Byline {XSS}",
        entities=[EntityFactory(name=f"Entity {XSS}")],
        tags=[f"Tag {XSS}"],
    )
    html = client.get(story.get_absolute_url()).text
    assert_no_script(html)
    assert f"Headline {ESCAPED_XSS}" in html
    assert f"Dek {ESCAPED_XSS}" in html
    assert f"Entity {ESCAPED_XSS}" in html


def test_article_body_is_sanitised(client):
    """A script smuggled into a story body never reaches the page."""
    story = ArticleFactory(body=f"<p>Text</p>{XSS}<p onclick='x()'>More</p>")
    html = client.get(story.get_absolute_url()).text
    assert_no_script(html)
    assert "onclick" not in html
    assert "<p>Text</p>" in html


@pytest.mark.parametrize("path", ["/", "/section/world/", "/tag/shared/", "ENTITY"])
def test_list_pages_escape_headline_dek_and_entity_names(client, path):
    """Markup in a headline, standfirst or entity name is text on list pages."""
    entity = EntityFactory(name=f"Entity {XSS}", slug="entity-xss")
    ArticleFactory(
        headline=f"Headline {XSS}",
        dek=f"Dek {XSS}",
        entities=[entity],
        tags=["shared"],
    )
    response = client.get(entity.get_absolute_url() if path == "ENTITY" else path)
    assert response.status_code == 200
    assert_no_script(response.text)
    assert f"Headline {ESCAPED_XSS}" in response.text
    assert f"Dek {ESCAPED_XSS}" in response.text
    assert f"Entity {ESCAPED_XSS}" in response.text


def test_section_name_is_escaped_everywhere(client):
    """Markup in a section's name is text in the navigation and on its page."""
    SectionFactory(name=f"Section {XSS}", slug="xss", show_when_empty=True)
    for path in ("/", "/section/xss/"):
        html = client.get(path).text
        assert_no_script(html)
        assert f"Section {ESCAPED_XSS}" in html


def test_entity_list_page_escapes_entity_names(client):
    """Markup in an entity's name is text on the entity list."""
    ArticleFactory(entities=[EntityFactory(name=f"Entity {XSS}")])
    html = client.get(reverse("entities:list")).text
    assert_no_script(html)
    assert f"Entity {ESCAPED_XSS}" in html


def test_front_page_counts_no_further_than_its_last_page(client, monkeypatch):
    """Past the paginator's cap the front page stops counting: it serves the
    first pages and 404s beyond the cap rather than counting the whole archive."""
    monkeypatch.setattr(CappedPaginator, "max_pages", 2)
    make_stories(PAGE_SIZE * 3)
    response = client.get("/")
    assert response.context["paginator"].count == PAGE_SIZE * 2
    assert response.context["paginator"].capped
    assert client.get("/?page=2").status_code == 200
    assert client.get("/?page=3").status_code == 404


# Times with the time zone

# 08:30 UTC in winter, and past: 09:30 CET in Berlin.
WHEN = datetime.datetime(2025, 12, 1, 8, 30, tzinfo=datetime.UTC)


def test_story_times_name_the_site_time_zone(client):
    """A story page's times show hours with the zone's abbreviation, in
    TIME_ZONE, and keep the machine-readable time in the datetime attribute."""
    thread = ThreadFactory()
    story = ArticleFactory(thread=thread, go_live_at=WHEN)
    ArticleFactory(thread=thread, go_live_at=WHEN + datetime.timedelta(hours=1))
    CorrectionFactory(article=story)
    Correction.objects.update(published_at=WHEN + datetime.timedelta(days=1))

    with override_settings(TIME_ZONE="Europe/Berlin"):
        page = client.get(story.get_absolute_url()).text
        corrections = client.get("/corrections/").text

    assert (
        '<time datetime="2025-12-01T09:30:00+0100">1 December 2025, 09:30 CET</time>'
        in page
    )
    # The thread box's neighbour, and the correction, on the page and listed.
    assert ">1 Dec 2025, 10:30 CET</time>" in page
    assert ">2 December 2025, 09:30 CET</time>" in page
    assert (
        '<time datetime="2025-12-02T09:30:00+0100">2 December 2025, 09:30 CET</time>'
        in corrections
    )


def test_story_times_in_utc_say_utc(client):
    story = ArticleFactory(go_live_at=WHEN)
    page = client.get(story.get_absolute_url()).text
    assert ">1 December 2025, 08:30 UTC</time>" in page


# Withdrawn and expired stories: 410


def test_withdrawn_story_answers_410_without_naming_it(client):
    """A story withdrawn after it was live answers 410 at its old address with
    a notice and a link home, and nothing of the story."""
    story = ArticleFactory(headline="Libellous claim", dek="Defamatory summary")
    url = story.get_absolute_url()
    services.withdraw_article(article=story)

    response = client.get(url)

    assert response.status_code == 410
    text = response.text
    assert "This story has been withdrawn" in text
    assert 'href="/"' in text
    for secret in (story.headline, story.dek, story.slug, story.byline, "paragraph"):
        assert secret not in text
    assert "no-store" in response["Cache-Control"]
    assert 'rel="canonical"' not in text


def test_expired_story_answers_410(client):
    story = ArticleFactory(expired=True)
    response = client.get(story.get_absolute_url())
    assert response.status_code == 410
    assert "This story is no longer available" in response.text
    assert story.headline not in response.text


def test_drafts_and_never_live_stories_stay_404(client):
    """A draft, a scheduled story, and a story withdrawn before it went live
    are not found: their addresses must not say they exist."""
    draft = ArticleFactory(draft=True)
    scheduled = ArticleFactory(scheduled=True)
    pulled = ArticleFactory(scheduled=True)
    url = pulled.get_absolute_url()
    services.withdraw_article(article=pulled)
    unpublished = ArticleFactory(headline="Was live, now a draft")
    unpublished_url = unpublished.get_absolute_url()
    unpublished.status = Article.Status.DRAFT
    unpublished.save()

    for address in (draft.get_absolute_url(), scheduled.get_absolute_url(), url):
        assert client.get(address).status_code == 404
    assert client.get(unpublished_url).status_code == 404
    assert client.get("/2025/12/04/no-such-story/").status_code == 404


def test_gone_page_is_never_cached_past_a_republication(client):
    """Cached while live, the story's page turns 410 when withdrawn, and is
    back (not a stored 410) once published again."""
    story = ArticleFactory(headline="Back again")
    url = story.get_absolute_url()
    client.get(url)
    assert client.get(url).headers["X-Page-Cache"] == "hit"

    services.withdraw_article(article=story)
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 410
        assert "X-Page-Cache" not in response.headers

    services.publish_article(article=story)
    response = client.get(url)
    assert response.status_code == 200
    assert "Back again" in response.text
