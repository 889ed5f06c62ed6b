"""Taking new names to the archive: when an entity is created or gains a name,
find it in every earlier story, as if each of those stories had been saved again.

Stories that might name it are picked in the database
(`Article.objects.containing` every spelling the matcher accepts), read in
primary-key order a chunk at a time, and matched with the same matcher and
rules as `services.suggest_entities`. Run by `entities.tasks`; see
docs/entities.md, "The archive rescan".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from articles.html import html_to_text
from articles.models import Article, ArticleEntity
from entities import matcher
from entities.models import Alias, Candidate, Entity, Suggestion
from related.services import refresh_related_later

# Stories read, matched and written per transaction. Bodies are the bulk of a
# chunk: a few hundred stories are a few megabytes.
CHUNK_SIZE = 200
# Past this many spellings, one LIKE each on every row costs more than letting
# the matcher read every story (a gazetteer loaded in bulk).
PREFILTER_LIMIT = 60


@dataclasses.dataclass
class RescanResult:
    """What a rescan did: stories read and matched, and the rows it wrote."""

    stories_read: int = 0
    suggested: int = 0
    updated: int = 0
    confirmed: int = 0
    dropped: int = 0
    stories_changed: int = 0


def rescan_archive(
    *,
    entity_ids: Iterable[int],
    names: Iterable[str] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> RescanResult:
    """Bring every story's suggestions for the entities in `entity_ids` up to
    date with the gazetteer, whatever the story's status.

    A story that names an entity gets a suggestion with its count, first place
    and relevance, as `suggest_entities` would record it; an "always confirm"
    entity is confirmed and tagged. Rejected suggestions stay rejected and
    confirmed ones confirmed (with fresh counts); a waiting suggestion that the
    story no longer names is dropped. The related lists of the stories changed
    are refreshed. Running it again changes nothing.

    `names` are the names to look for: new and changed names and aliases, and
    the old ones they replace, so that suggestions found only by a name that
    is gone are dropped. By default every name and alias of the entities.

    Each chunk of `chunk_size` stories is read and written in its own
    transaction, so call it outside one (the task does) for the archive to be
    read a chunk at a time. Its queries grow with the number of chunks, not of
    stories.
    """
    result = RescanResult()
    entities = list(
        Entity.objects.filter(pk__in=list(entity_ids)).values_list(
            "pk", "always_confirm", "name"
        )
    )
    always = {pk: always_confirm for pk, always_confirm, _ in entities}
    if not always:
        return result
    known = {
        *(name for _, _, name in entities),
        *Alias.objects.filter(entity_id__in=always).values_list("name", flat=True),
    }
    # The same name is no longer unknown on any story.
    Candidate.objects.filter(name__in=known).delete()
    spellings = set().union(
        *(matcher.spellings(name) for name in (known if names is None else names))
    )
    if not spellings:
        return result
    stories = Article.objects.order_by("pk")
    if len(spellings) <= PREFILTER_LIMIT:
        stories = stories.containing(sorted(spellings))
    # Fresh: the names were committed a moment ago, perhaps by another process.
    current = matcher.get_matcher(recheck=True)
    after = 0
    while True:
        with transaction.atomic():
            chunk = list(
                stories.filter(pk__gt=after).values_list(
                    "pk", "headline", "dek", "body"
                )[:chunk_size]
            )
            if chunk:
                _rescan_chunk(chunk, always, current, result)
        if len(chunk) < chunk_size:
            return result
        after = chunk[-1][0]


def _rescan_chunk(
    chunk: list[tuple[int, str, str, str]],
    always: dict[int, bool],
    current: matcher.Matcher,
    result: RescanResult,
) -> None:
    """Match and write one chunk of stories; call inside a transaction."""
    result.stories_read += len(chunk)
    found: dict[tuple[int, int], matcher.Detection] = {}
    for pk, headline, dek, body in chunk:
        for detection in matcher.detect(
            headline, dek, html_to_text(body), matcher=current
        ):
            if detection.entity_id in always:
                found[pk, detection.entity_id] = detection
    ids = [row[0] for row in chunk]
    # Locked, so that an editor's decision made meanwhile is not overwritten.
    existing = {
        (s.article_id, s.entity_id): s
        for s in Suggestion.objects.select_for_update().filter(
            article_id__in=ids, entity_id__in=always
        )
    }
    tagged = set(
        ArticleEntity.objects.filter(
            content_object_id__in=ids, tag_id__in=always
        ).values_list("content_object_id", "tag_id")
    )

    new, changed, links = [], [], []
    for key, detection in found.items():
        article_id, entity_id = key
        suggestion = existing.get(key) or Suggestion(
            article_id=article_id, entity_id=entity_id
        )
        moved = suggestion.record_finding(**detection.finding())
        if suggestion.awaits_editor and (always[entity_id] or key in tagged):
            suggestion.status = Suggestion.Status.CONFIRMED
            moved = True
            if key not in tagged:
                links.append(
                    ArticleEntity(
                        content_object_id=article_id,
                        tag_id=entity_id,
                        relevance=suggestion.relevance,
                    )
                )
        if suggestion.pk is None:
            new.append(suggestion)
        elif moved:
            changed.append(suggestion)
    stale = [
        suggestion
        for key, suggestion in existing.items()
        if key not in found and suggestion.status == Suggestion.Status.SUGGESTED
    ]

    now = timezone.now()
    for suggestion in changed:
        suggestion.updated_at = now
    # An editor's save of the same story may have recorded it a moment ago.
    Suggestion.objects.bulk_create(new, ignore_conflicts=True)
    Suggestion.objects.bulk_update(
        changed, [*Suggestion.detection_fields, "updated_at"]
    )
    if stale:
        Suggestion.objects.filter(pk__in=[s.pk for s in stale]).delete()
    ArticleEntity.objects.bulk_create(links, ignore_conflicts=True)

    touched = {suggestion.article_id for suggestion in (*new, *changed, *stale)}
    result.suggested += len(new)
    result.updated += len(changed)
    result.confirmed += len(links)
    result.dropped += len(stale)
    result.stories_changed += len(touched)
    refresh_related_later(article_ids=sorted(touched))
