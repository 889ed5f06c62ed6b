"""Writes that touch several rows or need a permission check: publish, withdraw,
import one story."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Section, Thread
from entities.models import Entity
from entities.services import suggest_entities
from related.services import refresh_related_later

if TYPE_CHECKING:
    from articles.importers import EntityRef, StoryData

PUBLISH_PERMISSION = "articles.publish_article"


def _check_permission(by) -> None:
    if by is not None and not by.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied("You may not publish or withdraw stories.")


@transaction.atomic
def publish_article(
    *, article: Article, by=None, at: datetime.datetime | None = None
) -> Article:
    """Publish `article` now, or schedule it for `at` when that is in the future.

    A story that was published before keeps its first publication time.
    """
    _check_permission(by)
    now = timezone.now()
    article.status = Article.Status.PUBLISHED
    if at is not None:
        article.go_live_at = at
    elif article.go_live_at is None or article.go_live_at > now:
        article.go_live_at = now
    article.first_published_at = article.first_published_at or article.go_live_at
    article.last_published_at = max(article.go_live_at, now)
    article.save()
    refresh_related_later(article=article)
    return article


@transaction.atomic
def withdraw_article(*, article: Article, by=None) -> Article:
    """Take `article` off every public surface; partners see it as withdrawn."""
    _check_permission(by)
    article.status = Article.Status.WITHDRAWN
    article.save()
    refresh_related_later(article=article)
    return article


@transaction.atomic
def import_story(
    *,
    story: StoryData,
    status: str = Article.Status.DRAFT,
    section: Section | None = None,
    published_at: datetime.datetime | None = None,
    confirm_entities: bool = False,
    by=None,
) -> tuple[Article, bool]:
    """Create the story, or update the one imported before under its source key.

    Returns the article and whether it was created. With `status` published the
    story is published through `publish_article` at `published_at`, else at the
    source's own publication time, else now; a draft import never unpublishes a
    story that was published since. The slug, tags and entities an editor added
    are kept. Entities the matcher finds become suggestions, confirmed at once
    with `confirm_entities`. Raises ValidationError when the story does not fit
    the model, and
    PermissionDenied when `by` may not publish.
    """
    publish = status == Article.Status.PUBLISHED
    if publish:
        _check_permission(by)
    article = (
        Article.objects.select_for_update().filter(source_key=story.source_key).first()
    )
    created = article is None
    if created:
        article = Article(source_key=story.source_key)
    article.headline = story.headline
    article.dek = story.dek
    article.body = story.body_html
    article.byline = story.byline
    article.dateline = story.dateline
    article.language = story.language
    article.source_name = story.source_name
    article.source_url = story.source_url
    if section is not None:
        article.section = section
    if story.thread:
        article.thread = thread_named(story.thread)
    if (
        not publish
        and published_at is not None
        and article.status == Article.Status.DRAFT
    ):
        article.go_live_at = published_at
    article.full_clean(exclude=["slug"])
    tag_max_length = Tag._meta.get_field("name").max_length
    if too_long := [tag for tag in story.tags if len(tag) > tag_max_length]:
        raise ValidationError(
            {"tags": f"“{too_long[0]}” is longer than {tag_max_length} characters."}
        )
    article.save()
    article.tags.add(*story.tags)
    for ref in story.entities:
        article.entities.add(
            _entity_for(ref), through_defaults={"relevance": ref.relevance}
        )
    suggest_entities(article=article, confirm=confirm_entities)
    if publish:
        publish_article(article=article, by=by, at=published_at or story.published_at)
    return article, created


def _entity_for(ref: EntityRef) -> Entity:
    """The entity `ref` names: by Wikidata ID, then by name or alias, else new."""
    if ref.wikidata_id and (
        entity := Entity.objects.filter(wikidata_id=ref.wikidata_id).first()
    ):
        return entity
    entity = (
        Entity.objects.filter(kind=ref.kind, name__iexact=ref.name).first()
        or Entity.objects.filter(kind=ref.kind, aliases__name__iexact=ref.name).first()
    )
    if entity is None:
        entity = Entity(kind=ref.kind, name=ref.name, wikidata_id=ref.wikidata_id)
        try:
            entity.clean_fields(exclude=["slug"])
        except ValidationError as error:
            raise ValidationError(
                {"entities": [f"“{ref.name}”: {m}" for m in error.messages]}
            ) from error
        entity.save()
    elif ref.wikidata_id and not entity.wikidata_id:
        entity.wikidata_id = ref.wikidata_id
        entity.save(update_fields=["wikidata_id", "updated_at"])
    return entity


def thread_named(title_or_slug: str) -> Thread:
    """The thread with this slug or title, created with that title if none has."""
    thread = (
        Thread.objects.filter(slug=title_or_slug).first()
        or Thread.objects.filter(title__iexact=title_or_slug).first()
    )
    if thread is None:
        thread = Thread.objects.create(title=title_or_slug)
    return thread
