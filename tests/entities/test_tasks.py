from __future__ import annotations

import contextlib

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from articles.models import Article, ArticleEntity
from entities.matcher import invalidate_matcher
from entities.models import Entity, Suggestion
from entities.services import (
    create_entity_from_candidate,
    rescan_archive_later,
    suggest_entities,
)
from entities.tasks import rescan_archive_for_entities
from related.serving import related_articles
from tests.factories import ArticleFactory, EntityFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("archive")]

RESCAN = "entities.tasks.rescan_archive_for_entities"
REFRESH = "related.tasks.refresh_related_lists"


@pytest.fixture
def earlier() -> list[Article]:
    """Three stories that name the Harbour Trust before anyone filed it, and one
    that does not."""
    stories = [
        ArticleFactory(headline="Harbour Trust buys the docks"),
        ArticleFactory(body="<p>The Harbour Trust’s chairman resigned.</p>"),
        ArticleFactory(body="<p>Officials of the Harbour Trust met.</p>"),
    ]
    ArticleFactory(body="<p>Nobody met.</p>")
    return stories


@pytest.fixture
def origin(earlier) -> Article:
    """The story an editor reads, where the name is offered as a new entity."""
    story = ArticleFactory(
        headline="Harbour Trust and the Anna Kowalski affair",
        body="<p>The Harbour Trust denied it.</p>",
    )
    suggest_entities(article=story)
    assert story.candidates.filter(name="Harbour Trust").exists()
    return story


def statuses(entity: Entity) -> dict[int, str]:
    return dict(
        Suggestion.objects.filter(entity=entity).values_list("article_id", "status")
    )


def test_the_task_rescans_and_reports():
    """Run directly, the task suggests the entity and says what it did."""
    story = ArticleFactory(body="<p>The Harbour Trust met.</p>")
    entity = EntityFactory(name="Harbour Trust")
    invalidate_matcher()

    result = rescan_archive_for_entities.enqueue([entity.pk], None)

    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["suggested"] == 1
    assert result.return_value["stories_changed"] == 1
    assert statuses(entity) == {story.pk: "suggested"}


def test_a_candidate_made_an_entity_is_suggested_on_earlier_stories(
    earlier, origin, django_capture_on_commit_callbacks
):
    """Creating an entity from a candidate suggests it on every earlier story that
    names it, once the editor's click commits."""
    candidate = origin.candidates.get(name="Harbour Trust")

    with django_capture_on_commit_callbacks(execute=True):
        entity = create_entity_from_candidate(candidate=candidate)

    assert statuses(entity) == {
        origin.pk: "confirmed",
        **{story.pk: "suggested" for story in earlier},
    }
    relevance = dict(
        Suggestion.objects.filter(entity=entity).values_list("article_id", "relevance")
    )
    assert relevance == {
        origin.pk: "about",
        earlier[0].pk: "about",
        earlier[1].pk: "mentions",
        earlier[2].pk: "mentions",
    }
    # Only the editor's story is tagged; the others wait for the editor.
    assert list(
        ArticleEntity.objects.filter(tag=entity).values_list(
            "content_object_id", flat=True
        )
    ) == [origin.pk]


def test_the_rescan_runs_when_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    """The rescan waits for the new names to be committed."""
    story = ArticleFactory(body="<p>The Harbour Trust met.</p>")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        entity = EntityFactory(name="Harbour Trust")
        invalidate_matcher()
        rescan_archive_later(entity=entity)
        assert not Suggestion.objects.exists()

    assert statuses(entity) == {story.pk: "suggested"}


def test_a_rollback_queues_no_rescan(django_capture_on_commit_callbacks):
    """Names that were never committed are not looked for."""
    entity = EntityFactory()
    with (
        django_capture_on_commit_callbacks() as callbacks,
        contextlib.suppress(RuntimeError),
        transaction.atomic(),
    ):
        rescan_archive_later(entity=entity)
        raise RuntimeError
    assert callbacks == []


def test_no_names_changed_no_rescan(django_capture_on_commit_callbacks):
    """Told that none of an entity's names changed, nothing is queued."""
    entity = EntityFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        rescan_archive_later(entity=entity, names=[])
        rescan_archive_later(entity=entity, names=["  "])
    assert callbacks == []


def test_always_confirm_links_the_earlier_stories(
    editor_client, django_capture_on_commit_callbacks
):
    """An "always confirm" entity added in the admin tags every earlier story
    naming it, and their related lists show each other, never a draft."""
    published = [
        ArticleFactory(headline="Harbour Trust buys the docks"),
        ArticleFactory(body="<p>The Harbour Trust’s chairman resigned.</p>"),
        ArticleFactory(body="<p>Officials of the Harbour Trust met.</p>"),
    ]
    draft = ArticleFactory(draft=True, body="<p>The Harbour Trust, in draft.</p>")
    # An entity on every story would tell none of them apart.
    ArticleFactory.create_batch(5)
    for story in published:
        assert related_articles(story) == []

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            "/admin/entities/entity/add/",
            {
                "name": "Harbour Trust",
                "slug": "harbour-trust",
                "kind": "organization",
                "always_confirm": "on",
                "aliases-TOTAL_FORMS": "0",
                "aliases-INITIAL_FORMS": "0",
                "aliases-MIN_NUM_FORMS": "0",
                "aliases-MAX_NUM_FORMS": "1000",
            },
        )

    assert response.status_code == 302
    entity = Entity.objects.get(slug="harbour-trust")
    assert set(
        ArticleEntity.objects.filter(tag=entity).values_list(
            "content_object_id", flat=True
        )
    ) == {story.pk for story in [*published, draft]}
    assert statuses(entity)[draft.pk] == "confirmed"
    for story in published:
        assert set(related_articles(story)) == set(published) - {story}
        assert draft not in related_articles(story)
    assert related_articles(draft) == []


@pytest.mark.django_db(transaction=True)
def test_the_rescan_waits_for_the_worker_and_refreshes_related_lists(settings):
    """With django-tasks-db the rescan is queued for db_worker, which suggests the
    entity and queues a related-list refresh for each story it changed."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    stories = [
        ArticleFactory(headline="Harbour Trust buys the docks"),
        ArticleFactory(body="<p>The Harbour Trust’s chairman resigned.</p>"),
        ArticleFactory(body="<p>Officials of the Harbour Trust met.</p>"),
    ]
    unnamed = ArticleFactory(body="<p>Nobody met.</p>")
    origin = ArticleFactory(body="<p>The Harbour Trust denied it.</p>")
    suggest_entities(article=origin)
    DBTaskResult.objects.all().delete()

    entity = create_entity_from_candidate(
        candidate=origin.candidates.get(name="Harbour Trust")
    )

    assert list(
        DBTaskResult.objects.values_list("task_path", flat=True).order_by("task_path")
    ) == [RESCAN, REFRESH]
    assert statuses(entity) == {origin.pk: "confirmed"}

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert statuses(entity) == {
        origin.pk: "confirmed",
        **{story.pk: "suggested" for story in stories},
    }
    refreshed = [
        args_kwargs["args"][0]
        for args_kwargs in DBTaskResult.objects.filter(task_path=REFRESH).values_list(
            "args_kwargs", flat=True
        )
    ]
    assert sorted(refreshed) == sorted([origin.pk, *(s.pk for s in stories)])
    assert unnamed.pk not in refreshed
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {
        TaskResultStatus.SUCCESSFUL
    }
