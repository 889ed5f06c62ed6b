from __future__ import annotations

from django.contrib.sitemaps import Sitemap

from articles.models import Article, Section
from entities.models import Entity


class ArticleSitemap(Sitemap):
    changefreq = "daily"
    limit = 5000

    def items(self):
        return Article.objects.published().only("slug", "go_live_at", "updated_at")

    def lastmod(self, item: Article):
        return item.updated_at


class SectionSitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return Section.objects.all()


class EntitySitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        # Only entities with a published story have a page worth indexing.
        return (
            Entity.objects.filter(articles__in=Article.objects.published())
            .distinct()
            .order_by("pk")
        )


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "entities": EntitySitemap,
}
