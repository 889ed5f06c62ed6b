"""Writes that touch several rows or need a permission check: publish, withdraw,
delete, submit for review, preview links, crediting authors; and who may
change which story.

Importing a story is `articles.importers.run.import_story`, which publishes
through `publish_article`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from articles import audit
from articles.bylines import byline_names
from articles.models import Article, ArticleAuthor, Author, PreviewLink, format_time
from related.services import refresh_related_later

PUBLISH_PERMISSION = "articles.publish_article"
CHANGE_ANY_PERMISSION = "articles.change_any_article"
# The groups made by migration articles.0009_role_groups (docs/editors.md#roles).
REPORTER_ROLE, EDITOR_ROLE, ADMIN_ROLE = "Reporter", "Editor", "Admin"


def may_change_article(user, article: Article) -> bool:
    """Whether `user` may change `article`: any story with "Can edit stories
    others wrote" (editors), else only a draft they created (reporters)."""
    if not user.has_perm("articles.change_article"):
        return False
    return user.has_perm(CHANGE_ANY_PERMISSION) or (
        article.created_by_id == user.pk and article.status == Article.Status.DRAFT
    )


def may_delete_article(user, article: Article) -> bool:
    """Whether `user` may delete `article`: one they may change, and, when it is
    published (live or scheduled), only with the publish permission, since
    deleting it takes it down."""
    return (
        user.has_perm("articles.delete_article")
        and may_change_article(user, article)
        and (
            article.status != Article.Status.PUBLISHED
            or user.has_perm(PUBLISH_PERMISSION)
        )
    )


def may_share_preview(user, article: Article) -> bool:
    """Whether `user` may make or revoke preview links for `article`: sharing
    a story outside the newsroom is an editor's decision, as publishing is."""
    return user.has_perm(PUBLISH_PERMISSION) and may_change_article(user, article)


def check_publish_permission(by) -> None:
    """Raise PermissionDenied unless `by` may publish and withdraw stories.

    `by` None is the system itself (a command, the demo loader): always allowed.
    """
    if by is not None and not by.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied("You may not publish or withdraw stories.")


@transaction.atomic
def publish_article(
    *, article: Article, by=None, at: datetime.datetime | None = None
) -> Article:
    """Publish `article` at `at`, else at its own go-live time, else now.

    A future time schedules the story: readers see it from then on. Every path
    (the change form, the bulk action, imports) comes here, so a story
    scheduled for later is never published early by one that gives no time; a
    past time backdates it. A story that was published before keeps its first
    publication time once readers have seen it (`Article.first_publication`,
    kept by save()). Raises ValidationError, changing nothing, when the story
    would expire before it goes live or its lead picture has no alt text.
    """
    check_publish_permission(by)
    now = timezone.now()
    go_live_at = at or article.go_live_at or now
    article.check_expiry(go_live_at)
    article.check_lead_image()
    before = _publication_of(article)
    article.status = Article.Status.PUBLISHED
    article.go_live_at = go_live_at
    article.last_published_at = max(article.go_live_at, now)
    article.save()
    if before != _publication_of(article):
        scheduled = article.go_live_at > now
        audit.record(
            audit.Action.SCHEDULED if scheduled else audit.Action.PUBLISHED,
            article=article,
            by=by,
            detail=f"{'for' if scheduled else 'live since'} "
            f"{format_time(article.go_live_at)}",
        )
        # What readers see (or will) is the story's latest revision that is
        # not waiting as unpublished changes.
        latest = (
            article.revisions.exclude(pk=article.staged_revision_id).first()
            if article.pk
            else None
        )
        if latest is not None and latest.pk != article.live_revision_id:
            if latest.published_at is None:
                latest.published_at = max(article.go_live_at, now)
                latest.save(update_fields=["published_at"])
            Article.objects.filter(pk=article.pk).update(live_revision=latest)
            article.live_revision = latest
    refresh_related_later(article=article)
    return article


def _publication_of(article: Article) -> tuple:
    """The story's status and go-live time as stored (None for a new story)."""
    if article.pk is None:
        return (None, None)
    return (
        Article.objects.filter(pk=article.pk)
        .values_list("status", "go_live_at")
        .first()
    )


@transaction.atomic
def withdraw_article(*, article: Article, by=None) -> Article:
    """Take `article` off every public surface; partners see it as withdrawn."""
    check_publish_permission(by)
    was = _publication_of(article)[0]
    article.status = Article.Status.WITHDRAWN
    article.save()
    if was != Article.Status.WITHDRAWN:
        audit.record(audit.Action.WITHDREW, article=article, by=by)
    refresh_related_later(article=article)
    return article


@transaction.atomic
def delete_articles(*, articles: Iterable[Article], by=None) -> int:
    """Delete `articles`, all or none: PermissionDenied, naming the first
    story `by` may not delete, leaves every one of them in place. Returns how
    many were deleted. `by` None is the system itself."""
    articles = list(articles)
    for article in articles:
        if by is not None and not may_delete_article(by, article):
            reason = (
                "deleting it would take it down, which needs the permission to "
                "publish and withdraw stories"
                if article.status == Article.Status.PUBLISHED
                and may_change_article(by, article)
                else "you may not delete it"
            )
            raise PermissionDenied(f"“{article}” was not deleted: {reason}.")
    for article in articles:
        audit.record(
            audit.Action.DELETED,
            article=article,
            by=by,
            detail=f"was {article.get_status_display().lower()}, id {article.pk}",
        )
    Article.objects.filter(pk__in=[article.pk for article in articles]).delete()
    return len(articles)


@transaction.atomic
def submit_articles(*, articles: Iterable[Article], by) -> int:
    """Mark drafts ready for an editor, all or none: PermissionDenied for a
    story `by` may not change, ValidationError for one that is not a draft.
    A draft submitted before keeps its first submission time."""
    articles = list(articles)
    for article in articles:
        if not may_change_article(by, article):
            raise PermissionDenied(f"You may not submit “{article}”.")
        if article.status != Article.Status.DRAFT:
            raise ValidationError(
                f"“{article}” is {article.get_status_display().lower()}: only a "
                "draft can be submitted for review."
            )
    now = timezone.now()
    for article in articles:
        if article.submitted_at is None:
            audit.record(audit.Action.SUBMITTED, article=article, by=by)
        article.submitted_at = article.submitted_at or now
    Article.objects.bulk_update(articles, ["submitted_at"])
    return len(articles)


def create_preview_link(*, article: Article, by=None) -> PreviewLink:
    """A new preview link for `article`, valid for PREVIEW_LINK_DAYS days; for
    a live story, a link to its unpublished changes (the staged revision).

    PermissionDenied unless `by` may share the story's preview; ValidationError
    for a live story with no unpublished changes (share its page), one
    withdrawn, or one deleted."""
    if by is not None and not may_share_preview(by, article):
        raise PermissionDenied("You may not share a preview of this story.")
    if article.pk is None or not Article.objects.filter(pk=article.pk).exists():
        raise ValidationError("This story has been deleted: there is nothing to share.")
    revision = None
    if article.is_live:
        revision = article.staged_revision
        if revision is None:
            raise ValidationError("This story is live: share its public page instead.")
    if article.status == Article.Status.WITHDRAWN:
        raise ValidationError("A withdrawn story cannot be shared.")
    link = PreviewLink.objects.create(article=article, revision=revision, created_by=by)
    audit.record(
        audit.Action.SHARED_PREVIEW,
        article=article,
        by=by,
        revision=revision,
        detail="of its unpublished changes" if revision else "",
    )
    return link


def revoke_preview_link(*, link: PreviewLink, by=None) -> PreviewLink:
    """Make `link` stop working at once (PermissionDenied unless `by` may share
    the story's preview). Revoking a revoked link changes nothing."""
    if by is not None and not may_share_preview(by, link.article):
        raise PermissionDenied("You may not revoke this story's preview links.")
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit.record(audit.Action.REVOKED_PREVIEW, article=link.article, by=by)
    return link


@transaction.atomic
def credit_byline_authors(*, article: Article, create: bool = False) -> list[Author]:
    """Credit `article` with the authors its free-text byline names, in the
    byline's order (`Author.objects.named_in`); with `create`, each name no
    author has becomes a new author first (the admin's "Create authors from
    bylines"). A story already credited with authors is left as it is: an
    editor's choice stands. The byline itself is kept. Returns the authors
    credited now."""
    if article.author_links.exists():
        return []
    authors = {
        author.name.casefold(): author
        for author in Author.objects.named_in(article.byline)
    }
    credited = []
    for name in byline_names(article.byline):
        author = authors.get(name.casefold())
        if author is None and create:
            author = authors[name.casefold()] = Author.objects.create(
                name=name, slug=_free_author_slug(name)
            )
        if author is not None and author not in credited:
            credited.append(author)
    for position, author in enumerate(credited):
        ArticleAuthor.objects.create(article=article, author=author, position=position)
    return credited


def _free_author_slug(name: str) -> str:
    length = Author._meta.get_field("slug").max_length
    base = slugify(name)[: length - 4].strip("-") or "author"
    slug, number = base, 1
    while Author.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug
