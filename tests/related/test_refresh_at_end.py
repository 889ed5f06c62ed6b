"""`refresh_related_at_end`: a batch job leaves fresh related lists when it ends.

These tests commit for real (a story is noted when its transaction commits) and
queue tasks in the database as production does, so a refresh left to the worker
shows as a queued task and an empty list until `run_worker()`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from articles.importers import EntityRef, StoryData, import_story
from articles.models import Article
from related import services
from related.services import EndOfRunRefresh, refresh_related_at_end
from related.serving import related_articles
from tests.conftest import run_worker
from tests.factories import ArticleFactory, EntityFactory
from tests.related.helpers import ARCHIVE_SIZE, archive_of

# Requested by name (not by the django_db mark) so that fixtures can tell.
pytestmark = pytest.mark.usefixtures("transactional_db", "database_tasks")

ADA = EntityRef(name="Ada Lovelace", kind="person")


def queued() -> list[int]:
    """The stories whose refresh waits in the database for a worker."""
    return sorted(
        task.args_kwargs["args"][0]
        for task in DBTaskResult.objects.ready().filter(
            task_path="related.tasks.refresh_related_lists"
        )
    )


def story(key: str, headline: str = "Ada Lovelace opens the engine hall") -> StoryData:
    return StoryData(
        headline=headline, source_key=f"wire:{key}", entities=[ADA], tags=["Engines"]
    )


def publish(data: StoryData) -> Article:
    article, _ = import_story(story=data, status=Article.Status.PUBLISHED)
    return article


@pytest.fixture
def ada():
    """A published story about Ada Lovelace, among enough others that one more
    story is refreshed by itself rather than by a rebuild."""
    archive_of(services.REBUILD_SHARE + 5)
    return ArticleFactory(
        headline="Ada Lovelace's notes go on show",
        entities=[EntityFactory(name="Ada Lovelace")],
        tags=["Engines"],
    )


def test_the_lists_are_fresh_when_the_block_ends(ada):
    """Stories imported in the block are refreshed, one by one, when it ends, and
    nothing is left for a worker."""
    with refresh_related_at_end() as run:
        new = publish(story("1"))
        assert related_articles(ada) == []
    assert related_articles(ada) == [new]
    assert related_articles(new) == [ada]
    assert list(run.article_ids) == [new.pk]
    assert (run.refreshed, run.rebuilt, run.queued) == (1, None, 0)
    assert run.summary() == "related lists refreshed for 1 story"
    assert queued() == []


def test_without_the_block_the_lists_wait_for_the_worker(ada):
    """Outside the block the same import queues a task, and the lists stay empty
    until a worker runs it."""
    new = publish(story("1"))
    assert queued() == [new.pk]
    assert related_articles(ada) == []
    run_worker()
    assert related_articles(ada) == [new]


def test_a_story_is_refreshed_once_however_often_it_is_asked_for(ada):
    """The door still notes a story once per transaction, and once per block."""
    with refresh_related_at_end() as run:
        with transaction.atomic():
            services.refresh_related_later(article=ada)
            services.refresh_related_later(article_ids=[ada.pk, ada.pk])
            assert (
                sum(
                    isinstance(callback, services._Refresh)
                    for _, callback, _ in connection.run_on_commit
                )
                == 1
            )
        services.refresh_related_later(article=ada)
    assert list(run.article_ids) == [ada.pk]
    assert run.refreshed == 1


def test_a_batch_large_against_the_archive_is_rebuilt_in_one_go():
    """When many of the published stories changed, one rebuild refreshes all."""
    # The `archive` fixture skips transactional tests: make one.
    archive_of(ARCHIVE_SIZE)
    older = ArticleFactory(
        headline="Ada Lovelace's notes go on show",
        entities=[EntityFactory(name="Ada Lovelace")],
    )
    published = ARCHIVE_SIZE + 3
    assert published < 2 * services.REBUILD_SHARE, "too large an archive to rebuild"
    with refresh_related_at_end() as run:
        first = publish(story("1"))
        second = publish(story("2", "Ada Lovelace's engine hall draws crowds"))
    assert run.rebuilt == published
    assert run.summary() == (
        f"related lists rebuilt for all {published} published stories (2 changed)"
    )
    assert set(related_articles(older)) == {first, second}
    assert set(related_articles(first)) == {older, second}
    assert queued() == []


def test_drafts_do_not_count_towards_a_rebuild(ada):
    """A batch of drafts is refreshed story by story, however large."""
    with refresh_related_at_end() as run:
        for n in range(3):
            import_story(story=story(f"draft-{n}"))
    assert (run.refreshed, run.rebuilt) == (3, None)
    assert related_articles(ada) == []


def run_failing(
    work: Callable[[], None], error: type[BaseException]
) -> EndOfRunRefresh:
    """Run `work` inside the block, expecting `error` out of it; what the block did."""
    runs: list[EndOfRunRefresh] = []

    def job() -> None:
        with refresh_related_at_end() as run:
            runs.append(run)
            work()

    with pytest.raises(error):
        job()
    return runs[0]


def test_what_committed_is_refreshed_when_the_block_raises(ada):
    """A failing job still refreshes the stories it committed, and skips what
    rolled back."""
    imported = []

    def work() -> None:
        imported.append(publish(story("1")))
        with transaction.atomic():
            imported.append(publish(story("2", "Ada Lovelace's engine rolls back")))
            transaction.set_rollback(True)
        raise RuntimeError

    run = run_failing(work, RuntimeError)
    new, rolled_back = imported
    assert list(run.article_ids) == [new.pk]
    assert not Article.objects.filter(pk=rolled_back.pk).exists()
    assert related_articles(ada) == [new]
    assert queued() == []


def test_ctrl_c_in_the_block_leaves_the_stories_to_the_worker(ada):
    """Interrupted, the job stops at once and queues what it committed."""
    imported = []

    def work() -> None:
        imported.append(publish(story("1")))
        raise KeyboardInterrupt

    run = run_failing(work, KeyboardInterrupt)
    [new] = imported
    assert (run.refreshed, run.queued) == (0, 1)
    assert queued() == [new.pk]
    assert related_articles(ada) == []
    run_worker()
    assert related_articles(ada) == [new]


def test_ctrl_c_during_the_refresh_queues_what_is_left(ada):
    """Interrupted while refreshing, the job queues every story it had not
    finished, so none is left stale."""
    imported = []

    def interrupt(execute, sql, params, many, context):
        # Ctrl-C arriving as the first related list is written.
        if imported and "related_relatedscore" in sql:
            raise KeyboardInterrupt
        return execute(sql, params, many, context)

    def work() -> None:
        first = publish(story("1"))
        second = publish(story("2", "Ada Lovelace's engine hall draws crowds"))
        imported.extend([first, second])

    with connection.execute_wrapper(interrupt):
        run = run_failing(work, KeyboardInterrupt)
    assert run.refreshed == 0
    assert run.queued == 2
    assert queued() == sorted(article.pk for article in imported)
    assert "2 stories left to the task worker" in run.summary()


def test_inside_a_transaction_the_stories_go_to_the_worker(ada):
    """Stories that commit only after the block are queued as usual."""
    with transaction.atomic(), refresh_related_at_end() as run:
        new = publish(story("1"))
    assert run.refreshed == 0
    assert queued() == [new.pk]
