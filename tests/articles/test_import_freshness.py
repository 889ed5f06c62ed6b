"""After an import, related stories are fresh: at once from `import_stories`,
through the task worker from the admin's import page.

Tasks are queued in the database as in production (not run at once, as the rest
of the suite does), so a list left to the worker is empty until `run_worker()`.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from articles.models import Article, ImportJob
from related import services
from related.serving import related_articles
from tests.conftest import run_worker
from tests.related.helpers import ARCHIVE_SIZE, archive_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("database_tasks"),
]

STORIES = {
    "hall.json": {
        "uri": "urn:example:hall",
        "headline": "Ada Lovelace opens the engine hall",
        "firstcreated": "2025-03-01T09:00:00Z",
        "people": [{"name": "Ada Lovelace", "rel": "about"}],
        "organisations": [{"name": "Analytical Society"}],
        "subjects": [{"name": "Engines"}],
    },
    "crowds.json": {
        "uri": "urn:example:crowds",
        "headline": "Crowds queue for Ada Lovelace's engine hall",
        "firstcreated": "2025-03-02T09:00:00Z",
        "people": [{"name": "Ada Lovelace", "rel": "about"}],
        "organisations": [{"name": "Analytical Society"}],
        "subjects": [{"name": "Engines"}],
    },
}


@pytest.fixture
def folder(tmp_path):
    """Two wire stories about the same person, organisation and topic, for a
    desk with an archive of others (the `archive` fixture skips transactional
    tests)."""
    archive_of(ARCHIVE_SIZE)
    for name, item in STORIES.items():
        (tmp_path / name).write_text(json.dumps(item))
    return tmp_path


def import_stories(*args: str) -> str:
    stdout = StringIO()
    call_command("import_stories", *args, stdout=stdout, stderr=StringIO())
    return stdout.getvalue().strip().splitlines()[-1]


def queued() -> int:
    return DBTaskResult.objects.filter(
        task_path="related.tasks.refresh_related_lists"
    ).count()


def stories() -> tuple[Article, Article]:
    return (
        Article.objects.get(source_key="urn:example:hall"),
        Article.objects.get(source_key="urn:example:crowds"),
    )


def test_a_desk_sees_related_stories_without_a_worker(folder):
    """Straight after `import_stories`, with no worker running, each imported
    story's page lists the other."""
    summary = import_stories(str(folder), "--status", "published")

    hall, crowds = stories()
    page = Client().get(hall.get_absolute_url())
    published = ARCHIVE_SIZE + 2
    assert "Related stories" in page.text
    assert crowds.headline.replace("'", "&#x27;") in page.text
    assert related_articles(crowds) == [hall]
    assert queued() == 0
    assert summary == (
        "2 created, 0 updated, 0 rejected; "
        f"related lists rebuilt for all {published} published stories (2 changed)"
    )


def test_into_a_large_archive_each_story_is_refreshed(folder):
    """Into an archive many times the size of the batch, the command refreshes
    the imported stories one by one instead of rebuilding every list."""
    archive_of(2 * services.REBUILD_SHARE)

    summary = import_stories(str(folder), "--status", "published")

    hall, crowds = stories()
    assert related_articles(hall) == [crowds]
    assert related_articles(crowds) == [hall]
    assert queued() == 0
    assert summary.endswith("; related lists refreshed for 2 stories")


def test_defer_refresh_leaves_the_lists_to_the_worker(folder):
    """With --defer-refresh the lists stay empty until the worker has run."""
    summary = import_stories(str(folder), "--status", "published", "--defer-refresh")

    hall, crowds = stories()
    assert queued() == 2
    assert related_articles(hall) == []
    assert crowds.headline not in Client().get(hall.get_absolute_url()).text
    assert summary.endswith(
        "; related lists left to the task worker (manage.py db_worker)"
    )
    run_worker()
    assert related_articles(hall) == [crowds]


def test_an_admin_import_queues_the_refresh_for_the_worker(folder, editor_client):
    """The admin's import page answers at once and leaves the lists to the worker."""
    response = editor_client.post(
        reverse("admin:articles_article_import"),
        {
            "status": "published",
            "files": [
                SimpleUploadedFile(path.name, path.read_bytes())
                for path in sorted(folder.iterdir())
            ],
        },
    )

    assert response.status_code == 200
    assert "Import finished: 2 created, 0 updated, 0 rejected." in response.text
    hall, crowds = stories()
    assert sorted(
        task.args_kwargs["args"][0]
        for task in DBTaskResult.objects.filter(
            task_path="related.tasks.refresh_related_lists"
        )
    ) == sorted([hall.pk, crowds.pk])
    assert related_articles(hall) == []
    run_worker()
    assert related_articles(hall) == [crowds]
    assert related_articles(crowds) == [hall]


def test_a_background_admin_import_runs_in_the_worker_with_a_progress_page(
    folder, editor_client, settings
):
    """Past the size threshold the upload goes to the task worker: the request
    returns at once to a progress page, which shows the counts and report when
    the worker has run, and the stories' related lists are fresh by then."""
    settings.IMPORT_BACKGROUND_BYTES = 10
    response = editor_client.post(
        reverse("admin:articles_article_import"),
        {
            "status": "published",
            "files": [
                SimpleUploadedFile(path.name, path.read_bytes())
                for path in sorted(folder.iterdir())
            ],
        },
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse(
        "admin:articles_article_import_job", kwargs={"job_id": job.pk}
    )
    assert not Article.objects.filter(source_key__startswith="urn:example").exists()
    waiting = editor_client.get(response.url)
    assert "Waiting for the task worker" in waiting.text
    assert '<meta http-equiv="refresh"' in waiting.text

    run_worker()

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.created, job.updated, job.rejected) == (2, 0, 0)
    assert not job.files.exists()
    hall, crowds = stories()
    assert related_articles(hall) == [crowds]
    assert queued() == 0
    page = editor_client.get(response.url)
    assert "Finished" in page.text
    assert '<meta http-equiv="refresh"' not in page.text
    assert "2 created, 0 updated, 0 rejected; related lists" in page.text
    assert hall.headline in page.text
