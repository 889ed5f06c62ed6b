from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from related.rebuild import rebuild_related
from tests.factories import (
    ArticleFactory,
    EntityFactory,
    RelatedLinkFactory,
    ThreadFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("archive")]


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def ceasefire():
    """A thread of five published stories a day apart, plus a draft and a
    withdrawn story; returns the thread and the published stories, oldest first."""
    thread = ThreadFactory(title="Syria ceasefire, December 2016")
    stories = [
        ArticleFactory(thread=thread, go_live_at=days_ago(10 - n), headline=f"Day {n}")
        for n in range(5)
    ]
    ArticleFactory(thread=thread, draft=True, headline="Draft must not leak")
    ArticleFactory(thread=thread, withdrawn=True, headline="Withdrawn must not leak")
    return thread, stories


def test_thread_slug_comes_from_its_title():
    """A thread gets its address from its title."""
    assert ThreadFactory(title="Syria ceasefire, December 2016").slug == (
        "syria-ceasefire-december-2016"
    )


def test_thread_page_is_a_timeline_of_published_stories(reader_client, ceasefire):
    """The thread page lists its published stories oldest first, and no others."""
    thread, stories = ceasefire
    response = reader_client.get(thread.get_absolute_url())
    assert response.status_code == 200
    assert list(response.context["object_list"]) == stories
    content = response.content.decode()
    assert "must not leak" not in content
    assert reverse("articles:thread_feed", kwargs={"slug": thread.slug}) in content


def test_thread_page_costs_the_same_queries_however_long(
    reader_client, django_assert_max_num_queries
):
    """The thread page's query count does not grow with its stories or entities."""
    thread = ThreadFactory()
    entities = EntityFactory.create_batch(4)
    ArticleFactory.create_batch(15, thread=thread, entities=entities)
    with django_assert_max_num_queries(7):  # with the stories' authors
        reader_client.get(thread.get_absolute_url())


@pytest.mark.parametrize("state", ["draft", "withdrawn", "scheduled"])
def test_thread_of_unpublished_stories_is_not_found(reader_client, state):
    """A thread whose stories readers cannot see has no public page or stories."""
    thread = ThreadFactory()
    ArticleFactory(thread=thread, **{state: True})
    assert reader_client.get(thread.get_absolute_url()).status_code == 404
    assert reader_client.get("/thread/no-such-thread/").status_code == 404


@pytest.mark.parametrize("state", ["draft", "withdrawn", "scheduled"])
def test_thread_of_unpublished_stories_has_no_feed(reader_client, state):
    """A thread whose stories readers cannot see has no feed, as it has no page:
    its title could give an embargoed story away."""
    thread = ThreadFactory(title="Embargoed thread must not leak")
    ArticleFactory(thread=thread, **{state: True})
    feed = reverse("articles:thread_feed", kwargs={"slug": thread.slug})
    assert reader_client.get(feed).status_code == 404


def test_thread_feed_has_its_published_stories_newest_first(reader_client, ceasefire):
    """The thread feed carries its published stories, newest first."""
    thread, stories = ceasefire
    response = reader_client.get(
        reverse("articles:thread_feed", kwargs={"slug": thread.slug})
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert thread.title in content
    assert "must not leak" not in content
    positions = [content.index(f"<title>{s.headline}</title>") for s in stories]
    assert positions == sorted(positions, reverse=True)


def test_story_shows_earlier_and_latest_in_its_thread(reader_client, ceasefire):
    """A story in a thread links to the stories just before and the latest after."""
    thread, stories = ceasefire
    response = reader_client.get(stories[2].get_absolute_url())
    assert response.context["thread_earlier"] == stories[:2]
    assert response.context["thread_latest"] == [stories[4], stories[3]]
    content = response.content.decode()
    assert "Earlier in this story" in content
    assert "Latest in this story" in content
    assert thread.get_absolute_url() in content
    assert "must not leak" not in content


def test_latest_story_in_thread_has_no_latest_block(reader_client, ceasefire):
    """The newest story in a thread shows only what came before."""
    _, stories = ceasefire
    response = reader_client.get(stories[-1].get_absolute_url())
    assert response.context["thread_latest"] == []
    assert "Latest in this story" not in response.content.decode()


@pytest.mark.parametrize("size", [1, 12])
def test_story_page_costs_the_same_queries_whatever_its_relations(
    reader_client, django_assert_max_num_queries, size
):
    """The story page's query count does not grow with related stories, entities,
    tags or thread length."""
    thread = ThreadFactory()
    entities = EntityFactory.create_batch(size)
    story = ArticleFactory(
        thread=thread, entities=entities, tags=[f"tag {n}" for n in range(size)]
    )
    for n in range(size):
        ArticleFactory(thread=thread, entities=entities, go_live_at=days_ago(n + 2))
        RelatedLinkFactory(article=story, target=ArticleFactory(entities=entities))
    ArticleFactory(thread=thread, go_live_at=days_ago(0.1))
    rebuild_related()
    # 10 for the page, its authors and its lists (the related list is two
    # reads), up to 4 for entity linking in the body.
    with django_assert_max_num_queries(14):
        response = reader_client.get(story.get_absolute_url())
    assert response.status_code == 200
    assert response.context["related"]


def test_editor_adds_a_story_to_a_thread_in_the_admin(editor_client):
    """The story form has a thread field with autocomplete."""
    story = ArticleFactory()
    response = editor_client.get(
        reverse("admin:articles_article_change", args=[story.pk])
    )
    assert 'name="thread"' in response.content.decode()
    thread = ThreadFactory(title="Aleppo evacuation")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Aleppo",
            "app_label": "articles",
            "model_name": "article",
            "field_name": "thread",
        },
    )
    assert response.json()["results"][0]["id"] == str(thread.pk)


def test_thread_admin_lists_its_stories(editor_client, ceasefire):
    """The thread form shows its stories in time order, drafts included."""
    thread, stories = ceasefire
    response = editor_client.get(
        reverse("admin:articles_thread_change", args=[thread.pk])
    )
    content = response.content.decode()
    assert content.index("Day 0") < content.index("Day 4")
    assert "Draft must not leak" in content


# A page shows each story once: the related list leaves out the thread boxes' stories.


@pytest.fixture
def thread_and_related():
    """A thread of four published stories sharing two entities, and six other
    stories sharing one; returns the second story of the thread, the thread's
    stories oldest first and the others."""
    main, side = EntityFactory.create_batch(2)
    thread = ThreadFactory()
    stories = [
        ArticleFactory(
            thread=thread,
            entities=[main, side],
            go_live_at=days_ago(4 - n),
            headline=f"Thread story {n}",
        )
        for n in range(4)
    ]
    others = [
        ArticleFactory(
            entities=[main], go_live_at=days_ago(2 + n / 10), headline=f"Other {n}"
        )
        for n in range(6)
    ]
    return stories[1], stories, others


def test_related_stories_leave_out_the_thread_boxes(reader_client, thread_and_related):
    """A story in the thread boxes is not listed again as related, and five other
    stories still fill the related list."""
    story, stories, others = thread_and_related
    rebuild_related()
    response = reader_client.get(story.get_absolute_url())
    shown = response.context["thread_earlier"] + response.context["thread_latest"]
    assert sorted(s.pk for s in shown) == sorted(s.pk for s in stories if s != story)
    related = response.context["related"]
    assert len(related) == 5
    assert set(related) <= set(others)
    html = response.text
    for neighbour in shown:
        assert html.count(f'href="{neighbour.get_absolute_url()}"') == 1


def test_a_pick_in_the_thread_boxes_is_shown_once(reader_client, thread_and_related):
    """An editor's pick that is also a thread neighbour appears only in the thread
    box; the other picks keep their order at the head of the related list."""
    story, stories, others = thread_and_related
    RelatedLinkFactory(article=story, target=stories[0], sort_order=0)
    RelatedLinkFactory(article=story, target=others[5], sort_order=1)
    rebuild_related()
    response = reader_client.get(story.get_absolute_url())
    assert response.context["thread_earlier"] == [stories[0]]
    related = response.context["related"]
    assert stories[0] not in related
    assert related[0] == others[5]
    assert len(related) == 5
    assert response.text.count(f'href="{stories[0].get_absolute_url()}"') == 1


@pytest.mark.parametrize("state", ["draft", "withdrawn", "scheduled"])
def test_no_unpublished_story_fills_a_freed_place(
    reader_client, thread_and_related, state
):
    """Places freed by thread neighbours go to published stories only, picked or
    suggested, and an unpublished thread story is in no box."""
    story, stories, others = thread_and_related
    main = others[0].entities.get()
    hidden_pick = ArticleFactory(**{state: True}, headline="Hidden pick must not leak")
    RelatedLinkFactory(article=story, target=hidden_pick)
    ArticleFactory(**{state: True}, entities=[main], headline="Hidden must not leak")
    ArticleFactory(
        **{state: True},
        thread=story.thread,
        entities=[main],
        headline="Hidden thread story must not leak",
    )
    rebuild_related()
    response = reader_client.get(story.get_absolute_url())
    assert set(response.context["related"]) <= set(others)
    assert "must not leak" not in response.text


def test_a_thread_story_outside_the_boxes_may_be_related(reader_client):
    """Only the stories the boxes show are left out: an older story of a long
    thread, not on the page, can still be related."""
    entity = EntityFactory()
    thread = ThreadFactory()
    stories = [
        ArticleFactory(thread=thread, entities=[entity], go_live_at=days_ago(9 - n))
        for n in range(5)
    ]
    story = stories[-1]
    rebuild_related()
    response = reader_client.get(story.get_absolute_url())
    assert response.context["thread_earlier"] == stories[1:4]
    assert response.context["related"] == [stories[0]]


@pytest.mark.parametrize("size", [1, 6])
def test_leaving_out_the_thread_boxes_costs_no_query(
    reader_client, settings, django_assert_num_queries, size
):
    """The story page costs the same queries whether its thread boxes show one
    story or six, each also picked and suggested as related."""
    settings.PAGE_CACHE_SECONDS = 0  # rendering is measured, not a cache hit
    main, side = EntityFactory.create_batch(2)
    thread = ThreadFactory()
    story = ArticleFactory(thread=thread, entities=[main, side], go_live_at=days_ago(5))
    for n in range(size):
        neighbour = ArticleFactory(
            thread=thread, entities=[main], go_live_at=days_ago(5 + (n - 2.5) / 10)
        )
        RelatedLinkFactory(article=story, target=neighbour)
    # Sharing more than the neighbours, so the stored list keeps them all.
    ArticleFactory.create_batch(6, entities=[main, side])
    rebuild_related()
    # The first request builds the entity matcher, once per process.
    reader_client.get(story.get_absolute_url())
    # Story, entity links, tags, authors, thread earlier and latest, the
    # related lists and their stories; the nav sections come from the cache
    # after the first request.
    with django_assert_num_queries(8):
        response = reader_client.get(story.get_absolute_url())
    shown = response.context["thread_earlier"] + response.context["thread_latest"]
    assert len(shown) == size
    assert len(response.context["related"]) == 5
