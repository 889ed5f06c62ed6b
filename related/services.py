"""The related app's door: what other apps call when a story changes, and the
editor's two decisions about a pair of stories (pin, exclude).

Every writer of a story's entities, tags, text or status (the admin, publishing
and withdrawing, import, the entity services) calls `refresh_related_later`;
nothing else in this app needs to be known outside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction

from articles.models import Article
from related.models import RelatedExclusion, RelatedLink
from related.tasks import refresh_related_lists


@dataclass
class _Refresh:
    """The on-commit callback that queues one story's refresh.

    Found among the connection's pending callbacks by the next writer, so a
    transaction queues each story once however many writers ask.
    """

    article_id: int
    done: bool = False

    def __call__(self) -> None:
        self.done = True
        refresh_related_lists.enqueue(self.article_id)


def refresh_related_later(
    *, article: Article | None = None, article_ids: Iterable[int] = ()
) -> None:
    """Recompute the stored related stories around `article` (or each story in
    `article_ids`) in the background, once the current transaction commits.

    Call whenever a story's entities, tags, text or status change. A story is
    queued once per transaction, however many times this is called for it; a
    transaction that rolls back queues nothing.
    """
    ids = [article.pk] if article is not None else []
    ids += article_ids
    # The connection's pending on-commit callbacks (Django's own list, not a
    # documented API: a transaction that rolls back takes its callbacks with it,
    # which a set of our own could not follow). `done` marks a callback that
    # already ran but is still listed, as under captureOnCommitCallbacks.
    pending = {
        callback.article_id
        for _, callback, _ in connection.run_on_commit
        if isinstance(callback, _Refresh) and not callback.done
    }
    for article_id in dict.fromkeys(ids):
        if article_id not in pending:
            transaction.on_commit(_Refresh(article_id))


@transaction.atomic
def pin_related(*, article: Article, target: Article) -> RelatedLink:
    """Make `target` an editor's pick for `article`, after the existing picks.

    Pinning removes an exclusion of the same story. Raises ValidationError for
    the story itself.
    """
    link = RelatedLink(article=article, target=target)
    link.full_clean(
        exclude=["sort_order"], validate_unique=False, validate_constraints=False
    )
    last = (
        RelatedLink.objects.filter(article=article)
        .order_by("-sort_order")
        .values_list("sort_order", flat=True)
        .first()
    )
    link, _ = RelatedLink.objects.get_or_create(
        article=article,
        target=target,
        defaults={"sort_order": 0 if last is None else last + 1},
    )
    RelatedExclusion.objects.filter(article=article, target=target).delete()
    return link


@transaction.atomic
def exclude_related(*, article: Article, target: Article) -> RelatedExclusion:
    """Never suggest `target` next to `article` again (it may still be picked).

    Takes effect at once: the stored suggestion is dropped too.
    """
    exclusion = RelatedExclusion(article=article, target=target)
    exclusion.full_clean(validate_unique=False, validate_constraints=False)
    exclusion, _ = RelatedExclusion.objects.get_or_create(
        article=article, target=target
    )
    article.related_scores.filter(target=target).delete()
    return exclusion
