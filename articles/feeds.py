from __future__ import annotations

import copy

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import escape
from taggit.models import Tag

from articles.bylines import byline_of
from articles.models import (
    AUTHORS_PREFETCH,
    Article,
    ArticleEntity,
    Author,
    Correction,
    Section,
    Thread,
)
from images.models import Rendition
from newsroom import pagecache
from newsroom.cleaning import clean_text

FEED_SIZE = 30
# The width of the lead picture's rendition a feed item encloses.
ENCLOSURE_WIDTH = 1280
ENCLOSURE_RENDITIONS_PREFETCH = Prefetch(
    "lead_image__renditions",
    queryset=Rendition.objects.filter(
        ratio=Rendition.Ratio.WIDE, format=Rendition.Format.JPEG
    ),
)


class CleanTextFeedMixin:
    """A feed generator that leaves out characters XML 1.0 cannot carry.

    Text is cleaned when it is saved, but a story stored before that (or
    written straight to the database) must not turn every feed listing it into
    a 500, so each feed and item value is cleaned again here.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*map(_clean, args), **_clean_values(kwargs))

    def add_item(self, *args, **kwargs) -> None:
        super().add_item(*map(_clean, args), **_clean_values(kwargs))


def _day(when) -> str:
    return dateformat.format(timezone.localtime(when), "j F Y")


def _clean_values(values: dict) -> dict:
    return {name: _clean(value) for name, value in values.items()}


def _clean(value):
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple):
        return [_clean(each) for each in value]
    return value


class RssFeed(CleanTextFeedMixin, Rss201rev2Feed):
    pass


class AtomFeed(CleanTextFeedMixin, Atom1Feed):
    pass


class CachedFeed(Feed):
    """A feed kept in the page cache until a story readers see changes."""

    def __call__(self, request, *args, **kwargs):
        pagecache.add_tags(request, "feeds")
        return super().__call__(request, *args, **kwargs)


class LatestStoriesFeed(CachedFeed):
    """The latest published stories as RSS."""

    description = "The latest published stories."
    feed_type = RssFeed

    def __call__(self, request, *args, **kwargs):
        # A copy per request, which knows the site's address for the links
        # Django leaves relative (the authors'): the instance is shared.
        feed = copy.copy(self)
        feed.absolute = request.build_absolute_uri
        return super(LatestStoriesFeed, feed).__call__(request, *args, **kwargs)

    def title(self, obj=None) -> str:
        return f"{settings.SITE_NAME}: latest stories"

    def link(self, obj=None) -> str:
        return reverse("articles:home")

    def items(self, obj=None):
        stories = list(
            self.stories(obj).select_related("section", "lead_image")[:FEED_SIZE]
        )
        # Categories: the section, the entities and the topic tags, in bulk;
        # the lead pictures' JPEG renditions for the enclosures (no query when
        # no story has a lead picture).
        prefetch_related_objects(
            stories,
            Prefetch("entity_links", ArticleEntity.objects.select_related("tag")),
            "tags",
            AUTHORS_PREFETCH,
            ENCLOSURE_RENDITIONS_PREFETCH,
        )
        # Only corrected stories have corrections to load: a feed without any
        # costs no query for them.
        prefetch_related_objects(
            [story for story in stories if story.corrected_at], "corrections"
        )
        return stories

    def stories(self, obj=None):
        return Article.objects.published().newest_first()

    def item_title(self, item: Article) -> str:
        return item.headline

    def item_description(self, item: Article) -> str:
        # Feed readers treat the description as HTML; the standfirst and the
        # corrections are plain text.
        corrections = [
            f"<p><strong>{escape(correction.get_kind_display())}</strong> "
            f"({_day(correction.published_at)}): {escape(correction.text)}</p>"
            for correction in (item.corrections.all() if item.corrected_at else ())
        ]
        return escape(item.dek) + "".join(corrections)

    def item_enclosures(self, item: Article) -> list[Enclosure]:
        """Its lead picture: the JPEG 16:9 rendition nearest ENCLOSURE_WIDTH
        (every feed reader shows JPEG), with its length and type."""
        if item.lead_image is None:
            return []
        rendition = item.lead_image.rendition(
            Rendition.Ratio.WIDE, Rendition.Format.JPEG, ENCLOSURE_WIDTH
        )
        if rendition is None:
            return []
        return [
            Enclosure(
                self.absolute(rendition.url), str(rendition.size), rendition.mime_type
            )
        ]

    def item_pubdate(self, item: Article):
        return item.go_live_at

    def item_updateddate(self, item: Article):
        # When readers last saw it change, else its publication (an Atom entry
        # needs an updated time): an edit to a tag is not news to a reader.
        return item.revised_at or item.go_live_at

    def item_author_name(self, item: Article) -> str:
        """Its authors' names ("A and B"), else its free-text byline."""
        names = [link.author.name for link in item.author_links.all()]
        return byline_of(names) or item.byline

    def item_author_link(self, item: Article) -> str | None:
        """The page of its first author, when it has one."""
        links = item.author_links.all()
        return self.absolute(links[0].author.get_absolute_url()) if links else None

    def item_categories(self, item: Article) -> list[str]:
        """The section, then the entities the story is about or mentions, then
        its topic tags, each once."""
        names = [item.section.name] if item.section else []
        names += sorted(link.tag.name for link in item.entity_links.all())
        names += sorted(tag.name for tag in item.tags.all())
        return list(dict.fromkeys(names))


class AtomVariant:
    """Mixed into a feed to serve it as Atom (its description as subtitle)."""

    feed_type = AtomFeed

    def subtitle(self, obj=None) -> str:
        return self._get_dynamic_attr("description", obj)


class SectionFeed(LatestStoriesFeed):
    """A section's latest published stories as RSS."""

    def get_object(self, request, slug: str) -> Section:
        return get_object_or_404(Section.objects.visible(), slug=slug)

    def title(self, obj: Section) -> str:
        return f"{settings.SITE_NAME}: {obj.name}"

    def link(self, obj: Section) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Section) -> str:
        return f"The latest published {obj.name} stories."

    def stories(self, obj: Section):
        return super().stories().filter(section=obj)


class ThreadFeed(LatestStoriesFeed):
    """A developing story's latest published stories as RSS."""

    def get_object(self, request, slug: str) -> Thread:
        # A thread of drafts only is not public yet, as on its page.
        return get_object_or_404(Thread.objects.with_published_stories(), slug=slug)

    def title(self, obj: Thread) -> str:
        return f"{settings.SITE_NAME}: {obj.title}"

    def link(self, obj: Thread) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Thread) -> str:
        return obj.description or f"The latest in {obj.title}."

    def stories(self, obj: Thread):
        return super().stories().filter(thread=obj)


class TagFeed(LatestStoriesFeed):
    """A topic tag's latest published stories as RSS."""

    def get_object(self, request, slug: str) -> Tag:
        # A tag only drafts carry has no public page, nor feed.
        return get_object_or_404(Article.objects.published().tags(), slug=slug)

    def title(self, obj: Tag) -> str:
        return f"{settings.SITE_NAME}: {obj.name}"

    def link(self, obj: Tag) -> str:
        return reverse("articles:tag", kwargs={"slug": obj.slug})

    def description(self, obj: Tag) -> str:
        return f"The latest published stories tagged {obj.name}."

    def stories(self, obj: Tag):
        return super().stories().filter(tag_links__tag=obj)


class AuthorFeed(LatestStoriesFeed):
    """An author's latest published stories as RSS."""

    def get_object(self, request, slug: str) -> Author:
        # An author with no published story has no page, nor feed.
        return get_object_or_404(Author.objects.with_published_stories(), slug=slug)

    def title(self, obj: Author) -> str:
        return f"{settings.SITE_NAME}: {obj.name}"

    def link(self, obj: Author) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Author) -> str:
        return f"The latest published stories by {obj.name}."

    def stories(self, obj: Author):
        return super().stories().filter(author_links__author=obj)


class SectionAtomFeed(AtomVariant, SectionFeed):
    pass


class ThreadAtomFeed(AtomVariant, ThreadFeed):
    pass


class TagAtomFeed(AtomVariant, TagFeed):
    pass


class AuthorAtomFeed(AtomVariant, AuthorFeed):
    pass


class CorrectionsFeed(CachedFeed):
    """The latest corrections and clarifications to published stories as RSS."""

    description = "Corrections and clarifications to our stories, newest first."
    feed_type = RssFeed

    def title(self) -> str:
        return f"{settings.SITE_NAME}: corrections"

    def link(self) -> str:
        return reverse("articles:corrections")

    def items(self):
        return Correction.objects.public()[:FEED_SIZE]

    def item_title(self, item: Correction) -> str:
        return f"{item.get_kind_display()}: {item.article.headline}"

    def item_description(self, item: Correction) -> str:
        return escape(item.text)

    def item_link(self, item: Correction) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Correction) -> str:
        return f"urn:newsroom:correction:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Correction):
        return item.published_at


class LatestStoriesAtomFeed(LatestStoriesFeed):
    """The latest published stories as Atom."""

    feed_type = AtomFeed
    subtitle = LatestStoriesFeed.description
