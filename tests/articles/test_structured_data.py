"""schema.org JSON-LD, Open Graph and Twitter card tags on public pages."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.utils import timezone

from articles.bylines import byline_names
from tests.factories import (
    AliasFactory,
    ArticleFactory,
    CorrectionFactory,
    EntityFactory,
    ImageFactory,
    ThreadFactory,
)

pytestmark = pytest.mark.django_db

BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)

# What Google's Article rich result reads (developers.google.com/search/docs/
# appearance/structured-data/article): none is strictly required; these are
# the recommended ones we can give before pictures land.
ARTICLE_PROPERTIES = {"headline", "datePublished", "dateModified", "author"}
# schema.org properties of each type we emit: anything else is a typo.
VOCABULARY = {
    "NewsArticle": {
        "@context", "@type", "headline", "url", "mainEntityOfPage",
        "datePublished", "dateModified", "author", "publisher", "inLanguage",
        "isAccessibleForFree", "description", "articleSection",
        "locationCreated", "about", "mentions", "keywords", "image",
    },
    **dict.fromkeys(
        ["Person", "Organization", "Place"],
        {"@context", "@type", "name", "url", "sameAs", "description",
         "alternateName"},
    ),
    "NewsMediaOrganization": {"@type", "name", "url"},
    "WebPage": {"@type", "@id"},
    "ItemList": {"@context", "@type", "itemListElement"},
    "BreadcrumbList": {"@context", "@type", "itemListElement"},
    "ListItem": {"@type", "position", "url", "name", "item"},
}  # fmt: skip


def blocks(response) -> list[dict]:
    assert response.status_code == 200
    return [json.loads(block) for block in BLOCK.findall(response.content.decode())]


def check_vocabulary(node) -> None:
    """Every object uses only its type's properties, all the way down."""
    if isinstance(node, list):
        for each in node:
            check_vocabulary(each)
    elif isinstance(node, dict):
        allowed = VOCABULARY[node["@type"]]
        assert set(node) <= allowed, (node["@type"], set(node) - allowed)
        for value in node.values():
            check_vocabulary(value)


@pytest.fixture
def story():
    geneva = EntityFactory(name="Geneva", kind="place", wikidata_id="Q71")
    un = EntityFactory(name="United Nations", kind="organization")
    article = ArticleFactory(
        headline="Talks resume </script><script>alert(1)</script>",
        byline="By Anna Kowalski and Ben Ode",
        tags=["diplomacy"],
        go_live_at=timezone.now() - datetime.timedelta(days=2),
    )
    article.entities.add(geneva, through_defaults={"relevance": "about"})
    article.entities.add(un, through_defaults={"relevance": "mentions"})
    return article


def test_a_story_page_carries_a_news_article(client, story):
    article_ld, crumbs = blocks(client.get(story.get_absolute_url()))

    check_vocabulary(article_ld)
    assert article_ld["@context"] == "https://schema.org"
    assert article_ld["@type"] == "NewsArticle"
    assert set(article_ld) >= ARTICLE_PROPERTIES
    assert article_ld["headline"].startswith("Talks resume </script>")
    assert article_ld["author"] == [
        {"@type": "Person", "name": "Anna Kowalski"},
        {"@type": "Person", "name": "Ben Ode"},
    ]
    assert datetime.datetime.fromisoformat(article_ld["datePublished"]) == (
        story.go_live_at
    )
    assert article_ld["mainEntityOfPage"]["@id"].endswith(story.get_absolute_url())
    assert article_ld["about"] == [
        {
            "@type": "Place",
            "name": "Geneva",
            "url": "http://testserver/entities/geneva/",
            "sameAs": "https://www.wikidata.org/wiki/Q71",
        }
    ]
    assert [thing["name"] for thing in article_ld["mentions"]] == ["United Nations"]
    assert article_ld["keywords"] == ["diplomacy"]
    check_vocabulary(crumbs)
    assert [item["name"] for item in crumbs["itemListElement"]] == [
        "Newsroom",
        "World",
        story.headline,
    ]


def test_the_json_ld_cannot_end_its_script(client, story):
    content = client.get(story.get_absolute_url()).content.decode()

    assert "<script>alert(1)</script>" not in content
    assert "\\u003C/script\\u003E" in content


def test_date_modified_follows_a_correction(client, story):
    correction = CorrectionFactory(article=story)

    article_ld = blocks(client.get(story.get_absolute_url()))[0]

    assert datetime.datetime.fromisoformat(article_ld["dateModified"]) == (
        correction.published_at
    )


def test_a_story_without_a_byline_is_by_the_publisher(client):
    story = ArticleFactory(byline="")

    article_ld = blocks(client.get(story.get_absolute_url()))[0]

    assert article_ld["author"][0]["@type"] == "NewsMediaOrganization"


def test_open_graph_and_twitter_tags(client, story):
    content = client.get(story.get_absolute_url()).content.decode()

    for tag in (
        '<meta property="og:type" content="article">',
        '<meta property="article:section" content="World">',
        '<meta property="article:tag" content="diplomacy">',
        '<meta property="article:author" content="By Anna Kowalski and Ben Ode">',
        '<meta name="twitter:card" content="summary">',
        '<meta property="article:published_time"',
    ):
        assert tag in content


def test_an_entity_page_describes_the_entity(client, story):
    geneva = story.entities.get(name="Geneva")
    AliasFactory(entity=geneva, name="Genève")

    thing, stories, crumbs = blocks(client.get(geneva.get_absolute_url()))

    check_vocabulary([thing, stories, crumbs])
    assert thing["@type"] == "Place"
    assert thing["alternateName"] == ["Genève"]
    assert thing["sameAs"] == "https://www.wikidata.org/wiki/Q71"
    assert [item["url"] for item in stories["itemListElement"]] == [
        f"http://testserver{story.get_absolute_url()}"
    ]
    assert crumbs["itemListElement"][-1]["name"] == "Geneva"


@pytest.mark.parametrize(
    ("path", "trail"),
    [
        ("/", ["Newsroom"]),
        ("/section/world/", ["Newsroom", "World"]),
        ("/tag/diplomacy/", ["Newsroom", "diplomacy"]),
        ("/thread/talks/", ["Newsroom", "Talks"]),
    ],
)
def test_lists_carry_an_item_list_and_breadcrumbs(client, path, trail):
    newer = ArticleFactory(
        tags=["diplomacy"], thread=ThreadFactory(title="Talks", slug="talks")
    )
    ArticleFactory(draft=True, tags=["diplomacy"], thread=newer.thread)

    stories, crumbs = blocks(client.get(path))

    check_vocabulary([stories, crumbs])
    assert [item["url"] for item in stories["itemListElement"]] == [
        f"http://testserver{newer.get_absolute_url()}"
    ]
    assert [item["name"] for item in crumbs["itemListElement"]] == trail


def test_previews_carry_no_structured_data(editor_client):
    draft = ArticleFactory(draft=True)

    response = editor_client.get(f"/preview/{draft.pk}/")

    assert blocks(response) == []


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("By Anna Kowalski", ["Anna Kowalski"]),
        (
            "Anna Kowalski, Ben Ode and Cy Twombly",
            ["Anna Kowalski", "Ben Ode", "Cy Twombly"],
        ),
        ("Reuters", ["Reuters"]),
        ("", []),
    ],
)
def test_byline_names(byline, names):
    assert byline_names(byline) == names


def test_the_lead_picture_is_given_in_three_ratios(client):
    """The NewsArticle's image: the lead picture's 16:9, 4:3 and 1:1 JPEGs."""
    image = ImageFactory(width=1600, height=1200)
    story = ArticleFactory(lead_image=image)
    article_ld = blocks(client.get(story.get_absolute_url()))[0]
    check_vocabulary(article_ld)
    expected = [
        f"http://testserver{image.rendition(ratio, 'jpeg', 1200).url}"
        for ratio in ("16:9", "4:3", "1:1")
    ]
    assert article_ld["image"] == expected
    assert all(url.endswith(".jpg") for url in expected)
    assert len(set(expected)) == 3


def test_a_lead_picture_without_renditions_yet_gives_the_original(client):
    image = ImageFactory(renditions=False)
    story = ArticleFactory(lead_image=image)
    article_ld = blocks(client.get(story.get_absolute_url()))[0]
    assert article_ld["image"] == [f"http://testserver{image.file.url}"]


def test_open_graph_image_and_a_large_twitter_card(client):
    image = ImageFactory(width=1600, height=900, alt_text="Boats in the harbour")
    story = ArticleFactory(lead_image=image)
    content = client.get(story.get_absolute_url()).content.decode()
    shared = image.rendition("16:9", "jpeg", 1200)
    assert (shared.width, shared.height) == (1280, 720)
    for tag in (
        f'<meta property="og:image" content="http://testserver{shared.url}">',
        '<meta property="og:image:width" content="1280">',
        '<meta property="og:image:height" content="720">',
        '<meta property="og:image:alt" content="Boats in the harbour">',
        '<meta name="twitter:card" content="summary_large_image">',
    ):
        assert tag in content
    assert 'twitter:card" content="summary"' not in content
