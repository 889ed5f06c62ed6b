"""A queue that nothing consumes is noticed: by `manage.py check --database
default` and by a banner on every admin page."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsroom.admin import NewsroomAdminSite
from newsroom.taskqueue import stale_tasks
from related.tasks import refresh_related_lists
from tests.conftest import run_worker

pytestmark = pytest.mark.django_db

BANNER = 'id="stale-tasks-warning"'


def age(minutes: float) -> None:
    """Make every queued task `minutes` old."""
    DBTaskResult.objects.update(
        enqueued_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


def check() -> str:
    """`manage.py check --database default --tag database`, failing on warnings."""
    stderr = StringIO()
    try:
        call_command(
            "check",
            "--database",
            "default",
            "--tag",
            "database",
            "--fail-level",
            "WARNING",
            stdout=StringIO(),
            stderr=stderr,
        )
    except SystemCheckError as error:
        return str(error)
    return ""


@pytest.mark.usefixtures("database_tasks")
class TestStaleTasks:
    def test_a_task_waiting_past_the_limit_is_stale(self):
        """Tasks ready for longer than TASKS_STALE_AFTER are counted, oldest first."""
        refresh_related_lists.enqueue(1)
        refresh_related_lists.enqueue(2)
        assert stale_tasks() is None
        age(6)
        stale = stale_tasks()
        assert stale is not None
        assert stale.count == 2
        assert timezone.now() - stale.oldest > datetime.timedelta(minutes=6)
        assert "2 background tasks have waited more than 5 minutes" in str(stale)

    def test_the_limit_comes_from_the_setting(self, settings):
        """TASKS_STALE_AFTER sets the limit in seconds; 0 turns the warning off."""
        refresh_related_lists.enqueue(1)
        age(6)
        settings.TASKS_STALE_AFTER = 600
        assert stale_tasks() is None
        settings.TASKS_STALE_AFTER = 0
        assert stale_tasks() is None
        settings.TASKS_STALE_AFTER = 60
        assert stale_tasks().count == 1

    def test_a_task_deferred_until_recently_is_not_stale(self):
        """A task counts from when it may run, not from when it was queued."""
        refresh_related_lists.using(
            run_after=timezone.now() - datetime.timedelta(minutes=1)
        ).enqueue(1)
        age(30)
        assert stale_tasks() is None

    # The worker closes the connection between tasks: commit for real.
    @pytest.mark.django_db(transaction=True)
    def test_tasks_a_worker_ran_are_not_stale(self):
        """Once the worker has run them, old tasks no longer count."""
        refresh_related_lists.enqueue(987654)
        age(30)
        assert stale_tasks() is not None
        run_worker()
        assert DBTaskResult.objects.get().status == "SUCCESSFUL"
        assert stale_tasks() is None


def test_nothing_is_stale_without_a_database_backend():
    """With tasks run at once (the suite's default) nothing can wait."""
    DBTaskResult.objects.create(
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="related.tasks.refresh_related_lists",
        backend_name="default",
        run_after=timezone.now() - datetime.timedelta(hours=1),
    )
    age(30)
    assert stale_tasks() is None


@pytest.mark.usefixtures("database_tasks")
def test_the_database_check_warns_of_a_queue_nothing_consumes():
    """`check --database default` is clean while tasks are fresh, and warns
    (newsroom.W002) once one has waited too long."""
    refresh_related_lists.enqueue(1)
    assert check() == ""
    age(10)
    report = check()
    assert "newsroom.W002" in report
    assert "manage.py db_worker" in report
    # Checks that need no database stay quiet about the queue.
    call_command("check", "--fail-level", "WARNING", stdout=StringIO())


def test_admin_site_is_the_newsrooms():
    """`admin.site`, where every app registers, is the project's admin site."""
    assert isinstance(admin.site._wrapped, NewsroomAdminSite)


@pytest.mark.usefixtures("database_tasks")
def test_every_admin_page_warns_of_stale_tasks(editor_client):
    """Editors see a warning on every admin page while tasks wait for a worker."""
    refresh_related_lists.enqueue(1)
    index = reverse("admin:index")
    stories = reverse("admin:articles_article_changelist")
    assert BANNER not in editor_client.get(index).text
    age(10)
    for url in (index, stories, reverse("admin:articles_article_import")):
        page = editor_client.get(url).text
        assert BANNER in page
        assert "Related stories are not being updated" in page
        assert "1 background task has waited 10" in " ".join(page.split())


@pytest.mark.usefixtures("database_tasks")
def test_those_who_may_see_the_queue_get_a_link_to_it(editor_client, admin_client):
    """The warning links to the waiting tasks for staff allowed to view them."""
    refresh_related_lists.enqueue(1)
    age(10)
    queue = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    link = f'href="{queue}?status__exact=READY"'
    assert link not in editor_client.get(reverse("admin:index")).text
    assert link in admin_client.get(reverse("admin:index")).text
    assert admin_client.get(f"{queue}?status__exact=READY").status_code == 200


@pytest.mark.usefixtures("database_tasks")
def test_the_login_page_says_nothing_of_the_queue(client):
    """Visitors who are not logged in learn nothing about the queue."""
    refresh_related_lists.enqueue(1)
    age(10)
    page = client.get(reverse("admin:login"))
    assert page.status_code == 200
    assert BANNER not in page.text
