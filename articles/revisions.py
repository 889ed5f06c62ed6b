"""Revisions of stories, and staged edits to live ones (docs/editors.md).

Every save of a story keeps a `Revision`: its text, credits and tags as saved,
with snapshots of its entities and related-story picks, so the history can
show what each save changed and bring back any version.

A save of a *live* story changes nothing readers see: the new version waits as
the story's `staged_revision` ("Live, with unpublished changes") until an
editor publishes it, at once or at a scheduled time. Every public surface
reads the story's own row, which only `publish_revision` (and the publishing
paths of `articles.services`) write, so staged text cannot leak.

Entity links, authors, related-story picks and corrections are not staged:
each takes effect when made (authors with the story form's save, as the
entities inline does), is snapshotted in every revision so the history shows
its changes, and is not brought back by a restore. Entity links and
corrections are also recorded in the audit trail (`articles.audit`). The
free-text byline, a field of the story, is staged like the text.

Why a revision model of our own rather than django-reversion: reversion
records what was saved to the row, while staging needs a version that is
*not* in the row, with its own publication state and time, and preview links
that point at it; Wagtail keeps its own Revision model for the same reason.
"""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django_tasks import default_task_backend, task
from taggit.models import Tag

from articles import audit
from articles.models import (
    Article,
    ArticleEntity,
    Revision,
    Section,
    Thread,
    format_time,
)
from articles.services import check_publish_permission, may_change_article
from entities.services import suggest_entities
from images.models import Image
from related.services import refresh_related_later, related_picks

logger = logging.getLogger(__name__)

# The story's fields a revision keeps and a restore brings back, with `tags`.
# Status and times are the publishing box's, not the text's: they are not
# staged (changing them is publishing, withdrawing or rescheduling).
STAGED_FIELDS = (
    "headline",
    "slug",
    "dek",
    "body",
    "byline",
    "dateline",
    "lead_image",
    "section",
    "language",
    "thread",
    "source_name",
    "source_url",
)
_FOREIGN_KEYS = {"section": Section, "thread": Thread, "lead_image": Image}


def content_of(article: Article) -> dict:
    """What a revision of `article` keeps: its staged fields as they are on the
    instance (foreign keys as ids), its tags, and snapshots of its entity
    links, authors (in order) and related-story picks as stored."""
    content = {
        name: getattr(article, Article._meta.get_field(name).attname)
        for name in STAGED_FIELDS
    }
    staged_tags = getattr(article, "_staged_tags", None)
    content["tags"] = sorted(
        staged_tags if staged_tags is not None else article.tags.names()
    )
    content["entities"] = [
        [link.tag_id, link.tag.name, link.relevance]
        for link in article.entity_links.select_related("tag").order_by("tag__name")
    ]
    content["authors"] = [
        [link.author_id, link.author.name]
        for link in article.author_links.select_related("author").order_by(
            "position", "pk"
        )
    ]
    content["related"] = related_picks(article)
    return content


def overlay(article: Article, content: dict) -> Article:
    """Put `content`'s staged fields and tags onto `article` in memory (the
    story form shows them; a preview renders them). Nothing is saved."""
    for name in STAGED_FIELDS:
        if name in content:
            setattr(article, Article._meta.get_field(name).attname, content[name])
    if "tags" in content:
        article._staged_tags = list(content["tags"])
    return article


def staged_copy(article: Article, revision: Revision | None = None) -> Article:
    """`article` as readers would see it with `revision` (else its staged
    revision) published: a copy in memory, with the revision's tags in place
    of the stored ones for templates."""
    revision = revision or article.staged_revision
    if revision is None:
        return article
    copy = Article.objects.get(pk=article.pk) if article.pk else article
    for name in ("_prefetched_objects_cache", "_state"):
        if name in article.__dict__:
            copy.__dict__[name] = article.__dict__[name]
    overlay(copy, revision.content)
    tags = Tag.objects.filter(name__in=revision.content.get("tags", [])).order_by(
        "name"
    )
    copy.__dict__.setdefault("_prefetched_objects_cache", {})
    copy._prefetched_objects_cache = {**copy._prefetched_objects_cache, "tags": tags}
    return copy


def changed_between(old: dict, new: dict) -> list[str]:
    """The names whose values differ between two revisions' content."""
    names = (*STAGED_FIELDS, "tags", "entities", "authors", "related")
    return [name for name in names if old.get(name) != new.get(name)]


def next_number(article: Article) -> int:
    latest = article.revisions.aggregate(latest=Max("number"))["latest"]
    return (latest or 0) + 1


@transaction.atomic
def record_revision(
    article: Article,
    *,
    by=None,
    note: str = "",
    content: dict | None = None,
    skip_unchanged: bool = False,
) -> Revision | None:
    """Keep a revision of `article` as it is now (or of `content`). When the
    story is published (live or scheduled), this is the revision readers see:
    it becomes the story's live revision. With `skip_unchanged` (re-imports),
    nothing is kept when the content is its last revision's: None."""
    # Numbers are given one save at a time.
    Article.objects.select_for_update().filter(pk=article.pk).first()
    kept = content if content is not None else content_of(article)
    previous = article.revisions.only("content").first()
    if skip_unchanged and previous is not None and previous.content == kept:
        return None
    revision = Revision.objects.create(
        article=article,
        number=next_number(article),
        content=kept,
        changed=changed_between(previous.content, kept) if previous else [],
        note=note[: Revision._meta.get_field("note").max_length],
        created_by=by if by is not None and by.pk else None,
    )
    if content is None and article.status == Article.Status.PUBLISHED:
        revision.published_at = max(
            article.go_live_at or timezone.now(), revision.created_at
        )
        revision.save(update_fields=["published_at"])
        Article.objects.filter(pk=article.pk).update(live_revision=revision)
        article.live_revision = revision
    return revision


@transaction.atomic
def stage_changes(
    article: Article, *, content: dict, by=None, note: str = "Unpublished changes"
) -> Revision:
    """Save `content` as `article`'s unpublished changes, readers seeing none
    of it. Changes already scheduled stay scheduled, now with this text. The
    story's row is not saved: its last-modified time does not move, and its
    edit version does (a form opened before is out of date)."""
    previous = article.staged_revision
    revision = record_revision(article, by=by, note=note, content=content)
    if previous is not None and previous.go_live_at and not previous.published_at:
        revision.go_live_at = previous.go_live_at
        revision.save(update_fields=["go_live_at"])
        _publish_later(revision)
    Article.objects.filter(pk=article.pk).update(
        staged_revision=revision,
        edit_version=F("edit_version") + 1,
        edited_by=by if by is not None and by.pk else None,
    )
    article.refresh_from_db(fields=["staged_revision", "edit_version", "edited_by"])
    return revision


def content_with(article: Article, **changes) -> dict:
    """`article`'s content (its unpublished changes if any) with `changes`."""
    if article.staged_revision is not None:
        content = dict(article.staged_revision.content)
    else:
        content = content_of(article)
    content.update(changes)
    return content


@transaction.atomic
def publish_revision(
    *, revision: Revision, by=None, at: datetime.datetime | None = None
) -> Revision:
    """Make `revision`, a live story's unpublished changes, what readers see:
    now, or at `at` when that is later (the task worker publishes it then).

    PermissionDenied unless `by` may publish; ValidationError, changing
    nothing, when the revision is not the story's unpublished changes or no
    longer fits the story (its address taken by another story since)."""
    check_publish_permission(by)
    article = Article.objects.select_for_update().get(pk=revision.article_id)
    if by is not None and not may_change_article(by, article):
        raise PermissionDenied("You may not change this story.")
    if article.staged_revision_id != revision.pk:
        raise ValidationError(
            f"Revision {revision.number} is not this story's unpublished changes "
            "(they were published, discarded or saved again since)."
        )
    now = timezone.now()
    if at is not None and at > now:
        revision.go_live_at = at
        revision.save(update_fields=["go_live_at"])
        _publish_later(revision)
        audit.record(
            audit.Action.SCHEDULED_CHANGES,
            article=article,
            by=by,
            revision=revision,
            detail=f"revision {revision.number} for {format_time(at)}",
        )
        return revision
    apply_content(article, revision.content)
    article.check_lead_image()
    article.staged_revision = None
    article.live_revision = revision
    article.edited_by = by if by is not None and by.pk else article.edited_by
    article.save()
    _save_tags(article, revision.content)
    _add_pending_entities(article, revision.content)
    revision.published_at = now
    revision.go_live_at = None
    revision.save(update_fields=["published_at", "go_live_at"])
    audit.record(
        audit.Action.PUBLISHED_CHANGES,
        article=article,
        by=by,
        revision=revision,
        detail=f"revision {revision.number}",
    )
    _after_text_change(article)
    return revision


@transaction.atomic
def discard_changes(*, article: Article, by=None) -> Revision | None:
    """Drop a live story's unpublished changes: readers see no difference,
    and the revision stays in the history (it can be restored)."""
    if by is not None and not may_change_article(by, article):
        raise PermissionDenied("You may not change this story.")
    revision = article.staged_revision
    if revision is None:
        return None
    Article.objects.filter(pk=article.pk).update(staged_revision=None)
    article.staged_revision = None
    if revision.go_live_at:
        revision.go_live_at = None
        revision.save(update_fields=["go_live_at"])
    audit.record(
        audit.Action.DISCARDED_CHANGES,
        article=article,
        by=by,
        revision=revision,
        detail=f"revision {revision.number}",
    )
    return revision


@transaction.atomic
def restore_revision(*, revision: Revision, by=None) -> tuple[Revision, list[str]]:
    """Bring back `revision`'s text, credits and tags as a new revision;
    nothing is lost. For a live story the new revision is staged, for readers
    to see once an editor publishes it; otherwise the story takes it at once.
    Returns the new revision and warnings (a thread or section since deleted
    is left as it is now). PermissionDenied unless `by` may change the story."""
    article = Article.objects.select_for_update().get(pk=revision.article_id)
    if by is not None and not may_change_article(by, article):
        raise PermissionDenied("You may not change this story.")
    content, warnings = _restorable(article, revision)
    note = f"Restored from revision {revision.number}"
    if article.is_live:
        new = stage_changes(
            article, content=content_with(article, **content), by=by, note=note
        )
    else:
        apply_content(article, content)
        article.staged_revision = None
        article.edited_by = by if by is not None and by.pk else article.edited_by
        article.full_clean()
        article.save()
        _save_tags(article, content)
        new = record_revision(article, by=by, note=note)
        _after_text_change(article)
    audit.record(
        audit.Action.RESTORED,
        article=article,
        by=by,
        revision=new,
        detail=f"revision {revision.number}, as revision {new.number}",
    )
    return new, warnings


def apply_content(article: Article, content: dict) -> None:
    """Write `content` onto `article` to be saved, checking it still fits:
    ValidationError when it does not (nothing is saved here)."""
    overlay(article, content)
    article._staged_tags = None
    article.full_clean()


def publish_due_revisions(now: datetime.datetime | None = None) -> int:
    """Publish every staged revision whose time has come (the task worker
    does this at each revision's time; `manage.py publish_scheduled` too).
    A revision that no longer fits its story is left staged and logged."""
    now = now or timezone.now()
    due = Revision.objects.filter(
        go_live_at__lte=now,
        published_at__isnull=True,
        article__staged_revision=F("pk"),
    ).order_by("go_live_at", "pk")
    published = 0
    for revision in due:
        try:
            publish_revision(revision=revision)
        except ValidationError as error:
            logger.warning(
                "Scheduled revision %s of story %s not published: %s",
                revision.number,
                revision.article_id,
                " ".join(error.messages),
            )
        else:
            published += 1
    return published


def _restorable(article: Article, revision: Revision) -> tuple[dict, list[str]]:
    content = {
        name: revision.content[name]
        for name in (*STAGED_FIELDS, "tags")
        if name in revision.content
    }
    warnings = []
    for name, model in _FOREIGN_KEYS.items():
        pk = content.get(name)
        if pk is not None and not model.objects.filter(pk=pk).exists():
            current = getattr(article, Article._meta.get_field(name).attname)
            content[name] = current
            warnings.append(
                f"The {name} of revision {revision.number} has since been deleted; "
                f"the story keeps its {name} as it is now."
            )
    slug = content.get("slug")
    if slug and Article.objects.exclude(pk=article.pk).filter(slug=slug).exists():
        content["slug"] = article.slug
        warnings.append(
            f"The address of revision {revision.number} ({slug}) is now another "
            "story's; the story keeps its address as it is now."
        )
    return content, warnings


def _save_tags(article: Article, content: dict) -> None:
    if "tags" in content:
        article.tags.set(content["tags"])


def _add_pending_entities(article: Article, content: dict) -> None:
    # Entities a staged import named (articles.importers.run): linked when the
    # text that names them goes live.
    for entity_id, relevance in content.get("pending_entities", []):
        ArticleEntity.objects.get_or_create(
            content_object=article, tag_id=entity_id, defaults={"relevance": relevance}
        )


def _after_text_change(article: Article) -> None:
    suggest_entities(article=article)
    refresh_related_later(article=article)


def _publish_later(revision: Revision) -> None:
    """Queue the revision's publication for its time, where the task backend
    can wait (the database backend can); without one, `publish_scheduled`
    (or the next worker's `publish_due_revisions`) publishes it."""
    if not default_task_backend.supports_defer:
        return
    transaction.on_commit(
        lambda: publish_scheduled_revisions.using(
            run_after=revision.go_live_at
        ).enqueue()
    )


@task()
def publish_scheduled_revisions() -> int:
    """Publish the unpublished changes whose scheduled time has come (queued
    for each revision's time; any due then are published, so a revision
    rescheduled or superseded meanwhile is handled by its own run)."""
    return publish_due_revisions()
