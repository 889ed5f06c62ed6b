"""The related app's door: what other apps call when a story changes, and the
editor's two decisions about a pair of stories (pin, exclude).

Every writer of a story's entities, tags, text or status (the admin, publishing
and withdrawing, import, the entity services) calls `refresh_related_later`;
nothing else in this app needs to be known outside it. A batch job that must
leave the lists fresh when it ends (`import_stories`) runs inside
`refresh_related_at_end`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import connection, transaction
from tqdm import tqdm

from articles import audit
from articles.models import Article
from related.models import RelatedExclusion, RelatedLink
from related.rebuild import batched, rebuild_related
from related.tasks import refresh_related_lists
from related.upkeep import refresh_related

# A full rebuild scores 17 to 38 stories in the time one story's refresh takes
# (bench/RESULTS.md, 10k to 1M stories: 384-1,035 stories/s against 37-54 ms a
# refresh; with text features, seed_corpus 10k on PostgreSQL: 206 stories/s
# against 165 ms, 34), so once more than one published story in 20 changed, one
# rebuild is faster than refreshing them one by one.
REBUILD_SHARE = 20
# Stories loaded per query when refreshing a batch (well under SQLite's limit
# on query parameters).
CHUNK = 500
# Below this many stories a progress bar is more noise than help.
PROGRESS_MIN_STORIES = 10

# The stories committed inside the innermost `refresh_related_at_end` block of
# this thread or task, or None outside one. A context variable rather than a
# module global, so concurrent requests and threads never see each other's.
_committed: ContextVar[dict[int, None] | None] = ContextVar(
    "related_committed", default=None
)


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
        committed = _committed.get()
        if committed is None:
            refresh_related_lists.enqueue(self.article_id)
        else:
            committed[self.article_id] = None


def refresh_related_later(
    *, article: Article | None = None, article_ids: Iterable[int] = ()
) -> None:
    """Recompute the stored related stories around `article` (or each story in
    `article_ids`) in the background, once the current transaction commits.

    Call whenever a story's entities, tags, text or status change. A story is
    queued once per transaction, however many times this is called for it; a
    transaction that rolls back queues nothing. Inside `refresh_related_at_end`
    the story is noted on commit instead, and refreshed when the block ends.
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


@dataclass
class EndOfRunRefresh:
    """What a `refresh_related_at_end` block did with the stories it saw commit."""

    # Committed stories in the order they committed (a dict as an ordered set).
    article_ids: dict[int, None] = field(default_factory=dict)
    refreshed: int = 0
    rebuilt: int | None = None  # published stories rebuilt, when it rebuilt
    queued: int = 0

    def summary(self) -> str:
        """One clause for a command's summary line."""
        parts = []
        if self.rebuilt is not None:
            parts.append(
                f"related lists rebuilt for all {_stories(self.rebuilt, 'published')}"
                f" ({len(self.article_ids)} changed)"
            )
        elif self.refreshed or not self.queued:
            parts.append(f"related lists refreshed for {_stories(self.refreshed)}")
        if self.queued:
            parts.append(
                f"{_stories(self.queued)} left to the task worker (manage.py db_worker)"
            )
        return "; ".join(parts)

    def _finish(self, *, progress: bool = False) -> None:
        """Refresh every committed story now: one by one, each in its own
        transaction, or with one `rebuild_related` when that is faster.

        Whatever stops it part way (Ctrl-C, a database error) first queues the
        stories still to do for the worker, then propagates.
        """
        ids = list(self.article_ids)
        if not ids:
            return
        progress = progress and sys.stderr.isatty()
        left = dict(self.article_ids)
        try:
            changed = sum(
                Article.objects.filter(
                    pk__in=chunk, status=Article.Status.PUBLISHED
                ).count()
                for chunk in batched(ids, CHUNK)
            )
            published = Article.objects.filter(status=Article.Status.PUBLISHED).count()
            if changed * REBUILD_SHARE > published:
                self.rebuilt = rebuild_related(progress=progress)
                self.refreshed = len(ids)
                left.clear()
                return
            bar = tqdm(
                total=len(ids),
                desc="Related stories",
                unit="story",
                file=sys.stderr,
                disable=not progress or len(ids) < PROGRESS_MIN_STORIES,
            )
            with bar:
                for chunk in batched(ids, CHUNK):
                    for article in Article.objects.filter(pk__in=chunk).order_by("pk"):
                        with transaction.atomic():
                            refresh_related(article)
                        self.refreshed += 1
                        del left[article.pk]
                    # Stories deleted since they committed need nothing.
                    for pk in chunk:
                        left.pop(pk, None)
                    bar.update(len(chunk))
        except BaseException:
            self._hand_over(left)
            raise

    def _hand_over(self, article_ids: Iterable[int]) -> None:
        """Queue `article_ids` for the worker, as if no block had been active."""
        for article_id in list(article_ids):
            refresh_related_lists.enqueue(article_id)
            self.queued += 1


@contextmanager
def refresh_related_at_end(*, progress: bool = False) -> Iterator[EndOfRunRefresh]:
    """Within the block, collect the stories `refresh_related_later` is asked
    about instead of queuing them, and refresh them in this process when it ends.

    For a batch job (`manage.py import_stories`) whose users expect fresh lists
    the moment it ends, whether or not a task worker runs. Each story is noted
    when its transaction commits, so what rolled back is skipped; if the block
    raises, what committed is still refreshed, and on Ctrl-C (or anything else
    that is not an Exception) it is queued for the worker instead so the job
    stops at once. Yields an `EndOfRunRefresh`, complete once the block has
    ended. Use it outside a transaction: stories that commit only after the
    block (an enclosing `atomic`) are queued for the worker as usual. Tasks
    other processes queued for the same stories are harmless.
    """
    run = EndOfRunRefresh()
    token = _committed.set(run.article_ids)
    interrupted = False
    try:
        yield run
    except BaseException as error:
        interrupted = not isinstance(error, Exception)
        raise
    finally:
        _committed.reset(token)
        if interrupted:
            run._hand_over(run.article_ids)
        else:
            run._finish(progress=progress)


def _stories(count: int, adjective: str = "") -> str:
    noun = "story" if count == 1 else "stories"
    return f"{count} {adjective} {noun}" if adjective else f"{count} {noun}"


def related_picks(article: Article) -> dict[str, list[str]]:
    """The editor's picks for `article` by headline: pinned stories in their
    order, and excluded ones (for the story's revisions)."""
    return {
        "pinned": list(
            RelatedLink.objects.filter(article=article)
            .order_by("sort_order", "pk")
            .values_list("target__headline", flat=True)
        ),
        "excluded": list(
            RelatedExclusion.objects.filter(article=article)
            .order_by("pk")
            .values_list("target__headline", flat=True)
        ),
    }


@transaction.atomic
def pin_related(*, article: Article, target: Article, by=None) -> RelatedLink:
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
    if by is not None:
        audit.record(audit.Action.PINNED, article=article, by=by, detail=str(target))
    return link


@transaction.atomic
def exclude_related(*, article: Article, target: Article, by=None) -> RelatedExclusion:
    """Never suggest `target` next to `article` again (it may still be picked).

    Takes effect at once: the stored suggestion is dropped too.
    """
    exclusion = RelatedExclusion(article=article, target=target)
    exclusion.full_clean(validate_unique=False, validate_constraints=False)
    exclusion, _ = RelatedExclusion.objects.get_or_create(
        article=article, target=target
    )
    article.related_scores.filter(target=target).delete()
    if by is not None:
        audit.record(audit.Action.EXCLUDED, article=article, by=by, detail=str(target))
    return exclusion
