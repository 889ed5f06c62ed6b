from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article, ArticleEntity, Thread
from tests.factories import (
    ArticleFactory,
    EntityFactory,
    SectionFactory,
    ThreadFactory,
)

pytestmark = pytest.mark.django_db


def test_slug_made_from_headline():
    """A story saved without a slug gets one from its headline."""
    article = ArticleFactory(headline="Rain Falls on London, Again!")

    assert article.slug == "rain-falls-on-london-again"


def test_slug_made_unique():
    """A second story with the same headline gets a numbered slug."""
    first = ArticleFactory(headline="Budget day")
    second = ArticleFactory(headline="Budget day")
    third = ArticleFactory(headline="Budget day")

    assert (first.slug, second.slug, third.slug) == (
        "budget-day",
        "budget-day-2",
        "budget-day-3",
    )


def test_slug_kept_on_resave():
    """Saving a story again does not change its slug."""
    article = ArticleFactory(headline="Budget day")
    article.headline = "Budget day: what changed"
    article.save()

    assert article.slug == "budget-day"


def test_slug_given_is_kept():
    """A slug an editor typed is not replaced."""
    article = ArticleFactory(headline="Budget day", slug="budget-2026")

    assert article.slug == "budget-2026"


def test_body_sanitised_on_save():
    """Scripts and event handlers are stripped from a body; allowed markup stays."""
    article = ArticleFactory(
        body='<p onclick="steal()">Hello <strong>world</strong></p>'
        "<script>alert(1)</script>"
        '<h2>Heading</h2><ul><li><a href="https://example.org/">link</a></li></ul>'
    )

    article.refresh_from_db()
    assert "script" not in article.body
    assert "alert" not in article.body
    assert "onclick" not in article.body
    assert "<strong>world</strong>" in article.body
    assert "<h2>Heading</h2>" in article.body
    assert '<a href="https://example.org/">link</a>' in article.body
    assert article.body.startswith("<p>Hello")


def test_javascript_links_stripped():
    """A javascript: link loses its href."""
    article = ArticleFactory(body='<p><a href="javascript:alert(1)">x</a></p>')

    assert "javascript" not in article.body


def test_publishing_on_save_fills_the_publication_times():
    """A story saved as published gets a go-live time and publication times."""
    article = ArticleFactory(go_live_at=None)

    assert article.go_live_at is not None
    assert article.first_published_at == article.go_live_at
    assert article.last_published_at == article.go_live_at


def test_published_headline_required():
    """A published story without a headline does not validate."""
    article = ArticleFactory.build(headline="  ", slug="x", section=None)

    with pytest.raises(ValidationError) as excinfo:
        article.full_clean()

    assert "headline" in excinfo.value.message_dict


def test_public_and_preview_urls():
    """A story's address carries its go-live date; the preview uses its id."""
    article = ArticleFactory(headline="Budget day")
    date = article.go_live_at.date()

    assert article.get_absolute_url() == (
        f"/{date.year}/{date.month:02d}/{date.day:02d}/budget-day/"
    )
    assert article.get_preview_url() == f"/preview/{article.pk}/"


def test_entities_manager_add_with_relevance():
    """article.entities works like a taggit manager, with relevance on the link."""
    article = ArticleFactory()
    ada, grace = EntityFactory(name="Ada"), EntityFactory(name="Grace")

    article.entities.add(ada)
    article.entities.add(
        grace, through_defaults={"relevance": ArticleEntity.Relevance.MENTIONS}
    )

    assert set(article.entities.all()) == {ada, grace}
    assert sorted(article.entities.names()) == ["Ada", "Grace"]
    relevance = dict(article.entity_links.values_list("tag__name", "relevance"))
    assert relevance == {"Ada": "about", "Grace": "mentions"}
    assert list(Article.objects.filter(entities=ada)) == [article]


def test_entities_manager_remove_and_clear():
    """Removing an entity from a story deletes only the link."""
    article = ArticleFactory()
    ada, grace = EntityFactory(), EntityFactory()
    article.entities.add(ada, grace)

    article.entities.remove(ada)

    assert list(article.entities.all()) == [grace]
    assert ada.pk is not None
    article.entities.clear()
    assert not ArticleEntity.objects.filter(content_object=article).exists()


def test_entity_linked_once_per_story():
    """The same entity cannot be linked to a story twice."""
    link = ArticleEntity.objects.create(
        content_object=ArticleFactory(), tag=EntityFactory()
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleEntity.objects.create(content_object=link.content_object, tag=link.tag)


def test_tags_manager():
    """Topic tags are plain taggit tags, matched case-insensitively."""
    article = ArticleFactory(tags=["Climate"])
    article.tags.add("climate", "Energy")

    assert sorted(article.tags.names()) == ["Climate", "Energy"]


def test_is_live_and_is_scheduled():
    """A published story is live once its go-live time has passed."""
    live = ArticleFactory()
    scheduled = ArticleFactory(scheduled=True)
    draft = ArticleFactory(draft=True)

    assert (live.is_live, live.is_scheduled) == (True, False)
    assert (scheduled.is_live, scheduled.is_scheduled) == (False, True)
    assert (draft.is_live, draft.is_scheduled) == (False, False)
    assert set(Article.objects.published()) == {live}


def test_last_changed_honours_the_queryset():
    """A filtered queryset's last change is that of its own stories, not the
    newest story in the archive."""
    now = timezone.now()
    world = SectionFactory(name="World", slug="world")
    sport = SectionFactory(name="Sport", slug="sport")
    older = ArticleFactory(section=world, go_live_at=now - datetime.timedelta(days=3))
    ArticleFactory(section=sport, go_live_at=now - datetime.timedelta(hours=1))
    Article.objects.filter(pk=older.pk).update(
        updated_at=now - datetime.timedelta(days=2)
    )

    in_world = Article.objects.filter(section=world)

    assert in_world.last_changed() == now - datetime.timedelta(days=2)
    assert Article.objects.filter(section__slug="none").last_changed() is None


def test_newest_first_breaks_ties_by_primary_key():
    """Stories are listed newest first; two with the same time, the later first."""
    when = timezone.now() - datetime.timedelta(hours=2)
    older = ArticleFactory(go_live_at=when - datetime.timedelta(hours=1))
    tied = ArticleFactory.create_batch(2, go_live_at=when)

    assert list(Article.objects.newest_first()) == [tied[1], tied[0], older]


def test_newest_first_after_other_orderings():
    """Orderings given to newest_first come first; newest first within each."""
    now = timezone.now()
    world = SectionFactory(name="World", slug="world")
    sport = SectionFactory(name="Sport", slug="sport")
    old_sport = ArticleFactory(section=sport, go_live_at=now - datetime.timedelta(2))
    new_sport = ArticleFactory(section=sport, go_live_at=now - datetime.timedelta(1))
    new_world = ArticleFactory(section=world, go_live_at=now - datetime.timedelta(1))

    stories = Article.objects.newest_first("section__name")

    assert list(stories) == [new_sport, old_sport, new_world]


def test_tags_of_published_stories():
    """`published().tags()` holds each tag a live story carries, once; a tag
    only unpublished stories carry is left out."""
    ArticleFactory(tags=["budget", "tax"])
    ArticleFactory(tags=["budget"])
    for state in ("draft", "withdrawn", "scheduled"):
        ArticleFactory(tags=["budget", f"{state} tag"], **{state: True})

    tags = Article.objects.published().tags()

    assert sorted(tags.values_list("name", flat=True)) == ["budget", "tax"]


def test_tags_honour_the_queryset():
    """`tags()` holds only the tags of the stories it is called on."""
    world = SectionFactory(name="World", slug="world")
    ArticleFactory(section=world, tags=["budget"])
    ArticleFactory(section=SectionFactory(name="Sport", slug="sport"), tags=["cup"])

    tags = Article.objects.filter(section=world).tags()

    assert list(tags.values_list("name", flat=True)) == ["budget"]


def test_changes_report_live_and_taken_off_stories():
    """The change feed holds live stories and those live once, then taken off;
    drafts, scheduled stories and stories never live are left out."""
    now = timezone.now()
    live = ArticleFactory(go_live_at=now - datetime.timedelta(hours=3))
    withdrawn = ArticleFactory(go_live_at=now - datetime.timedelta(hours=2))
    withdrawn.status = Article.Status.WITHDRAWN
    withdrawn.save()
    ArticleFactory(draft=True)
    ArticleFactory(scheduled=True)
    ArticleFactory(status=Article.Status.WITHDRAWN, go_live_at=None)
    Article.objects.filter(pk=live.pk).update(
        updated_at=now - datetime.timedelta(hours=4)
    )

    changes = {story.pk: story for story in Article.objects.changes()}

    assert list(changes) == [live.pk, withdrawn.pk]
    assert changes[live.pk].live is True
    assert changes[live.pk].changed_at == live.go_live_at
    assert changes[withdrawn.pk].live is False
    assert (
        changes[withdrawn.pk].changed_at
        == Article.objects.get(pk=withdrawn.pk).updated_at
    )


def test_with_change_time_is_the_later_of_edit_and_go_live():
    """A published story last changed for readers at its last edit or its
    go-live time, whichever is later."""
    now = timezone.now()
    edited = ArticleFactory(go_live_at=now - datetime.timedelta(days=2))
    Article.objects.filter(pk=edited.pk).update(
        updated_at=now - datetime.timedelta(days=1)
    )
    scheduled_earlier = ArticleFactory(go_live_at=now - datetime.timedelta(hours=1))
    Article.objects.filter(pk=scheduled_earlier.pk).update(
        updated_at=now - datetime.timedelta(days=3)
    )

    times = dict(Article.objects.with_change_time().values_list("pk", "changed_at"))

    assert times == {
        edited.pk: now - datetime.timedelta(days=1),
        scheduled_earlier.pk: scheduled_earlier.go_live_at,
    }


def test_threads_with_published_stories():
    """A thread is public once it holds a live story; a thread of drafts,
    withdrawn or scheduled stories only, or of none, is not."""
    public = ThreadFactory()
    ArticleFactory(thread=public)
    ArticleFactory(thread=public, draft=True)
    for state in ("draft", "withdrawn", "scheduled"):
        ArticleFactory(thread=ThreadFactory(), **{state: True})
    ThreadFactory()

    assert list(Thread.objects.with_published_stories()) == [public]


def test_containing_finds_a_text_in_any_field():
    """Stories whose headline, standfirst or body contain a text are found."""
    in_headline = ArticleFactory(headline="Harbour Trust buys the docks")
    in_dek = ArticleFactory(dek="The Harbour Trust said so.")
    in_body = ArticleFactory(body="<p>The Harbour Trust met.</p>")
    draft = ArticleFactory(draft=True, body="<p>The Harbour Trust met.</p>")
    ArticleFactory(body="<p>The harbour is quiet.</p>")

    found = Article.objects.containing(["Harbour Trust", "Dock board"])

    assert set(found) == {in_headline, in_dek, in_body, draft}


def test_containing_searches_the_body_as_stored():
    """Text the sanitiser escapes is found in a body; LIKE wildcards are literal."""
    story = ArticleFactory(body="<p>Shares in Marks & Spencer rose 5%.</p>")
    ArticleFactory(body="<p>Marks and Spencer rose 5 points.</p>")

    assert list(Article.objects.containing(["Marks & Spencer"])) == [story]
    assert list(Article.objects.containing(["5%."])) == [story]
    assert list(Article.objects.containing(["Marks_and"])) == []


def test_containing_nothing_is_no_story():
    """No texts (or only empty ones) find no story, rather than every story."""
    ArticleFactory()

    assert not Article.objects.containing([]).exists()
    assert not Article.objects.containing([""]).exists()
