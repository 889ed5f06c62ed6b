from __future__ import annotations

from django.db import models

from articles.sitemaps import StoryPagesSitemap, latest_story
from entities.models import Entity


class EntitySitemap(StoryPagesSitemap):
    changefreq = "daily"

    def items(self):
        # Only entities with a published story have a page worth indexing.
        return (
            Entity.objects.with_published_stories()
            .annotate(
                latest_story=latest_story(entity_links__tag=models.OuterRef("pk"))
            )
            .order_by("pk")
        )
