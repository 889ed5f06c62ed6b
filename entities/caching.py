"""The cached pages a change to an entity clears (newsroom.pagecache; the tags
are described in articles.caching): its own page and every page showing its
name. Saves that change nothing readers see (`always_confirm`, the matcher's
bookkeeping) clear nothing. Changes partners can see (to an entity with a
published story) are recorded for the API's Last-Modified (PublicChange)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from articles.caching import note_if_public, remember_public
from articles.models import PublicChange
from entities.models import Entity
from newsroom import pagecache

# What entity pages, story pages and lists show of an entity.
SHOWN = ("name", "slug", "kind", "description", "wikidata_id")


def _shown(entity: Entity) -> tuple:
    return tuple(getattr(entity, name) for name in SHOWN)


@receiver(pre_save, sender=Entity)
@receiver(pre_delete, sender=Entity)
def _remember_entity(sender, instance: Entity, **kwargs) -> None:
    if instance.pk is not None:
        stored = Entity.objects.filter(pk=instance.pk).values_list(*SHOWN).first()
        instance._page_shown_before = stored
        # The matcher's bookkeeping saves often and shows nothing: no query.
        if kwargs["signal"] is pre_delete or stored != _shown(instance):
            remember_public(instance, Entity.objects.with_published_stories())


@receiver(post_save, sender=Entity)
@receiver(post_delete, sender=Entity)
def _entity_changed(sender, instance: Entity, **kwargs) -> None:
    if kwargs.get("created"):
        return
    before = instance.__dict__.pop("_page_shown_before", None)
    if (
        "signal" in kwargs
        and kwargs["signal"] is post_save
        and before == _shown(instance)
    ):
        return
    pk = instance.pk
    pagecache.bump(
        {f"entity:{pk}", f"entity-name:{pk}", "entity-names", "feeds", "sitemap"}
    )
    public = Entity.objects.with_published_stories()
    note_if_public(instance, public, PublicChange.Scope.ENTITIES, **kwargs)
