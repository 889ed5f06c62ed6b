from __future__ import annotations

from django.contrib.sitemaps import Sitemap

from entities.models import Entity


class EntitySitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        # Only entities with a published story have a page worth indexing.
        return Entity.objects.with_published_stories().order_by("pk")
