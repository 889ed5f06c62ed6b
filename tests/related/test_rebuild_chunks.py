"""`rebuild_related --background`: the archive counted once, the lists scored in
chunks by the task workers."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from related import scoring
from related.models import RelatedScore
from related.rebuild import rebuild_related, score_stories
from tests.conftest import run_worker
from tests.factories import ArticleFactory, EntityFactory

pytestmark = pytest.mark.django_db


def _archive():
    """Stories sharing entities and words in overlapping groups."""
    entities = EntityFactory.create_batch(6)
    stories = []
    for n in range(18):
        stories.append(
            ArticleFactory(
                entities=entities[n % 4 : n % 4 + 3],
                body=f"<p>The {['reservoir', 'harbour', 'stadium'][n % 3]} "
                f"{['collapse', 'strike', 'vote'][n % 3]} shook the town.</p>",
            )
        )
    return stories


def _lists() -> dict[int, list[tuple[int, float, dict]]]:
    lists: dict[int, list] = {}
    for row in RelatedScore.objects.order_by("article_id", "rank"):
        lists.setdefault(row.article_id, []).append(
            (row.target_id, round(row.score, 9), row.shared)
        )
    return lists


@pytest.mark.parametrize("budget", [scoring.POSTINGS_BUDGET, 1])
def test_chunks_give_the_lists_a_rebuild_gives(monkeypatch, budget):
    """Scoring the archive in chunks of any size stores what one rebuild does,
    also when most features only add to candidates found through rarer ones."""
    monkeypatch.setattr(scoring, "POSTINGS_BUDGET", budget)
    stories = _archive()
    rebuild_related()
    whole = _lists()
    assert whole
    for size in (1, 7, 100):
        RelatedScore.objects.all().delete()
        rebuild_related(score=False)
        assert not RelatedScore.objects.exists()
        ids = sorted(story.pk for story in stories)
        for start in range(0, len(ids), size):
            score_stories(ids[start : start + size])
        chunked = _lists()
        assert {a: [t for t, *_ in v] for a, v in chunked.items()} == {
            a: [t for t, *_ in v] for a, v in whole.items()
        }
        assert {a: [s for _, s, _ in v] for a, v in chunked.items()} == {
            a: [s for _, s, _ in v] for a, v in whole.items()
        }
        assert {a: [w["entities"] for *_, w in v] for a, v in chunked.items()} == {
            a: [w["entities"] for *_, w in v] for a, v in whole.items()
        }


def test_a_chunk_leaves_unpublished_stories_out():
    """A withdrawn or draft story in a chunk gets no list and is in none."""
    stories = _archive()
    withdrawn = ArticleFactory(withdrawn=True, entities=[])
    rebuild_related(score=False)
    score_stories([withdrawn.pk, *(story.pk for story in stories)])
    assert not RelatedScore.objects.filter(article=withdrawn).exists()
    assert not RelatedScore.objects.filter(target=withdrawn).exists()


@pytest.mark.django_db(transaction=True)
def test_background_rebuild_queues_chunks_for_the_workers(database_tasks):
    """The command counts the archive, queues one task per chunk, and the
    workers' lists are the in-process rebuild's."""
    _archive()
    rebuild_related()
    whole = {a: [t for t, *_ in v] for a, v in _lists().items()}
    RelatedScore.objects.all().delete()
    call_command("rebuild_related", "--background", "--batch-size", "5", verbosity=0)
    # The worker closes its connection as a real one does: a transactional test.
    published = Article.objects.filter(status=Article.Status.PUBLISHED).count()
    assert published >= 18
    assert DBTaskResult.objects.filter(
        task_path="related.tasks.rebuild_related_chunk"
    ).count() == -(-published // 5)
    assert not RelatedScore.objects.exists()
    run_worker()
    assert {a: [t for t, *_ in v] for a, v in _lists().items()} == whole
