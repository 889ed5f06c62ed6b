from __future__ import annotations

import contextlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.importers import StoryData, import_story
from articles.models import Article
from entities.services import (
    confirm_suggestion,
    create_entity_from_candidate,
    merge_entities,
    reject_suggestion,
    suggest_entities,
)
from related import services
from related.models import (
    DocumentFrequency,
    RelatedExclusion,
    StoryFeatures,
)
from related.rebuild import rebuild_related
from related.scoring import entity_feature
from related.services import exclude_related, pin_related
from related.serving import related_articles
from tests.factories import (
    ArticleFactory,
    EntityFactory,
    RelatedExclusionFactory,
    RelatedLinkFactory,
)

pytestmark = pytest.mark.django_db


def test_an_editor_cannot_exclude_or_pin_the_story_itself():
    """Excluding or pinning a story next to itself is refused."""
    story = ArticleFactory()
    with pytest.raises(ValidationError):
        exclude_related(article=story, target=story)
    with pytest.raises(ValidationError):
        pin_related(article=story, target=story)
    with pytest.raises(IntegrityError), transaction.atomic():
        RelatedExclusion.objects.create(article=story, target=story)


def test_pinning_puts_the_story_after_the_existing_picks():
    """A pinned suggestion becomes the last editor's pick and loses its exclusion."""
    story = ArticleFactory()
    first = RelatedLinkFactory(article=story, sort_order=4).target
    target = ArticleFactory()
    RelatedExclusionFactory(article=story, target=target)
    pin_related(article=story, target=target)
    pin_related(article=story, target=target)
    assert related_articles(story) == [first, target]
    assert not RelatedExclusion.objects.filter(article=story).exists()


def queued(callbacks) -> list[int]:
    """The stories whose refresh the captured on-commit callbacks queue."""
    return [c.article_id for c in callbacks if isinstance(c, services._Refresh)]


def test_a_story_is_queued_once_per_transaction(django_capture_on_commit_callbacks):
    """However many writers ask within one transaction, a story is queued once."""
    story, other = ArticleFactory.create_batch(2)
    with django_capture_on_commit_callbacks() as callbacks:
        services.refresh_related_later(article=story)
        services.refresh_related_later(article=story)
        services.refresh_related_later(article_ids=[story.pk, other.pk, other.pk])
    assert queued(callbacks) == [story.pk, other.pk]


def test_a_rolled_back_request_leaves_nothing_queued(
    django_capture_on_commit_callbacks,
):
    """A refresh asked for in a transaction that rolls back is asked for again."""
    story = ArticleFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        with contextlib.suppress(RuntimeError), transaction.atomic():
            services.refresh_related_later(article=story)
            raise RuntimeError
        services.refresh_related_later(article=story)
    assert queued(callbacks) == [story.pk]


def test_an_admin_save_that_publishes_queues_once_and_saves_once(
    editor_client, django_capture_on_commit_callbacks
):
    """Publishing from the story form writes the story once and queues one refresh."""
    story = ArticleFactory(draft=True, headline="Harbour reopens", body="<p>x</p>")
    form = {
        "headline": "Harbour reopens",
        "slug": story.slug,
        "dek": "",
        "body": "<p>x</p>",
        "byline": "",
        "dateline": "",
        "section": "",
        "language": "en",
        "status": "published",
        "go_live_at_0": "",
        "go_live_at_1": "",
        "thread": "",
        "source_name": "",
        "source_url": "",
    }
    for prefix in [
        "author_links",
        "entity_links",
        "tag_links",
        "corrections",
        "related_links",
        "related_exclusions",
        "embargo",
    ]:
        form |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks() as callbacks,
    ):
        response = editor_client.post(
            reverse("admin:articles_article_change", args=[story.pk]), form
        )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.is_live
    # The story itself is written once (its revision pointer aside).
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].startswith('UPDATE "articles_article" SET "headline"')
    ]
    assert len(writes) == 1
    assert queued(callbacks) == [story.pk]


def test_confirming_a_suggestion_refreshes_the_lists(
    geneva, django_capture_on_commit_callbacks
):
    """A confirmed entity links its story to the others that carry it."""
    tagged = ArticleFactory(entities=[geneva])
    story = ArticleFactory(body="<p>Talks resumed in Geneva.</p>")
    suggest_entities(article=story)
    rebuild_related()
    assert related_articles(tagged) == []
    with django_capture_on_commit_callbacks(execute=True):
        confirm_suggestion(suggestion=story.suggestions.get(entity=geneva))
    assert related_articles(tagged) == [story]
    assert related_articles(story) == [tagged]


def test_rejecting_a_suggestion_refreshes_the_lists(
    geneva, django_capture_on_commit_callbacks
):
    """A rejected entity no longer links its story to the others."""
    tagged = ArticleFactory(entities=[geneva])
    story = ArticleFactory(body="<p>Talks resumed in Geneva.</p>")
    with django_capture_on_commit_callbacks(execute=True):
        suggest_entities(article=story, confirm=True)
    assert related_articles(tagged) == [story]
    assert related_articles(tagged) == [story]
    with django_capture_on_commit_callbacks(execute=True):
        reject_suggestion(suggestion=story.suggestions.get(entity=geneva))
    assert related_articles(tagged) == []
    assert related_articles(story) == []


def test_creating_an_entity_from_a_candidate_refreshes_the_lists(
    django_capture_on_commit_callbacks,
):
    """A new entity made from a candidate is counted for its story at once."""
    story = ArticleFactory(body="<p>Anna Kowalski spoke.</p>")
    suggest_entities(article=story)
    rebuild_related()
    with django_capture_on_commit_callbacks(execute=True):
        entity = create_entity_from_candidate(candidate=story.candidates.get())
    [features] = StoryFeatures.objects.filter(article=story).values_list(
        "features", flat=True
    )
    assert entity_feature(entity.pk) in features
    assert DocumentFrequency.objects.get(feature=entity_feature(entity.pk)).df == 1


def test_merging_entities_refreshes_the_lists(django_capture_on_commit_callbacks):
    """Stories tagged with two entities merged into one become related."""
    keep = EntityFactory(name="Vladimir Putin")
    merge = EntityFactory(name="V. Putin")
    first = ArticleFactory(entities=[keep])
    second = ArticleFactory(entities=[merge])
    rebuild_related()
    assert related_articles(first) == []
    with django_capture_on_commit_callbacks(execute=True):
        merge_entities(keep=keep, merge=[merge])
    assert related_articles(first) == [second]
    assert related_articles(second) == [first]


def test_an_import_queues_one_refresh_per_story(django_capture_on_commit_callbacks):
    """Importing a story, published or not, queues its refresh once; so does a
    re-import that changes it."""
    story = StoryData(headline="Harbour reopens", source_key="wire:1", tags=["Port"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        article, _ = import_story(story=story, status=Article.Status.PUBLISHED)
    assert queued(callbacks) == [article.pk]
    story.body_html = "<p>Ships are back.</p>"
    with django_capture_on_commit_callbacks() as callbacks:
        import_story(story=story, status=Article.Status.PUBLISHED)
    assert queued(callbacks) == [article.pk]
    # A draft import of a live story waits as unpublished changes: what
    # readers see did not change, so nothing is refreshed.
    story.body_html = "<p>Ships are back, and busy.</p>"
    with django_capture_on_commit_callbacks() as callbacks:
        import_story(story=story)
    assert queued(callbacks) == []
