"""An entity's latest published stories as RSS and Atom (entities/urls.py)."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404

from articles.feeds import AtomVariant, LatestStoriesFeed
from entities.models import Entity


class EntityFeed(LatestStoriesFeed):
    """Every published story about or mentioning an entity, newest first."""

    def get_object(self, request, slug: str) -> Entity:
        # An entity known only from drafts has no public page, nor feed.
        return get_object_or_404(Entity.objects.with_published_stories(), slug=slug)

    def title(self, obj: Entity) -> str:
        return f"{settings.SITE_NAME}: {obj.name}"

    def link(self, obj: Entity) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Entity) -> str:
        return f"The latest published stories about {obj.name}."

    def stories(self, obj: Entity):
        return super().stories().filter(entity_links__tag=obj)


class EntityAtomFeed(AtomVariant, EntityFeed):
    pass
