"""Writes about entities: suggestions from the matcher, confirming, merging,
finding or creating the entity an imported story names.

This module is the door through which `articles` reaches entity behaviour.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.db import transaction

from articles import audit
from articles.html import html_to_text
from articles.models import Article, ArticleEntity
from entities import matcher
from entities.models import Alias, Candidate, Entity, EntityRedirect, Suggestion
from entities.tasks import rescan_archive_for_entities
from related.services import refresh_related_later

# The matcher finds names of any length; the rows keep what their columns hold.
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
        moved = suggestion.record_finding(**detection.finding())
        if suggestion.awaits_editor and (
            confirm or entity_id in always or entity_id in tagged
        ):
            to_confirm.append(suggestion)
            suggestion.status = Suggestion.Status.CONFIRMED
            moved = True
        current.append(suggestion)
        if suggestion.pk is None:
            new.append(suggestion)
        elif moved:
            # Re-saving an unchanged story writes nothing.
            changed.append(suggestion)

    Suggestion.objects.bulk_create(new)
    Suggestion.objects.bulk_update(changed, Suggestion.detection_fields)
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
def confirm_suggestion(*, suggestion: Suggestion, by=None) -> Suggestion:
    """Tag the story with the suggested entity, so readers see the link.
    `by` (None: the system) is recorded in the audit trail."""
    suggestion.status = Suggestion.Status.CONFIRMED
    suggestion.save(update_fields=["status", "updated_at"])
    ArticleEntity.objects.update_or_create(
        content_object=suggestion.article,
        tag=suggestion.entity,
        defaults={"relevance": suggestion.relevance},
    )
    if by is not None:
        audit.record(
            audit.Action.CONFIRMED_ENTITY,
            article=suggestion.article,
            by=by,
            detail=f"{suggestion.entity} ({suggestion.get_relevance_display()})",
        )
    refresh_related_later(article=suggestion.article)
    return suggestion


@transaction.atomic
def reject_suggestion(*, suggestion: Suggestion, by=None) -> Suggestion:
    """Drop the suggestion for good: it will not come back for this story."""
    suggestion.status = Suggestion.Status.REJECTED
    suggestion.save(update_fields=["status", "updated_at"])
    if by is not None:
        audit.record(
            audit.Action.REJECTED_ENTITY,
            article=suggestion.article,
            by=by,
            detail=str(suggestion.entity),
        )
    ArticleEntity.objects.filter(
        content_object=suggestion.article, tag=suggestion.entity
    ).delete()
    refresh_related_later(article=suggestion.article)
    return suggestion


@transaction.atomic
def create_entity_from_candidate(
    *, candidate: Candidate, kind: str | None = None, by=None
) -> Entity:
    """Make a new entity from a candidate name and confirm it on the story.

    The suggestion records what the matcher finds, so the story is *about* the
    entity when it is in the headline or standfirst or named often, as for any
    detected entity. Every other story that names it gets a suggestion in the
    background (`rescan_archive_later`).
    """
    kind = kind or candidate.kind
    entity, _ = Entity.objects.get_or_create(name=candidate.name, kind=kind)
    matcher.invalidate_matcher()
    article = candidate.article
    suggestion = Suggestion.objects.filter(
        article=article, entity=entity
    ).first() or Suggestion(article=article, entity=entity)
    detection = next(
        (
            detection
            for detection in matcher.detect(
                article.headline, article.dek, html_to_text(article.body)
            )
            if detection.entity_id == entity.pk
        ),
        None,
    )
    if detection is not None:
        suggestion.record_finding(**detection.finding())
    else:
        # Found by the candidate finder but not as the matcher spells it (a
        # non-breaking space inside the name): what the candidate counted.
        suggestion.record_finding(
            count=candidate.mention_count,
            first_field=Suggestion.Field.BODY,
            first_offset=0,
            relevance=matcher.relevance(Suggestion.Field.BODY, candidate.mention_count),
            alias=candidate.name,
        )
    suggestion.status = Suggestion.Status.CONFIRMED
    suggestion.save()
    ArticleEntity.objects.get_or_create(
        content_object=article,
        tag=entity,
        defaults={"relevance": suggestion.relevance},
    )
    if by is not None:
        audit.record(
            audit.Action.CREATED_ENTITY,
            article=article,
            by=by,
            detail=f"{entity} ({entity.get_kind_display()})",
        )
    # The same name is no longer unknown on any story.
    Candidate.objects.filter(name=candidate.name).delete()
    refresh_related_later(article=article)
    rescan_archive_later(entity=entity)
    return entity


@transaction.atomic
def dismiss_candidate(*, candidate: Candidate, by=None) -> Candidate:
    """Stop proposing `candidate`'s name on its story."""
    candidate.dismissed = True
    candidate.save(update_fields=["dismissed"])
    if by is not None:
        audit.record(
            audit.Action.DISMISSED_CANDIDATE,
            article=candidate.article,
            by=by,
            detail=candidate.name,
        )
    return candidate


def rescan_archive_later(
    *,
    entity: Entity | None = None,
    entity_ids: Iterable[int] = (),
    names: Iterable[str] | None = None,
) -> None:
    """Find `entity` (or each entity in `entity_ids`) in every story of the
    archive in the background, once the current transaction commits: new
    suggestions, tags for an "always confirm" entity, refreshed related lists
    (see `entities.rescan.rescan_archive`).

    Call after creating an entity or changing its names or aliases. `names`
    are the names that changed, new and old; every name and alias of the
    entities by default. No names, no rescan. A transaction that rolls back
    queues nothing.
    """
    ids = sorted({*([entity.pk] if entity is not None else []), *entity_ids})
    if names is not None:
        names = sorted({name for name in names if name.strip()})
        if not names:
            return
    if ids:
        transaction.on_commit(partial(rescan_archive_for_entities.enqueue, ids, names))


@transaction.atomic
def merge_entities(*, keep: Entity, merge: Iterable[Entity]) -> Entity:
    """Fold each entity in `merge` into `keep`: tags, suggestions, aliases, URL.

    The merged entities are deleted; their pages redirect permanently to `keep`.
    The related lists of the stories that carried them are refreshed, and the
    archive is rescanned for the names `keep` gained.
    """
    moved_names: set[str] = set()
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
        moved_names |= names
    matcher.invalidate_matcher()
    # Counts on stories that named both, and stories scanned before the merged
    # entity existed.
    rescan_archive_later(entity=keep, names=moved_names)
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
