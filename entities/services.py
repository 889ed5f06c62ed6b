"""Writes about entities: suggestions from the matcher, confirming, merging,
finding or creating the entity an imported story names.

This module is the door through which `articles` reaches entity behaviour.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from articles.html import html_to_text
from articles.models import Article, ArticleEntity
from entities import matcher
from entities.models import Alias, Candidate, Entity, EntityRedirect, Suggestion
from related.services import refresh_related_later

# The matcher finds names of any length; the rows keep what their columns hold.
SUGGESTION_ALIAS_LENGTH = Suggestion._meta.get_field("alias").max_length
CANDIDATE_NAME_LENGTH = Candidate._meta.get_field("name").max_length


@transaction.atomic
def suggest_entities(*, article: Article, confirm: bool = False) -> list[Suggestion]:
    """Record what the matcher finds in `article` as suggestions for the editor.

    Rejected suggestions stay rejected; confirmed ones stay confirmed with fresh
    counts; suggestions no longer found are dropped. With `confirm`, or for an
    entity marked "always confirm", a suggestion is confirmed at once. Unknown
    capitalised names become new-entity candidates. Call after `article` is saved.
    """
    body_text = html_to_text(article.body)
    detections = matcher.detect(article.headline, article.dek, body_text)
    found = {detection.entity_id: detection for detection in detections}
    existing = {s.entity_id: s for s in article.suggestions.all()}
    tagged = set(article.entity_links.values_list("tag_id", flat=True))
    always = set(
        Entity.objects.filter(pk__in=found, always_confirm=True).values_list(
            "pk", flat=True
        )
    )

    new, changed, to_confirm, current = [], [], [], []
    for entity_id, detection in found.items():
        suggestion = existing.get(entity_id) or Suggestion(
            article=article, entity_id=entity_id
        )
        before = _suggestion_state(suggestion)
        suggestion.mention_count = detection.count
        suggestion.first_field = detection.first_field
        suggestion.first_offset = detection.first_offset
        suggestion.relevance = detection.relevance
        suggestion.alias = detection.alias[:SUGGESTION_ALIAS_LENGTH]
        if suggestion.status != Suggestion.Status.REJECTED and (
            confirm or entity_id in always or entity_id in tagged
        ):
            if suggestion.status != Suggestion.Status.CONFIRMED:
                to_confirm.append(suggestion)
            suggestion.status = Suggestion.Status.CONFIRMED
        current.append(suggestion)
        if suggestion.pk is None:
            new.append(suggestion)
        elif _suggestion_state(suggestion) != before:
            # Re-saving an unchanged story writes nothing.
            changed.append(suggestion)

    Suggestion.objects.bulk_create(new)
    Suggestion.objects.bulk_update(
        changed,
        [
            "mention_count",
            "first_field",
            "first_offset",
            "relevance",
            "alias",
            "status",
        ],
    )
    article.suggestions.filter(status=Suggestion.Status.SUGGESTED).exclude(
        entity_id__in=found
    ).delete()
    if confirmed := [
        ArticleEntity(content_object=article, tag_id=s.entity_id, relevance=s.relevance)
        for s in to_confirm
        if s.entity_id not in tagged
    ]:
        ArticleEntity.objects.bulk_create(confirmed)
        refresh_related_later(article=article)
    _record_candidates(article, body_text)
    return current


def _suggestion_state(suggestion: Suggestion) -> tuple:
    return (
        suggestion.mention_count,
        suggestion.first_field,
        suggestion.first_offset,
        suggestion.relevance,
        suggestion.alias,
        suggestion.status,
    )


def _record_candidates(article: Article, body_text: str) -> None:
    text = "\n\n".join([article.headline, article.dek, body_text])
    stored = list(
        article.candidates.values_list("name", "kind", "mention_count", "dismissed")
    )
    dismissed = {name for name, _, _, is_dismissed in stored if is_dismissed}
    found = {
        (candidate.name[:CANDIDATE_NAME_LENGTH], candidate.kind, candidate.count)
        for candidate in matcher.find_candidates(text)
        if candidate.name[:CANDIDATE_NAME_LENGTH] not in dismissed
    }
    if found == {row[:3] for row in stored if not row[3]}:
        return
    article.candidates.filter(dismissed=False).delete()
    Candidate.objects.bulk_create(
        [
            Candidate(article=article, name=name, kind=kind, mention_count=count)
            for name, kind, count in sorted(found)
        ],
        ignore_conflicts=True,
    )


def resolve_entity(*, name: str, kind: str, wikidata_id: str = "") -> Entity:
    """The entity a source names: by Wikidata ID, then by name or alias of that
    kind (case ignored), else a new one.

    An entity found by name without a Wikidata ID is given `wikidata_id`.
    Raises ValidationError, and creates nothing, when a new entity's name, kind
    or Wikidata ID does not fit the model. Call inside a transaction when the
    entity is for a story being written.
    """
    if wikidata_id and (
        entity := Entity.objects.filter(wikidata_id=wikidata_id).first()
    ):
        return entity
    entity = (
        Entity.objects.filter(kind=kind, name__iexact=name).first()
        or Entity.objects.filter(kind=kind, aliases__name__iexact=name).first()
    )
    if entity is None:
        entity = Entity(kind=kind, name=name, wikidata_id=wikidata_id)
        entity.clean_fields(exclude=["slug"])
        entity.save()
    elif wikidata_id and not entity.wikidata_id:
        entity.wikidata_id = wikidata_id
        entity.save(update_fields=["wikidata_id", "updated_at"])
    return entity


@transaction.atomic
def confirm_suggestion(*, suggestion: Suggestion) -> Suggestion:
    """Tag the story with the suggested entity, so readers see the link."""
    suggestion.status = Suggestion.Status.CONFIRMED
    suggestion.save(update_fields=["status", "updated_at"])
    ArticleEntity.objects.update_or_create(
        content_object=suggestion.article,
        tag=suggestion.entity,
        defaults={"relevance": suggestion.relevance},
    )
    refresh_related_later(article=suggestion.article)
    return suggestion


@transaction.atomic
def reject_suggestion(*, suggestion: Suggestion) -> Suggestion:
    """Drop the suggestion for good: it will not come back for this story."""
    suggestion.status = Suggestion.Status.REJECTED
    suggestion.save(update_fields=["status", "updated_at"])
    ArticleEntity.objects.filter(
        content_object=suggestion.article, tag=suggestion.entity
    ).delete()
    refresh_related_later(article=suggestion.article)
    return suggestion


@transaction.atomic
def create_entity_from_candidate(
    *, candidate: Candidate, kind: str | None = None
) -> Entity:
    """Make a new entity from a candidate name and confirm it on the story."""
    kind = kind or candidate.kind
    entity, _ = Entity.objects.get_or_create(name=candidate.name, kind=kind)
    matcher.invalidate_matcher()
    article = candidate.article
    suggestion, _ = Suggestion.objects.update_or_create(
        article=article,
        entity=entity,
        defaults={
            "status": Suggestion.Status.CONFIRMED,
            "mention_count": candidate.mention_count,
            "alias": candidate.name,
            "relevance": ArticleEntity.Relevance.MENTIONS,
        },
    )
    ArticleEntity.objects.get_or_create(
        content_object=article,
        tag=entity,
        defaults={"relevance": suggestion.relevance},
    )
    # The same name is no longer unknown on any story.
    Candidate.objects.filter(name=candidate.name).delete()
    refresh_related_later(article=article)
    return entity


@transaction.atomic
def merge_entities(*, keep: Entity, merge: Iterable[Entity]) -> Entity:
    """Fold each entity in `merge` into `keep`: tags, suggestions, aliases, URL.

    The merged entities are deleted; their pages redirect permanently to `keep`.
    The related lists of the stories that carried them are refreshed.
    """
    for other in merge:
        if other.pk == keep.pk:
            continue
        refresh_related_later(
            article_ids=ArticleEntity.objects.filter(tag=other).values_list(
                "content_object_id", flat=True
            )
        )
        _move_links(keep, other)
        _move_suggestions(keep, other)
        names = {other.name, *other.aliases.values_list("name", flat=True)}
        other.aliases.all().delete()
        taken = set(
            Alias.objects.filter(kind=keep.kind, name__in=names).values_list(
                "name", flat=True
            )
        )
        Alias.objects.bulk_create(
            [
                Alias(entity=keep, name=name, kind=keep.kind)
                for name in sorted(names - taken - {keep.name})
            ]
        )
        EntityRedirect.objects.filter(entity=other).update(entity=keep)
        old_slug = other.slug
        other.delete()
        EntityRedirect.objects.update_or_create(
            old_slug=old_slug, defaults={"entity": keep}
        )
    matcher.invalidate_matcher()
    return keep


def _move_links(keep: Entity, other: Entity) -> None:
    keep_links = {
        link.content_object_id: link for link in ArticleEntity.objects.filter(tag=keep)
    }
    for link in ArticleEntity.objects.filter(tag=other):
        kept = keep_links.get(link.content_object_id)
        if kept is None:
            link.tag = keep
            link.save(update_fields=["tag"])
            continue
        if link.relevance == ArticleEntity.Relevance.ABOUT:
            kept.relevance = ArticleEntity.Relevance.ABOUT
            kept.save(update_fields=["relevance"])
        link.delete()


def _move_suggestions(keep: Entity, other: Entity) -> None:
    on_keep = set(
        Suggestion.objects.filter(entity=keep).values_list("article_id", flat=True)
    )
    Suggestion.objects.filter(entity=other, article_id__in=on_keep).delete()
    Suggestion.objects.filter(entity=other).update(entity=keep)
