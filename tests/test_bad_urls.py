"""No address answers 500, whatever its path and query hold.

Every URL pattern of the project (public pages, feeds, sitemaps, the API and
the admin) is asked for with each bad value in each of its path parameters and
in every query parameter any page reads, as a reader and as staff; so are real
pages with bad query parameters.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from tests.factories import (
    AliasFactory,
    ArticleFactory,
    EntityFactory,
    PartnerFactory,
    RelatedLinkFactory,
    ThreadFactory,
)

pytestmark = pytest.mark.django_db

# Already percent-encoded: NUL, ESC with a C1 control and a non-character, a
# lone surrogate and an overlong NUL as UTF-8 bytes, a stray byte, markup and
# quotes, a number too big for the database, a very long value.
BAD = [
    "a%00b",
    "%1B%C2%85%EF%BF%BF",
    "%ED%A0%80",
    "%C0%80",
    "%FF",
    quote("'\"<x>&;--"),
    "9" * 40,
    "w" * 3_000,
]
# Every query parameter a page, the API or the admin reads.
PARAMETERS = [
    "q",
    "page",
    "page_size",
    "cursor",
    "fields",
    "expand",
    "format",
    "ordering",
    "section",
    "tag",
    "entity",
    "entity_match",
    "thread",
    "published_after",
    "published_before",
    "updated_since",
    "start",
    "end",
    "kind",
    "status",
    "language",
    "entity_kind",
    "always_confirm__exact",
    "go_live_at__gte",
    "relevance",
    "term",
    "app_label",
    "model_name",
    "field_name",
    "o",
    "p",
    "e",
    "_changelist_filters",
    "_popup",
    "_to_field",
    "next",
    "partner",
]
ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?\w+>")
REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def patterns(resolvers=None, prefix: str = "") -> list[str]:
    """Every URL pattern as a template, its parameters written `{}`."""
    found = []
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        here = prefix + template(entry.pattern)
        if isinstance(entry, URLResolver):
            found += patterns(entry.url_patterns, here)
        elif isinstance(entry, URLPattern):
            found.append(here)
    return sorted(set(found))


def template(pattern: RoutePattern | RegexPattern) -> str:
    text = str(pattern)
    if isinstance(pattern, RoutePattern):
        return ROUTE_PARAMETER.sub("{}", text)
    # DRF's router: a format suffix, optional slashes, escaped dots.
    text = REGEX_GROUP.sub(lambda group: "json" if group[1] == "format" else "{}", text)
    text = text.removeprefix("^").removesuffix("$")
    return text.replace("/?", "/").replace("\\", "")


def with_query(path: str, value: str) -> str:
    return path + "?" + "&".join(f"{name}={value}" for name in PARAMETERS)


@pytest.fixture
def newsroom(db):
    """A little of everything, so that real pages have something to show."""
    entity = EntityFactory(name="Ada Lovelace", slug="ada-lovelace")
    AliasFactory(entity=entity, name="Countess")
    thread = ThreadFactory(title="Ferry strike", slug="ferry-strike")
    story = ArticleFactory(tags=["Budget"], entities=[entity], thread=thread)
    RelatedLinkFactory(article=story, target=ArticleFactory(thread=thread))
    PartnerFactory()
    return story


def real_pages(story) -> list[str]:
    """Pages that exist, public and admin, to ask for with bad query values."""
    pages = [
        "/",
        "/feed/",
        "/feed/atom/",
        story.get_absolute_url(),
        story.section.get_absolute_url(),
        story.section.get_absolute_url() + "feed/",
        "/tag/budget/",
        story.thread.get_absolute_url(),
        story.thread.get_absolute_url() + "feed/",
        "/search/",
        "/entities/",
        "/entities/ada-lovelace/",
        "/sitemap.xml",
        "/api/v1/",
        "/api/v1/articles/",
        f"/api/v1/articles/{story.pk}/",
        f"/api/v1/articles/{story.pk}/related/",
        "/api/v1/changes/",
        "/api/v1/entities/",
        "/api/v1/entities/ada-lovelace/",
        "/api/v1/entities/ada-lovelace/articles/",
        "/api/v1/sections/",
        "/api/v1/tags/",
        "/api/v1/threads/",
        "/api/v1/threads/ferry-strike/",
        "/admin/",
        "/admin/autocomplete/",
        "/admin/articles/article/import/",
    ]
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        pages.append(reverse("admin:{}_{}_add".format(*info)))
        if obj := model._default_manager.first():
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    return pages


def failures(client, urls: list[str]) -> list[str]:
    client.raise_request_exception = False
    found = []
    for url in urls:
        status = client.get(url).status_code
        if status >= 500:
            found.append(f"{status} {url}")
    return found


def test_every_pattern_with_bad_parameters(client, admin_client, newsroom):
    """Each URL pattern, its parameters and query bad, answers below 500 to a
    reader and to staff."""
    urls = []
    for pattern in patterns():
        for value in BAD:
            path = "/" + pattern.format(*[value] * pattern.count("{}"))
            urls += [path, with_query(path, value)]

    assert len(urls) > 1_000
    assert failures(client, urls) == []
    assert failures(admin_client, urls) == []


def test_real_pages_with_bad_query_parameters(client, admin_client, newsroom):
    """Pages that exist answer below 500 whatever their query parameters hold."""
    urls = [with_query(page, value) for page in real_pages(newsroom) for value in BAD]

    assert failures(client, urls) == []
    assert failures(admin_client, urls) == []
