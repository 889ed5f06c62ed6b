"""Serving a story's related list: the one read every public surface makes."""

from __future__ import annotations

import json
from collections.abc import Collection

from django.db import connection

from articles.models import Article
from related.models import RelatedExclusion, RelatedLink, RelatedScore
from related.scoring import RELATED_LIMIT


def related_articles(
    article: Article,
    limit: int = RELATED_LIMIT,
    *,
    leave_out: Collection[int] = (),
) -> list[Article]:
    """Published stories related to `article`, editor picks first in their order.

    Never `article` itself, never a story the editor excluded, and never a story
    readers cannot see, even when an editor picked it or it was stored before it
    was withdrawn. `leave_out` names stories the caller already shows (the story
    page's thread boxes): they are skipped in the query, picks included, so the
    next stories take their places. Costs two queries whatever the size of the list.
    """
    entries = related_entries(article, limit, with_shared=False, leave_out=leave_out)
    return [entry["article"] for entry in entries]


def related_entries(
    article: Article,
    limit: int = RELATED_LIMIT,
    *,
    with_shared: bool = True,
    leave_out: Collection[int] = (),
) -> list[dict]:
    """`related_articles` with why: each entry has `article`, `picked`, `score`
    (None for a pick) and `shared` ({"entities": [{id, name, weight}], "tags":
    [{name, weight}]}, empty for a pick). Costs two queries.
    """
    pk = article.pk
    # The story's three short lists (picks, exclusions, stored suggestions;
    # a dozen rows at most) in one indexed read, then the stories they name
    # that readers may see. Two plain queries cost a fraction of one query
    # that joins them, and the archive's size never shows.
    picks, excluded, scores, shared = {}, set(), {}, {}
    for target, kind, value, why in _story_lists(pk, with_shared):
        if kind == PICK:
            picks[target] = value
        elif kind == EXCLUDED:
            excluded.add(target)
        else:
            scores[target] = value
            shared[target] = why
    candidates = (picks.keys() | scores.keys() - excluded) - {pk, *leave_out}
    if not candidates:
        return []
    stories = Article.objects.published().filter(pk__in=candidates)
    if with_shared:
        stories = stories.select_related("section", "thread")
    else:
        # The story page shows a headline, a link, a section and a date.
        stories = stories.select_related("section").only(
            "headline", "slug", "go_live_at", "created_at", "section__name"
        )

    def order(story: Article) -> tuple:
        if story.pk in picks:
            return (0, picks[story.pk], story.pk)
        return (1, -scores[story.pk], story.pk)

    entries = []
    for story in sorted(stories, key=order)[:limit]:
        picked = story.pk in picks
        why = shared.get(story.pk) or {}
        if isinstance(why, str):
            why = json.loads(why)
        entries.append(
            {
                "article": story,
                "picked": picked,
                "score": None if picked else scores[story.pk],
                "shared": {} if picked else why,
            }
        )
    return entries


PICK, EXCLUDED, SCORED = 0, 1, 2

# Written out rather than built with the ORM: this runs for every story page
# and API read, and building a three-way UNION of annotated querysets costs
# several times what the database then spends answering it. Only the related
# app's own tables; who may see a story stays in `Article.objects.published()`.
STORY_LISTS = f"""
    SELECT target_id, {SCORED}, score, {{shared}}
      FROM {RelatedScore._meta.db_table} WHERE article_id = %s
    UNION ALL
    SELECT target_id, {PICK}, sort_order, NULL
      FROM {RelatedLink._meta.db_table} WHERE article_id = %s
    UNION ALL
    SELECT target_id, {EXCLUDED}, 0, NULL
      FROM {RelatedExclusion._meta.db_table} WHERE article_id = %s
"""


def _story_lists(pk: int, with_shared: bool) -> list[tuple]:
    """(target id, PICK/EXCLUDED/SCORED, sort order or score, shared or None)
    for each of story `pk`'s picks, exclusions and stored suggestions."""
    sql = STORY_LISTS.format(shared="shared" if with_shared else "NULL")
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk, pk, pk])
        return cursor.fetchall()
