from __future__ import annotations

import pytest
from django.core.management import call_command

from related.models import RelatedScore
from related.tasks import refresh_related_lists
from tests.factories import ArticleFactory, EntityFactory

pytestmark = pytest.mark.django_db


def test_task_refreshes_a_story_and_its_neighbours():
    """The background task stores a story's list and updates its neighbours'."""
    entity = EntityFactory()
    story, neighbour = ArticleFactory.create_batch(2, entities=[entity])
    result = refresh_related_lists.enqueue(story.pk)
    assert result.return_value == 1
    assert RelatedScore.objects.filter(article=story, target=neighbour).exists()
    assert RelatedScore.objects.filter(article=neighbour, target=story).exists()


def test_task_for_a_deleted_story_does_nothing():
    """A story deleted before its task runs is skipped."""
    assert refresh_related_lists.enqueue(987654).return_value == 0


@pytest.mark.django_db(transaction=True)
def test_database_backend_queues_until_the_worker_runs(settings):
    """With django-tasks-db, the update waits in the queue for db_worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    entity = EntityFactory()
    story, neighbour = ArticleFactory.create_batch(2, entities=[entity])
    refresh_related_lists.enqueue(story.pk)
    assert not RelatedScore.objects.exists()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert RelatedScore.objects.filter(article=neighbour, target=story).exists()
