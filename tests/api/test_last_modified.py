"""Last-Modified and ETags on API lists move exactly when what a partner can
see changes (PublicChange), never on drafts or unpublished changes."""

from __future__ import annotations

import datetime
from email.utils import parsedate_to_datetime

import pytest
from django.utils import timezone
from taggit.models import Tag

from articles import revisions
from articles.models import Article, PublicChange
from articles.services import delete_articles, publish_article, withdraw_article
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    CorrectionFactory,
    EntityFactory,
    SectionFactory,
    ThreadFactory,
    settle_public_changes,
)

pytestmark = pytest.mark.django_db

ARTICLES = "/api/v1/articles/"
CHANGES = "/api/v1/changes/"
SECTIONS = "/api/v1/sections/"
TAGS = "/api/v1/tags/"
THREADS = "/api/v1/threads/"
ENTITIES = "/api/v1/entities/"
AUTHORS = "/api/v1/authors/"


def hours_ago(hours: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


@pytest.fixture
def world():
    """A live story with a section, thread, entity, tag and author, and a
    draft sharing none of them; nothing changed for partners since 3 hours
    ago."""
    story = ArticleFactory(
        go_live_at=hours_ago(5),
        section=SectionFactory(name="Politics", slug="politics"),
        thread=ThreadFactory(title="Election"),
        entities=[EntityFactory(name="Ann Mayor")],
        tags=["Elections"],
        authors=[AuthorFactory(name="Nadia Hollis")],
    )
    draft = ArticleFactory(
        draft=True,
        section=SectionFactory(name="Secret", slug="secret"),
        entities=[EntityFactory(name="Hidden Person")],
        tags=["Embargoed"],
    )
    settle_public_changes()
    return story, draft


def snapshot(client, *urls):
    return {url: client.get(url) for url in urls}


def assert_moved(client, before: dict) -> None:
    """Each list answers a client's old Last-Modified and old ETag with the
    new list, and a later Last-Modified. (A list whose content did not
    change keeps its ETag: a story change moves Last-Modified on every list
    counting stories.)"""
    for url, first in before.items():
        assert first.status_code == 200, url
        by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        by_etag = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert by_date.status_code == 200, url
        assert by_etag.status_code == 200, url
        assert parsedate_to_datetime(by_date["Last-Modified"]) > (
            parsedate_to_datetime(first["Last-Modified"])
        ), url


def assert_still(client, before: dict) -> None:
    """Each list still has its Last-Modified and ETag: a partner's copy is
    current (304)."""
    for url, first in before.items():
        again = client.get(url)
        assert again["Last-Modified"] == first["Last-Modified"], url
        assert again["ETag"] == first["ETag"], url
        by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert by_date.status_code == 304, url


LISTS = (ARTICLES, CHANGES, SECTIONS, TAGS, THREADS, ENTITIES, AUTHORS)


def test_every_list_has_last_modified(partner_client, world):
    """Every list answers with a Last-Modified and an ETag."""
    for url, response in snapshot(partner_client, *LISTS).items():
        assert response.status_code == 200, url
        assert response["Last-Modified"], url
        assert response["ETag"], url


def test_a_draft_edit_moves_nothing(partner_client, world):
    """Editing, tagging, linking and naming for a draft is no change."""
    _, draft = world
    before = snapshot(partner_client, *LISTS)

    draft.headline = "Still secret"
    draft.save()
    draft.tags.add("Another secret")
    draft.entities.add(EntityFactory(name="Another hidden"))
    draft.section.name = "Secret renamed"
    draft.section.save()
    hidden = draft.entities.get(name="Hidden Person")
    hidden.name = "Hidden renamed"
    hidden.save()
    Tag.objects.filter(name="Embargoed").update(name="x")  # no signal either way
    ArticleFactory(draft=True, thread=ThreadFactory(title="Secret thread"))

    assert_still(partner_client, before)


def test_an_unpublished_change_moves_nothing(partner_client, world):
    """Changes staged on a live story, not yet published, are no change."""
    story, _ = world
    before = snapshot(partner_client, ARTICLES, CHANGES)

    revisions.stage_changes(
        story, content=revisions.content_with(story, headline="Staged headline")
    )

    assert_still(partner_client, before)


def test_publishing_moves_the_story_lists(partner_client, world):
    """Publishing a draft moves the lists it appears in (its section, entity
    and tag appear with it)."""
    _, draft = world
    before = snapshot(partner_client, ARTICLES, CHANGES, SECTIONS, TAGS, ENTITIES)

    publish_article(article=draft)

    assert_moved(partner_client, before)


def test_a_scheduled_story_going_live_with_no_write_moves_them(partner_client, world):
    """A scheduled story's go-live time passing is a change, with no write."""
    scheduled = ArticleFactory(scheduled=True)
    settle_public_changes()
    before = snapshot(partner_client, ARTICLES, CHANGES, SECTIONS)
    assert scheduled.pk not in [i["id"] for i in before[ARTICLES].json()["results"]]

    # Its time comes (as if the clock had moved on): no signal, no record.
    went_live = timezone.now() - datetime.timedelta(seconds=2)
    Article.objects.filter(pk=scheduled.pk).update(
        go_live_at=went_live, first_published_at=went_live
    )

    assert_moved(partner_client, before)


def test_publishing_a_revision_moves_them(partner_client, world):
    story, _ = world
    revision = revisions.stage_changes(
        story, content=revisions.content_with(story, headline="New headline")
    )
    settle_public_changes()
    before = snapshot(partner_client, ARTICLES, CHANGES)

    revisions.publish_revision(revision=revision)

    assert_moved(partner_client, before)


def test_a_correction_moves_them(partner_client, world):
    story, _ = world
    before = snapshot(partner_client, ARTICLES, CHANGES)

    CorrectionFactory(article=story)

    assert_moved(partner_client, before)


def test_withdrawing_moves_them(partner_client, world):
    story, _ = world
    ArticleFactory(go_live_at=hours_ago(4))
    settle_public_changes()
    before = snapshot(partner_client, *LISTS)

    withdraw_article(article=story)

    assert_moved(partner_client, before)


def test_deleting_a_public_story_moves_them(partner_client, world):
    story, _ = world
    ArticleFactory(go_live_at=hours_ago(4))
    settle_public_changes()
    before = snapshot(partner_client, *LISTS)

    delete_articles(articles=[story])

    assert_moved(partner_client, before)


def test_deleting_a_draft_moves_nothing(partner_client, world):
    _, draft = world
    before = snapshot(partner_client, *LISTS)

    delete_articles(articles=[draft])

    assert_still(partner_client, before)


@pytest.mark.parametrize(
    ("rename", "lists"),
    [
        ("section", (ARTICLES, SECTIONS)),
        ("thread", (ARTICLES, THREADS)),
        ("entity", (ARTICLES, ENTITIES)),
        ("tag", (ARTICLES, TAGS)),
        ("author", (ARTICLES, AUTHORS)),
    ],
)
def test_renaming_what_a_story_shows_moves_the_lists_showing_it(
    partner_client, world, rename, lists
):
    """A rename of a public section, thread, entity, tag or author moves the
    story list and its own list, and leaves the change feed alone."""
    story, _ = world
    before = snapshot(partner_client, *lists, CHANGES)
    thing = {
        "section": lambda: story.section,
        "thread": lambda: story.thread,
        "entity": lambda: story.entities.get(),
        "tag": lambda: story.tags.get(),
        "author": lambda: story.author_links.get().author,
    }[rename]()
    if rename == "thread":
        thing.title = "Renamed"
    else:
        thing.name = "Renamed"
    thing.save()

    change_feed = {CHANGES: before.pop(CHANGES)}
    assert_moved(partner_client, before)
    assert_still(partner_client, change_feed)
    scope = "entities" if rename == "entity" else f"{rename}s"
    assert PublicChange.objects.get(scope=scope).changed_at > hours_ago(1)


@pytest.mark.parametrize("url", [ARTICLES, CHANGES, TAGS, ENTITIES])
def test_last_modified_costs_one_query(
    partner_client, world, django_assert_max_num_queries, url
):
    """The Last-Modified of a list is one query on top of the list's own, and
    a 304 costs no more than the list."""
    first = partner_client.get(url)
    # key, usage, the list's own queries (at most 5), whether the partner
    # sees embargoed stories, Last-Modified
    with django_assert_max_num_queries(9):
        again = partner_client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304


def test_a_story_moves_when_what_it_shows_is_renamed(partner_client, world):
    """A story's own Last-Modified also moves when its entity is renamed, and
    stays put for an edit to a draft."""
    story, draft = world
    url = f"{ARTICLES}{story.pk}/"
    Article.objects.filter(pk=story.pk).update(updated_at=hours_ago(4))
    before = snapshot(partner_client, url)

    draft.headline = "Still secret"
    draft.save()
    assert_still(partner_client, before)

    entity = story.entities.get()
    entity.name = "Renamed"
    entity.save()
    assert_moved(partner_client, before)
