"""schema.org structured data for the public pages (JSON-LD): NewsArticle on
a story's page, Person, Organization or Place on an entity's, ItemList on
lists, and a BreadcrumbList everywhere (`templatetags/structured_data.py`
puts them in the page). Pure builders: the caller passes absolute URLs."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings

from articles.bylines import byline_names
from articles.choices import Relevance
from entities.models import Entity

SCHEMA = "https://schema.org"
# Google shows at most 110 characters of a headline.
HEADLINE_LENGTH = 110
KIND_TYPES = {
    Entity.Kind.PERSON: "Person",
    Entity.Kind.ORGANIZATION: "Organization",
    Entity.Kind.PLACE: "Place",
}

Absolute = Callable[[str], str]


def isoformat(when) -> str | None:
    return when.isoformat() if when else None


def publisher(absolute: Absolute) -> dict:
    return {
        "@type": "NewsMediaOrganization",
        "name": settings.SITE_NAME,
        "url": absolute("/"),
    }


def entity_thing(entity, absolute: Absolute, *, full: bool = False) -> dict:
    """An entity as a schema.org Person, Organization or Place, linked to its
    page and to Wikidata."""
    thing = {
        "@type": KIND_TYPES.get(entity.kind, "Thing"),
        "name": entity.name,
        "url": absolute(entity.get_absolute_url()),
    }
    if entity.wikidata_id:
        thing["sameAs"] = entity.wikidata_url
    if full:
        thing = {"@context": SCHEMA, **thing}
        if entity.description:
            thing["description"] = entity.description
        aliases = [alias.name for alias in entity.aliases.all()]
        if aliases:
            thing["alternateName"] = aliases
    return thing


def story_authors(article, absolute: Absolute) -> list[dict]:
    """The story's authors as schema.org Persons linked to their pages; with
    none, each person its free-text byline names; with no byline either, the
    publisher. Uses the story's prefetched `author_links`."""
    authors = [
        {
            "@type": "Person",
            "name": link.author.name,
            "url": absolute(link.author.get_absolute_url()),
        }
        for link in article.author_links.all()
    ]
    if not authors:
        authors = [
            {"@type": "Person", "name": name} for name in byline_names(article.byline)
        ]
    return authors or [publisher(absolute)]


def story_images(image, absolute: Absolute) -> list[str]:
    """A story's lead picture in the three ratios Google asks for (16:9, 4:3
    and 1:1), each its widest JPEG of at least 1,200 pixels where made, else
    the original. Uses the picture's prefetched renditions."""
    urls = []
    for ratio in ("16:9", "4:3", "1:1"):
        rendition = image.rendition(ratio, "jpeg", 1200)
        urls.append(absolute(rendition.url if rendition else image.file.url))
    return list(dict.fromkeys(urls))


def news_article(article, absolute: Absolute) -> dict:
    """A story as a schema.org NewsArticle, with the properties Google's
    Article rich result reads. Uses the story's prefetched entity and author
    links."""
    url = absolute(article.get_absolute_url())
    links = list(article.entity_links.all())
    data = {
        "@context": SCHEMA,
        "@type": "NewsArticle",
        "headline": article.headline[:HEADLINE_LENGTH],
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": isoformat(article.go_live_at),
        "dateModified": isoformat(article.revised_at or article.go_live_at),
        "author": story_authors(article, absolute),
        "publisher": publisher(absolute),
        "inLanguage": article.language,
        "isAccessibleForFree": True,
    }
    if article.dek:
        data["description"] = article.dek
    if article.lead_image_id:
        data["image"] = story_images(article.lead_image, absolute)
    if article.section:
        data["articleSection"] = article.section.name
    if article.dateline:
        data["locationCreated"] = {"@type": "Place", "name": article.dateline}
    for key, relevance in (
        ("about", Relevance.ABOUT),
        ("mentions", Relevance.MENTIONS),
    ):
        things = [
            entity_thing(link.tag, absolute)
            for link in links
            if link.relevance == relevance
        ]
        if things:
            data[key] = things
    tags = [tag.name for tag in article.tags.all()]
    if tags:
        data["keywords"] = tags
    return data


def item_list(urls: Iterable[str]) -> dict:
    """A list page's stories, in order."""
    return {
        "@context": SCHEMA,
        "@type": "ItemList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "url": url}
            for position, url in enumerate(urls, start=1)
        ],
    }


def breadcrumbs(trail: Iterable[tuple[str, str]]) -> dict:
    """A BreadcrumbList of (name, absolute URL), from the home page down."""
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": url}
            for position, (name, url) in enumerate(trail, start=1)
        ],
    }
