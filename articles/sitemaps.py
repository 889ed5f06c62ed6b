from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from taggit.models import Tag

from articles.models import Article, Section


class ArticleSitemap(Sitemap):
    changefreq = "daily"
    limit = 5000

    def items(self):
        return Article.objects.published().only(
            "slug", "go_live_at", "text_changed_at", "corrected_at"
        )

    def lastmod(self, item: Article):
        # The last change readers saw (text or a correction), else publication:
        # an edit to a tag or a typo in the slug is not news to a crawler.
        return item.revised_at or item.go_live_at


class SectionSitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return Section.objects.visible()


class TagSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        # A tag only drafts carry has no public page.
        return Article.objects.published().tags().order_by("pk")

    def location(self, item: Tag) -> str:
        return reverse("articles:tag", kwargs={"slug": item.slug})
