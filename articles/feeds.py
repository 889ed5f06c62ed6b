from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from articles.models import Article, Section

FEED_SIZE = 30


class LatestStoriesFeed(Feed):
    description = "The latest published stories."

    def title(self, obj=None) -> str:
        return f"{settings.SITE_NAME}: latest stories"

    def link(self, obj=None) -> str:
        return reverse("articles:home")

    def items(self, obj=None):
        return Article.objects.published().select_related("section")[:FEED_SIZE]

    def item_title(self, item: Article) -> str:
        return item.headline

    def item_description(self, item: Article) -> str:
        return item.dek

    def item_pubdate(self, item: Article):
        return item.go_live_at

    def item_updateddate(self, item: Article):
        return item.updated_at

    def item_author_name(self, item: Article) -> str:
        return item.byline

    def item_categories(self, item: Article) -> list[str]:
        return [item.section.name] if item.section else []


class SectionFeed(LatestStoriesFeed):
    def get_object(self, request, slug: str) -> Section:
        return get_object_or_404(Section, slug=slug)

    def title(self, obj: Section) -> str:
        return f"{settings.SITE_NAME}: {obj.name}"

    def link(self, obj: Section) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Section):
        return super().items().filter(section=obj)


class LatestStoriesAtomFeed(LatestStoriesFeed):
    feed_type = Atom1Feed
    subtitle = LatestStoriesFeed.description
