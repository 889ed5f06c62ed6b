"""The page cache (newsroom.pagecache, articles.caching): anonymous readers get
public pages from the cache, a change clears exactly the pages that show it,
and editors, previews and odd requests never see a cached page."""

from __future__ import annotations

import datetime
import socket

import pytest
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.middleware.http import ConditionalGetMiddleware
from django.test import RequestFactory
from django.utils import timezone

from articles import revisions, services
from articles.models import Article, ArticleAuthor
from newsroom import pagecache
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    AuthorLinkFactory,
    CorrectionFactory,
    EntityFactory,
    SectionFactory,
    ThreadFactory,
)

pytestmark = pytest.mark.django_db


def status(client, url: str, **headers) -> str | None:
    """ "hit", "miss" (rendered and stored) or None (neither), asserting 200."""
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response.headers.get("X-Page-Cache")


@pytest.fixture
def world():
    """Two sections; in World a story with an entity, a tag and a thread, in
    Sport a story of its own."""
    world = SectionFactory(name="World", slug="world")
    sport = SectionFactory(name="Sport", slug="sport")
    putin = EntityFactory(name="Vladimir Putin")
    thread = ThreadFactory(title="Geneva talks")
    story = ArticleFactory(
        section=world, entities=[putin], tags=["diplomacy"], thread=thread
    )
    match = ArticleFactory(section=sport, headline="A late goal wins the cup")
    return {
        "story": story,
        "match": match,
        "putin": putin,
        "thread": thread,
        "pages": {
            "story": story.get_absolute_url(),
            "match": match.get_absolute_url(),
            "home": "/",
            "home2": "/?page=1",
            "world": world.get_absolute_url(),
            "sport": sport.get_absolute_url(),
            "entity": putin.get_absolute_url(),
            "tag": "/tag/diplomacy/",
            "thread": thread.get_absolute_url(),
            "feed": "/feed/",
            "sport_feed": "/section/sport/feed/",
            "sitemap": "/sitemap.xml",
            "corrections": "/corrections/",
        },
    }


def warm(client, pages: dict[str, str]) -> None:
    for url in pages.values():
        status(client, url)
    hits = {name: status(client, url) for name, url in pages.items()}
    assert hits == dict.fromkeys(pages, "hit")


def cleared(client, pages: dict[str, str]) -> set[str]:
    """The pages that are no longer served from the cache (each is then
    rendered and cached again)."""
    return {name for name, url in pages.items() if status(client, url) != "hit"}


def test_second_request_is_served_from_the_cache(
    client, world, django_assert_num_queries
):
    """An anonymous reader's second request costs no query."""
    for url in world["pages"].values():
        assert status(client, url) == "miss"
        with django_assert_num_queries(0):
            assert status(client, url) == "hit"


def test_cached_page_headers(client, world):
    """Cached pages carry a short public lifetime, validators and surrogate
    keys, and no cookie."""
    first = client.get(world["pages"]["story"])
    second = client.get(world["pages"]["story"])

    for response in (first, second):
        assert "public" in response["Cache-Control"]
        assert "max-age=60" in response["Cache-Control"]
        assert response["ETag"]
        assert response["Last-Modified"]
        assert not response.cookies
        assert "Set-Cookie" not in response.headers
        assert "cookie" not in response.get("Vary", "").lower()
        assert "csrfmiddlewaretoken" not in response.content.decode()
    keys = second["Surrogate-Key"].split()
    assert f"story:{world['story'].pk}" in keys
    assert second["Cache-Tag"] == ",".join(keys)
    assert second["ETag"] == first["ETag"]


def test_if_none_match_answers_304(client, world):
    """A reader whose copy is current gets 304, from the cache or not."""
    url = world["pages"]["home"]
    etag = client.get(url)["ETag"]

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_publishing_clears_exactly_the_pages_that_show_the_story(client, world):
    """A new story in World about Putin clears the front page, World, Putin's
    page, the feeds and the sitemap; Sport and the other stories stay cached."""
    pages = world["pages"]
    warm(client, pages)
    story = ArticleFactory(
        draft=True, section=world["story"].section, entities=[world["putin"]]
    )
    assert cleared(client, pages) == set()  # a draft clears nothing

    services.publish_article(article=story)

    assert cleared(client, pages) == {
        "home",
        "home2",
        "world",
        "entity",
        "feed",
        "sport_feed",
        "sitemap",
    }


def test_publishing_changes_clears_the_story_and_its_lists(client, world, editor):
    """A live story's unpublished changes clear and show nothing until they
    are published; then its page and every list showing it are cleared."""
    pages, story = world["pages"], world["story"]
    warm(client, pages)

    revision = revisions.stage_changes(
        story,
        content=revisions.content_with(story, headline="Talks collapse"),
        by=editor,
    )
    assert cleared(client, pages) == set()
    assert "Talks collapse" not in client.get(pages["story"]).content.decode()

    revisions.publish_revision(revision=revision, by=editor)

    assert cleared(client, pages) == {
        "story",
        "home",
        "home2",
        "world",
        "entity",
        "tag",
        "thread",
        "feed",
        "sport_feed",
        "sitemap",
    }
    assert "Talks collapse" in client.get(pages["story"]).content.decode()


def test_withdrawing_clears_the_story_and_its_lists(client, world):
    """Sport's only story: withdrawn, it takes Sport out of the navigation, so
    every page is cleared."""
    pages = world["pages"]
    warm(client, pages)

    services.withdraw_article(article=world["match"])

    assert client.get(pages.pop("match")).status_code == 410
    for gone in ("sport", "sport_feed"):
        assert client.get(pages.pop(gone)).status_code == 404
    assert cleared(client, pages) == set(pages)
    assert "Sport" not in client.get("/").content.decode()


def test_withdrawing_one_of_several_keeps_other_sections(client, world):
    """With a second World story, withdrawing one leaves the navigation, and
    Sport, cached."""
    ArticleFactory(section=world["story"].section)
    pages = world["pages"]
    warm(client, pages)

    services.withdraw_article(article=world["story"])

    assert "sport" not in cleared(client, {"sport": pages["sport"]})
    assert "match" not in cleared(client, {"match": pages["match"]})
    assert client.get(pages["story"]).status_code == 410
    assert client.get(pages["entity"]).status_code == 404


def test_deleting_clears_the_story_and_its_lists(client, world):
    ArticleFactory(section=world["match"].section)
    pages = world["pages"]
    warm(client, pages)

    services.delete_articles(articles=[world["match"]])

    assert client.get(pages["match"]).status_code == 404
    del pages["match"]
    assert cleared(client, pages) == {
        "home",
        "home2",
        "sport",
        "feed",
        "sport_feed",
        "sitemap",
    }


def test_a_correction_clears_the_story_and_the_corrections_page(client, world):
    pages = world["pages"]
    warm(client, pages)

    CorrectionFactory(article=world["match"])

    assert {"match", "corrections", "sport", "home"} <= cleared(client, pages)
    assert "story" not in cleared(client, {"story": pages["story"]})


def test_renaming_an_entity_clears_the_pages_showing_its_name(client, world):
    pages = world["pages"]
    warm(client, pages)
    putin = world["putin"]

    putin.save()  # nothing readers see changed
    assert cleared(client, pages) == set()

    putin.name = "V. V. Putin"
    putin.save()

    assert cleared(client, pages) == {
        "story",
        "home",
        "home2",
        "world",
        "entity",
        "tag",
        "thread",
        "feed",
        "sport_feed",
        "sitemap",
    }


def test_renaming_an_author_clears_the_pages_showing_their_name(client, world):
    """An author's rename clears their page, the story pages whose byline
    names them, the lists showing bylines, the feeds and the sitemap; not a
    story, a list or a feed without them."""
    nadia = AuthorFactory(name="Nadia Hollis")
    ArticleAuthor.objects.create(article=world["story"], author=nadia)
    pages = {**world["pages"], "author": nadia.get_absolute_url()}
    warm(client, pages)

    nadia.bio = nadia.bio  # nothing readers see changed
    nadia.save()
    AuthorLinkFactory(author=nadia)  # shown on their page only
    assert cleared(client, pages) == {"author"}

    nadia.name = "Nadia Hollis-Brook"
    nadia.save()

    assert cleared(client, pages) == {
        "story",
        "home",
        "home2",
        "world",
        "entity",
        "tag",
        "thread",
        "author",
        "feed",
        "sport_feed",
        "sitemap",
    }


def test_crediting_an_author_clears_the_story_and_their_page(client, world):
    """Crediting an author clears the story's pages and the author's, not the
    pages of their other stories."""
    nadia = AuthorFactory(name="Nadia Hollis")
    ArticleAuthor.objects.create(article=world["match"], author=nadia)
    pages = {**world["pages"], "author": nadia.get_absolute_url()}
    warm(client, pages)

    ArticleAuthor.objects.create(article=world["story"], author=nadia)

    gone = cleared(client, pages)
    assert {"story", "author", "world", "home"} <= gone
    assert not {"match", "sport"} & gone


def test_renaming_a_section_clears_every_page(client, world):
    """Every page names the sections in its navigation."""
    pages = world["pages"]
    warm(client, pages)
    section = world["match"].section

    section.name = "Sports"
    section.save()

    assert cleared(client, pages) == set(pages)


def test_scheduled_story_caps_the_lifetime_of_entries(client, world, rf):
    """A page cached before a story's go-live time is not served past it: no
    clearing job is needed for the story to appear."""
    go_live = timezone.now() + datetime.timedelta(minutes=5)
    scheduled = ArticleFactory(go_live_at=go_live)
    assert pagecache.next_event() == pytest.approx(go_live.timestamp())

    assert status(client, "/") == "miss"
    entry = cache.get(pagecache.page_key(rf.get("/")))

    assert entry.valid_until == pytest.approx(go_live.timestamp())
    assert entry.fresh(now=go_live.timestamp() - 1)
    assert not entry.fresh(now=go_live.timestamp())

    # Time passes (the row moves, as no signal would): at the next lookup of
    # the schedule the story is on the page.
    Article.objects.filter(pk=scheduled.pk).update(
        go_live_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    cache.delete(pagecache.page_key(rf.get("/")))
    assert scheduled.headline in client.get("/").content.decode()


def test_expiry_caps_the_lifetime_of_entries(world):
    """A story's expiry time is a schedule change too."""
    expire = timezone.now() + datetime.timedelta(minutes=5)
    story = world["story"]
    story.expire_at = expire
    story.save()

    assert pagecache.next_event() == pytest.approx(expire.timestamp())


def test_the_schedule_is_looked_up_once(world, django_assert_num_queries):
    pagecache.next_event()
    with django_assert_num_queries(0):
        pagecache.next_event()


def test_editors_never_get_a_cached_page(client, world, editor):
    """A request with a session cookie is rendered, and not stored."""
    url = world["pages"]["story"]
    assert status(client, url) == "miss"
    client.force_login(editor)

    assert status(client, url) is None
    assert status(client, url) is None


@pytest.mark.parametrize(
    "url", ["/?utm_source=x", "/?page=2&q=x", "/?page=x", "/?page=1&page=2"]
)
def test_other_query_strings_are_not_cached(client, world, url):
    assert client.get(url).headers.get("X-Page-Cache") is None
    assert client.get(url).headers.get("X-Page-Cache") is None


def test_posts_and_previews_are_not_cached(client, world, editor):
    story = ArticleFactory(draft=True)
    client.force_login(editor)
    preview = client.get(story.get_preview_url())
    assert preview.status_code == 200
    assert preview.headers.get("X-Page-Cache") is None
    client.logout()

    assert client.post("/").headers.get("X-Page-Cache") is None
    assert status(client, "/") == "miss"


def test_pages_answer_with_the_cache_at_a_closed_port(client, settings, world):
    """Redis is an accelerator: at a port where nothing listens, every page
    still answers 200, uncached."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    services.publish_article(article=ArticleFactory(draft=True))

    for url in world["pages"].values():
        assert client.get(url).status_code == 200
        assert client.get(url).status_code == 200


def test_a_page_rendered_during_a_change_is_not_stored(world):
    """If a change lands while a page renders, the page may hold data from
    before it: it is not stored with the generations that followed."""

    def render_while_publishing(request):
        pagecache.add_tags(request, "home")
        pagecache.bump({"home"})
        return HttpResponse("the front page")

    request = RequestFactory().get("/")
    pagecache.PageCacheMiddleware(render_while_publishing)(request)

    assert cache.get(pagecache.page_key(request)) is None


def test_healthz_answers_ok_without_the_database(
    client, settings, django_assert_num_queries
):
    """For load balancers: through every middleware, over plain HTTP, with no
    query."""
    settings.SECURE_SSL_REDIRECT = True
    with django_assert_num_queries(0):
        response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]


def test_streaming_responses_pass_untouched(rf):
    """ConditionalGetMiddleware gives a streaming response no ETag and leaves
    its body alone; the page cache never stores one."""

    def stream(request):
        pagecache.add_tags(request, "home")
        return StreamingHttpResponse(iter([b"one ", b"two"]))

    request = rf.get("/")
    response = ConditionalGetMiddleware(pagecache.PageCacheMiddleware(stream))(request)

    assert b"".join(response.streaming_content) == b"one two"
    assert not response.has_header("ETag")
    assert cache.get(pagecache.page_key(request)) is None


def test_a_rolled_back_change_does_not_stop_later_bumps_on_commit(
    django_capture_on_commit_callbacks,
):
    """A bump inside a savepoint that rolls back loses only its own repeat on
    commit: a later bump in the same transaction is still repeated."""
    key = pagecache._generation_key("home")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                pagecache.bump({"section:world"})
                raise RuntimeError("the save failed")
        except RuntimeError:
            pass
        pagecache.bump({"home"})
        bumped_now = cache.get(key)
    assert cache.get(key) == bumped_now + 1
