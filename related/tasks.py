"""Background work, run by `manage.py db_worker` (django-tasks-db)."""

from __future__ import annotations

from django_tasks import task

from articles.models import Article
from related.rebuild import score_stories
from related.upkeep import refresh_related


@task()
def refresh_related_lists(article_id: int) -> int:
    """Recompute the stored related stories of a story and of its neighbours."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return 0
    return refresh_related(article)


@task()
def rebuild_related_chunk(story_ids: list[int]) -> int:
    """Recompute the stored lists of a chunk of stories after
    `rebuild_related --background` has counted the archive."""
    return score_stories(story_ids)
