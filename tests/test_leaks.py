"""Drafts, withdrawn, scheduled, expired and embargoed stories never reach a
public surface (an embargoed one reaches only the API, and webhooks, of the
partners its embargo grants)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from articles.models import Article, ArticleAuthor, FeaturedStory, FrontPage
from articles.services import publish_article, withdraw_article
from partners.models import Event, WebhookDelivery
from partners.services import add_webhook, embargo_story
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    CorrectionFactory,
    EntityFactory,
    ImageFactory,
    PartnerAPIKeyFactory,
    PartnerFactory,
    RelatedLinkFactory,
    SectionFactory,
    ThreadFactory,
)
from tests.partners import receiver as receivers

pytestmark = pytest.mark.django_db

STATES = ["draft", "withdrawn", "scheduled", "expired"]
# A scheduled story given early to one partner (not partner_client's).
HIDDEN = [*STATES, "embargoed"]

# Every surface a reader, crawler, feed reader or partner can reach: its address and
# something published it must show, so that an empty page cannot pass. LIVE stands
# for the published story's own page, SHARED for its entity's page.
SURFACES = {
    "home page": ("/", "Live story"),
    "article page": ("LIVE", "Live story"),
    "section page": ("/section/world/", "Live story"),
    "tag page": ("/tag/shared/", "Live story"),
    "entity page": ("SHARED", "Live story"),
    "entity list": ("/entities/", "Shared entity"),
    "RSS feed": ("/feed/", "Live story"),
    "Atom feed": ("/feed/atom/", "Live story"),
    "section feed": ("/section/world/feed/", "Live story"),
    "sitemap index": ("/sitemap.xml", "sitemap-articles.xml"),
    "story sitemap": ("/sitemap-articles.xml", "live-story"),
    "section sitemap": ("/sitemap-sections.xml", "/section/world/"),
    "tag sitemap": ("/sitemap-tags.xml", "/tag/shared/"),
    "entity sitemap": ("/sitemap-entities.xml", "shared-entity"),
    "thread sitemap": ("/sitemap-threads.xml", "urlset"),
    "news sitemap": ("/sitemap-news.xml", "Live story"),
    "tag feed": ("/tag/shared/feed/", "Live story"),
    "entity feed": ("/entities/shared-entity/feed/", "Live story"),
    "entity Atom feed": ("/entities/shared-entity/feed/atom/", "Live story"),
    "author page": ("/author/shared-author/", "Live story"),
    "author feed": ("/author/shared-author/feed/", "Live story"),
    "author Atom feed": ("/author/shared-author/feed/atom/", "Live story"),
    "author sitemap": ("/sitemap-authors.xml", "/author/shared-author/"),
    "search page, by author": ("/search/?q=story&author=shared-author", "Live story"),
    "corrections page": ("/corrections/", "Live story"),
    "corrections feed": ("/corrections/feed/", "Live story"),
    "API article list": ("/api/v1/articles/", "Live story"),
    # Every hidden story's headline holds "story", and hidden ones carry "secret".
    "search page": ("/search/?q=story", "Live story"),
    "search page, entity match": ("/search/?q=entity", "Shared entity"),
    "API search": ("/api/v1/articles/?q=story", "Live story"),
    "API entity list": ("/api/v1/entities/", "Shared entity"),
    "API section list": ("/api/v1/sections/", "World"),
    "API author list": ("/api/v1/authors/", "Shared author"),
}


@pytest.fixture
def newsroom(unpublished):
    """A live story sharing section, entity, tag, author and editor picks with
    hidden ones, which are also the home page's lead and featured stories.

    The hidden stories also carry an entity, a tag, an author, a lead picture
    and a correction that no live story has, and one of each state sits in a
    section and a thread that no live story uses.
    """
    shared = EntityFactory(name="Shared entity", slug="shared-entity")
    secret = EntityFactory(name="Secret entity must not leak", slug="secret-entity")
    author = AuthorFactory(name="Shared author", slug="shared-author")
    secret_author = AuthorFactory(
        name="Secret author must not leak", slug="secret-author"
    )
    live = ArticleFactory(
        headline="Live story", entities=[shared], tags=["shared"], authors=[author]
    )
    CorrectionFactory(article=live, text="Live correction")
    granted = PartnerFactory(name="Granted Wire")
    hidden = {
        **unpublished,
        "embargoed": embargo_story(
            article=ArticleFactory(
                scheduled=True, headline="Embargoed story must not leak"
            ),
            partners=[granted],
        ).article,
    }
    picture = ImageFactory(
        width=320,
        height=180,
        caption="Secret picture must not leak",
        alt_text="Secret picture must not leak",
    )
    Article.objects.filter(pk__in=[s.pk for s in hidden.values()]).update(
        lead_image=picture
    )
    picture_files = [
        picture.file.name.rpartition("/")[2],
        *(r.file.name.rpartition("/")[2] for r in picture.renditions.all()),
    ]
    for story in hidden.values():
        CorrectionFactory(article=story, text="Secret correction must not leak")
        story.entities.add(shared, secret)
        story.tags.add("shared", "secret tag")
        for position, credited in enumerate([author, secret_author]):
            ArticleAuthor.objects.create(
                article=story, author=credited, position=position
            )
        RelatedLinkFactory(article=live, target=story)
    section = SectionFactory(name="Secret section must not leak", slug="secret-section")
    thread = ThreadFactory(title="Secret thread must not leak", slug="secret-thread")
    for state in unpublished:
        ArticleFactory(section=section, thread=thread, **{state: True})
    embargo_story(
        article=ArticleFactory(section=section, thread=thread, scheduled=True),
        partners=[granted],
    )
    front_page = FrontPage.load()
    front_page.lead = unpublished["scheduled"]
    front_page.save()
    for position, story in enumerate(hidden.values()):
        FeaturedStory.objects.create(
            front_page=front_page, article=story, position=position
        )
    return SimpleNamespace(
        live=live,
        shared=shared,
        secret=secret,
        hidden=hidden,
        picture_files=picture_files,
        granted=granted,
    )


def address(newsroom, path: str) -> str:
    return {
        "LIVE": newsroom.live.get_absolute_url(),
        "SHARED": newsroom.shared.get_absolute_url(),
    }.get(path, path)


@pytest.mark.parametrize("state", HIDDEN)
@pytest.mark.parametrize(("path", "shown"), SURFACES.values(), ids=SURFACES.keys())
def test_hidden_story_is_on_no_public_surface(
    partner_client, newsroom, path, shown, state
):
    """A draft, withdrawn, scheduled, expired or embargoed story is absent from
    every public surface (for a partner the embargo does not grant)."""
    response = partner_client.get(address(newsroom, path))
    assert_hidden(response, newsroom, state, shown)


@pytest.mark.parametrize(
    ("path", "shown"),
    [(path, shown) for name, (path, shown) in SURFACES.items() if "API" not in name],
    ids=[name for name in SURFACES if "API" not in name],
)
def test_embargoed_story_is_on_no_page_even_for_the_granted(
    client, newsroom, path, shown
):
    """Pages, feeds, sitemaps and search never show an embargoed story, to a
    reader or to the partner it is granted to (its key opens the API only)."""
    key = PartnerAPIKeyFactory(partner=newsroom.granted).key
    for headers in [{}, {"HTTP_AUTHORIZATION": f"Api-Key {key}"}]:
        response = client.get(address(newsroom, path), **headers)
        assert_hidden(response, newsroom, "embargoed", shown)


def test_embargoed_story_reaches_the_granted_partner_only(client, newsroom):
    """The API shows the embargoed story to the partner it is granted to."""
    story = newsroom.hidden["embargoed"]
    key = PartnerAPIKeyFactory(partner=newsroom.granted).key
    response = client.get(
        f"/api/v1/articles/{story.pk}/", HTTP_AUTHORIZATION=f"Api-Key {key}"
    )
    assert response.json()["embargoed_until"] is not None


def test_no_webhook_carries_an_embargoed_story_to_others(
    settings, newsroom, django_capture_on_commit_callbacks
):
    """A partner the embargo does not grant gets no delivery of it: not at
    once, not an update, not a withdrawal."""
    settings.WEBHOOK_ALLOW_LOCAL = True
    started = receivers.start()
    try:
        other = PartnerFactory(name="Other Wire")
        PartnerAPIKeyFactory(partner=other)
        add_webhook(partner=other, url=started.url("/other"))
        with django_capture_on_commit_callbacks(execute=True):
            story = embargo_story(
                article=ArticleFactory(scheduled=True, headline="Embargoed again"),
                partners=[newsroom.granted],
            ).article
        with django_capture_on_commit_callbacks(execute=True):
            story.headline = "Embargoed again, edited"
            story.save()
        with django_capture_on_commit_callbacks(execute=True):
            withdraw_article(article=story)
        assert started.received == []
        assert not WebhookDelivery.objects.filter(
            endpoint__partner=other, article_id=story.pk
        ).exclude(event=Event.PUBLISHED, status=WebhookDelivery.Status.PENDING)
    finally:
        started.server.shutdown()
        started.server.server_close()


def assert_hidden(response, newsroom, state: str, shown: str) -> None:
    hidden = newsroom.hidden[state]
    assert response.status_code == 200
    text = response.content.decode()
    assert shown in text
    assert hidden.headline not in text
    assert hidden.slug not in text
    assert newsroom.secret.name not in text
    assert newsroom.secret.slug not in text
    assert "secret-tag" not in text
    assert "Secret section" not in text
    assert "secret-section" not in text
    assert "Secret thread" not in text
    assert "Secret correction" not in text
    assert "Secret author" not in text
    assert "secret-author" not in text
    assert "Secret picture" not in text
    assert not [name for name in newsroom.picture_files if name in text]


@pytest.mark.parametrize("state", ["draft", "withdrawn", "scheduled"])
def test_hidden_story_page_is_404(client, newsroom, state):
    """A hidden story readers never saw has no page: its address is not found
    (the factory's withdrawn story was never published)."""
    hidden = newsroom.hidden[state]
    response = client.get(hidden.get_absolute_url())
    assert response.status_code == 404
    assert hidden.headline not in response.text


def test_expired_story_page_is_gone_without_its_headline(client, newsroom):
    """An expired story's address answers 410 with a notice that names nothing
    of it."""
    hidden = newsroom.hidden["expired"]
    response = client.get(hidden.get_absolute_url())
    assert response.status_code == 410
    assert "This story is no longer available" in response.text
    assert hidden.headline not in response.text
    assert hidden.slug not in response.text
    assert hidden.dek not in response.text


@pytest.mark.parametrize("state", HIDDEN)
def test_hidden_story_is_404_in_the_api(partner_client, newsroom, state):
    """A hidden story is not found in the API."""
    hidden = newsroom.hidden[state]
    assert partner_client.get(f"/api/v1/articles/{hidden.pk}/").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/entities/secret-entity/", "/api/v1/entities/secret-entity/", "/tag/secret-tag/"],
)
def test_entity_or_tag_only_hidden_stories_carry_is_404(partner_client, newsroom, path):
    """An entity or tag carried only by hidden stories has no public page."""
    assert partner_client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/section/secret-section/",
        "/section/secret-section/feed/",
        "/api/v1/sections/secret-section/",
        "/thread/secret-thread/",
        "/thread/secret-thread/feed/",
    ],
)
def test_section_or_thread_only_hidden_stories_use_is_404(
    partner_client, newsroom, path
):
    """A section or thread used only by hidden stories is not named anywhere."""
    response = partner_client.get(path)
    assert response.status_code == 404
    assert "Secret" not in response.content.decode()


def test_hidden_section_appears_with_its_first_published_story(partner_client):
    """A section appears in the navigation, sitemap and API once a story in it is
    published, or at once when an editor shows it before its first story."""
    science = SectionFactory(name="Science", slug="science")
    story = ArticleFactory(section=science, draft=True)
    surfaces = ["/", "/sitemap-sections.xml", "/api/v1/sections/"]
    for path in surfaces:
        assert "/science/" not in partner_client.get(path).content.decode()

    science.show_when_empty = True
    science.save()
    for path in surfaces:
        assert "/science/" in partner_client.get(path).content.decode()

    science.show_when_empty = False
    science.save()
    publish_article(article=story)
    for path in surfaces:
        assert "/science/" in partner_client.get(path).content.decode()
    assert partner_client.get("/section/science/").status_code == 200


def test_entity_page_lists_only_the_published_story(client, newsroom):
    """An entity on a published and on hidden stories lists only the published one."""
    response = client.get(newsroom.shared.get_absolute_url())
    assert list(response.context["object_list"]) == [newsroom.live]
    assert "1 story" in response.text


def test_entity_list_counts_only_published_stories(client, newsroom):
    """The entity list counts an entity's published stories only."""
    response = client.get("/entities/")
    assert [entity.name for entity in response.context["object_list"]] == [
        "Shared entity"
    ]
    assert 'Shared entity</a> <span class="count">1</span>' in response.text


def test_related_list_skips_hidden_picks_and_entity_sharers(client, newsroom):
    """Hidden stories are not related, though picked and sharing an entity."""
    response = client.get(newsroom.live.get_absolute_url())
    assert response.context["related"] == []
    assert "Related stories" not in response.text


def test_scheduled_story_appears_once_its_go_live_time_passes(partner_client, settings):
    """A scheduled story shows up by itself once its go-live time is past."""
    # The clock "moves" by an update that the page cache cannot see; that no
    # cached page outlives a go-live time is tested in
    # tests/newsroom/test_page_cache.py.
    settings.PAGE_CACHE_SECONDS = 0
    story = ArticleFactory(scheduled=True, headline="Embargoed until later")
    assert partner_client.get(story.get_absolute_url()).status_code == 404
    assert story.headline not in partner_client.get("/").text
    # As if the clock had moved past the go-live time: no job runs in between.
    Article.objects.filter(pk=story.pk).update(
        go_live_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    story.refresh_from_db()
    assert partner_client.get(story.get_absolute_url()).status_code == 200
    for path in ("/", "/feed/", "/sitemap-articles.xml", "/api/v1/articles/"):
        response = partner_client.get(path)
        assert story.headline in response.content.decode() or (
            story.get_absolute_url() in response.content.decode()
        ), path


@pytest.mark.parametrize("state", STATES)
def test_staff_preview_shows_hidden_story(editor_client, unpublished, state):
    """Staff can preview a hidden story, marked noindex."""
    story = unpublished[state]
    response = editor_client.get(story.get_preview_url())
    assert response.status_code == 200
    assert story.headline in response.text
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.text
    assert 'rel="canonical"' not in response.text


@pytest.mark.parametrize("state", STATES)
def test_anonymous_preview_redirects_to_login(client, unpublished, state):
    """A reader asking for a preview is sent to the login page instead."""
    story = unpublished[state]
    response = client.get(story.get_preview_url())
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert story.headline not in response.content.decode()
