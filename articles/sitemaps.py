"""The sitemaps (django.contrib.sitemaps): `/sitemap.xml` is an index of
paged sitemaps, one per kind of page (newsroom/urls.py), and
`/sitemap-news.xml` the Google News sitemap of the last two days
(articles.views.news_sitemap). Every one starts from
`Article.objects.published()`."""

from __future__ import annotations

import datetime

from django.contrib.sitemaps import Sitemap
from django.db import models
from django.urls import reverse
from taggit.models import Tag

from articles.models import Article, Author, Section, Thread

# Google reads at most 1,000 stories from a news sitemap, of the last 2 days.
NEWS_SITEMAP_SIZE = 1000
NEWS_SITEMAP_AGE = datetime.timedelta(hours=48)


def latest_story(**link) -> models.Subquery:
    """The go-live time of the newest published story with `link` to the outer
    row (`section=OuterRef("pk")`, say): a page's last change, for its lastmod."""
    return models.Subquery(
        Article.objects.published()
        .filter(**link)
        .order_by("-go_live_at")
        .values("go_live_at")[:1]
    )


class StoryPagesSitemap(Sitemap):
    """A sitemap of pages that list published stories: their lastmod is their
    newest story's go-live time, the index's the last change to any."""

    def lastmod(self, item) -> datetime.datetime | None:
        return item.latest_story

    def get_latest_lastmod(self) -> datetime.datetime | None:
        # Django's default reads every item; one cheap query instead.
        return Article.objects.published().last_changed()


class ArticleSitemap(StoryPagesSitemap):
    changefreq = "daily"
    limit = 5000

    def items(self):
        return (
            Article.objects.published()
            .only("slug", "go_live_at", "text_changed_at", "corrected_at")
            .order_by("pk")
        )

    def lastmod(self, item: Article):
        # The last change readers saw (text or a correction), else publication:
        # an edit to a tag or a typo in the slug is not news to a crawler.
        return item.revised_at or item.go_live_at


class SectionSitemap(StoryPagesSitemap):
    changefreq = "hourly"

    def items(self):
        return (
            Section.objects.visible()
            .annotate(latest_story=latest_story(section=models.OuterRef("pk")))
            .order_by("pk")
        )


class TagSitemap(StoryPagesSitemap):
    changefreq = "daily"

    def items(self):
        # A tag only drafts carry has no public page.
        return (
            Article.objects.published()
            .tags()
            .annotate(latest_story=latest_story(tag_links__tag=models.OuterRef("pk")))
            .order_by("pk")
        )

    def location(self, item: Tag) -> str:
        return reverse("articles:tag", kwargs={"slug": item.slug})


class ThreadSitemap(StoryPagesSitemap):
    changefreq = "hourly"

    def items(self):
        return (
            Thread.objects.with_published_stories()
            .annotate(latest_story=latest_story(thread=models.OuterRef("pk")))
            .order_by("pk")
        )


class AuthorSitemap(StoryPagesSitemap):
    changefreq = "daily"

    def items(self):
        # An author with no published story has no page.
        return (
            Author.objects.with_published_stories()
            .annotate(
                latest_story=latest_story(author_links__author=models.OuterRef("pk"))
            )
            .order_by("pk")
        )


def news_stories(now: datetime.datetime) -> models.QuerySet[Article]:
    """What the news sitemap lists: stories that went live in the last two
    days, newest first."""
    return (
        Article.objects.published(now)
        .filter(go_live_at__gte=now - NEWS_SITEMAP_AGE)
        .only("slug", "headline", "language", "go_live_at")
        .newest_first()[:NEWS_SITEMAP_SIZE]
    )
