from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from taggit.models import Tag

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


class TagSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        # A tag only drafts carry has no public page.
        return (
            Tag.objects.filter(articles__in=Article.objects.published())
            .distinct()
            .order_by("pk")
        )

    def location(self, item: Tag) -> str:
        return reverse("articles:tag", kwargs={"slug": item.slug})


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "entities": EntitySitemap,
    "tags": TagSitemap,
}
