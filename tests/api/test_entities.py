from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from articles.models import ArticleEntity
from articles.ninjs import entity_key
from entities.models import KIND_PLURALS, Entity
from tests.factories import (
    AliasFactory,
    ArticleEntityFactory,
    ArticleFactory,
    EntityFactory,
    settle_public_changes,
)

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/entities/"


def test_list_shape(partner_client):
    """An entity carries its aliases, story count and the address of its stories."""
    entity = EntityFactory(
        name="Ada Lovelace",
        kind=Entity.Kind.PERSON,
        description="Mathematician.",
        wikidata_id="Q7259",
    )
    AliasFactory(entity=entity, name="Countess of Lovelace")
    AliasFactory(entity=entity, name="Ada King")
    ArticleFactory.create_batch(2, entities=[entity])

    response = partner_client.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert "count" not in body
    assert body["next"] is None
    assert body["results"] == [
        {
            "url": f"http://testserver/api/v1/entities/{entity.slug}/",
            "name": "Ada Lovelace",
            "slug": entity.slug,
            "kind": "person",
            "kind_label": "Person",
            "description": "Mathematician.",
            "aliases": ["Ada King", "Countess of Lovelace"],
            "wikidata_id": "Q7259",
            "article_count": 2,
            "articles_url": f"http://testserver/api/v1/articles/?entity={entity.slug}",
        }
    ]


def test_articles_url_lists_the_entitys_stories(partner_client):
    """Following articles_url gives the entity's published stories."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    ArticleFactory()

    articles_url = partner_client.get(f"{LIST_URL}{entity.slug}/").json()[
        "articles_url"
    ]
    results = partner_client.get(articles_url).json()["results"]

    assert [item["id"] for item in results] == [story.pk]


def test_an_entitys_stories_with_a_format_suffix(partner_client):
    """/entities/{slug}/articles.json/ lists the stories, as ?format=json does."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])

    response = partner_client.get(f"{LIST_URL}{entity.slug}/articles.json/")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [story.pk]


def test_detail_shape(partner_client):
    """An entity's detail has the same fields as its entry in the list."""
    entity = EntityFactory()
    ArticleFactory(entities=[entity])

    listed = partner_client.get(LIST_URL).json()["results"][0]
    response = partner_client.get(f"{LIST_URL}{entity.slug}/")

    assert response.status_code == 200
    assert response.json() == listed


def test_only_entities_with_published_stories_are_listed(partner_client, unpublished):
    """An entity tagged only on drafts, withdrawn or scheduled stories is hidden."""
    live = EntityFactory(name="Live")
    hidden = EntityFactory(name="Hidden")
    EntityFactory(name="Untagged")
    ArticleFactory(entities=[live])
    for article in unpublished.values():
        article.entities.add(hidden, live)

    results = partner_client.get(LIST_URL).json()["results"]

    assert [item["name"] for item in results] == ["Live"]
    assert results[0]["article_count"] == 1


def test_detail_of_entity_with_only_drafts_is_404(partner_client):
    """An entity known only from a draft could give the story away: not found."""
    entity = EntityFactory()
    ArticleFactory(draft=True, entities=[entity])

    response = partner_client.get(f"{LIST_URL}{entity.slug}/")

    assert response.status_code == 404


def test_filter_by_kind(partner_client):
    """?kind= lists only entities of that kind."""
    person = EntityFactory(kind=Entity.Kind.PERSON)
    place = EntityFactory(kind=Entity.Kind.PLACE)
    ArticleFactory(entities=[person, place])

    results = partner_client.get(LIST_URL, {"kind": "place"}).json()["results"]

    assert [item["slug"] for item in results] == [place.slug]


def test_same_name_in_two_kinds(partner_client):
    """Two entities sharing a name are listed separately at their own addresses."""
    person = EntityFactory(name="Georgia", kind=Entity.Kind.PERSON)
    place = EntityFactory(name="Georgia", kind=Entity.Kind.PLACE)
    ArticleFactory(entities=[person, place])

    results = partner_client.get(LIST_URL).json()["results"]

    assert sorted(item["kind"] for item in results) == ["person", "place"]
    assert len({item["url"] for item in results}) == 2


def test_pagination(partner_client):
    """Entities come alphabetically in cursor pages with no total, and
    following `next` gives each once."""
    ArticleFactory(entities=EntityFactory.create_batch(21))

    first = partner_client.get(LIST_URL).json()
    second = partner_client.get(first["next"]).json()

    assert "count" not in first
    assert len(first["results"]) == 20
    assert "cursor=" in first["next"]
    assert second["next"] is None
    names = [item["name"] for item in first["results"] + second["results"]]
    assert names == sorted(Entity.objects.values_list("name", flat=True))


def test_cursor_keeps_entities_of_one_name_apart(partner_client):
    """Two entities sharing a name (Georgia the place, Georgia the person) both
    come once, even across a page boundary."""
    georgias = [
        EntityFactory(name="Georgia", kind=Entity.Kind.PLACE),
        EntityFactory(name="Georgia", kind=Entity.Kind.PERSON),
        EntityFactory(name="Georgia", kind=Entity.Kind.OTHER),
    ]
    ArticleFactory(entities=[*georgias, EntityFactory(name="Zanzibar")])

    seen, url = [], LIST_URL + "?page_size=1"
    while url:
        body = partner_client.get(url).json()
        seen.extend(item["slug"] for item in body["results"])
        url = body["next"]

    assert len(seen) == 4
    assert set(seen) == set(Entity.objects.values_list("slug", flat=True))


def test_cursor_goes_back_with_previous(partner_client):
    """The previous link of the second page gives the first page again."""
    ArticleFactory(entities=EntityFactory.create_batch(5))
    first = partner_client.get(LIST_URL, {"page_size": 2}).json()

    second = partner_client.get(first["next"]).json()
    back = partner_client.get(second["previous"]).json()

    assert back["results"] == first["results"]


@pytest.mark.parametrize("position", [b"p=a\x00b", b"p=" + b"x" * 201, b"o=-1&p=Ada"])
def test_forged_cursor_is_400(partner_client, position):
    """A cursor that no link gave (a NUL, an over-long name) is a 400."""
    ArticleFactory(entities=[EntityFactory()])

    response = partner_client.get(
        LIST_URL, {"cursor": base64.b64encode(position).decode()}
    )

    assert response.status_code == 400
    assert "cursor" in response.json()


def test_page_numbers_are_refused(partner_client):
    """The numbered pages of before are a 400 that points to the cursor."""
    ArticleFactory(entities=[EntityFactory()])

    response = partner_client.get(LIST_URL, {"page": "2"})

    assert response.status_code == 400
    assert "It takes: cursor, format, kind, page_size." in response.json()["page"][0]


@pytest.mark.parametrize("entities", [1, 50])
def test_list_query_count_is_constant(
    partner_client, django_assert_max_num_queries, entities
):
    """Listing entities costs a handful of queries however many there are."""
    batch = EntityFactory.create_batch(entities)
    for entity in batch:
        AliasFactory.create_batch(2, entity=entity)
    ArticleFactory.create_batch(2, entities=batch)

    # key, usage, entities with story counts, aliases, Last-Modified (2)
    with django_assert_max_num_queries(6):
        response = partner_client.get(LIST_URL)

    assert response.status_code == 200
    assert all(len(item["aliases"]) == 2 for item in response.json()["results"])


def test_browsable_api(editor_client):
    """The entity list, an entity and its stories render as HTML for staff."""
    entity = EntityFactory()
    ArticleFactory(entities=[entity])

    for url in (
        LIST_URL,
        f"{LIST_URL}{entity.slug}/",
        f"{LIST_URL}{entity.slug}/articles/",
    ):
        response = editor_client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url


@pytest.mark.parametrize("params", [{"kind": "planet"}, {"kind": ""}])
def test_bad_kind_is_400(partner_client, params):
    """A kind that does not exist is a 400 naming the parameter."""
    response = partner_client.get(LIST_URL, params)

    assert response.status_code == 400
    assert "kind" in response.json()


@pytest.mark.parametrize("params", [{"page_size": "1000"}, {"page_size": "0"}])
def test_bad_page_size_is_400(partner_client, params):
    """A malformed page size is a 400, not a silent default."""
    response = partner_client.get(LIST_URL, params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_slug_with_nul_is_404(partner_client):
    """A slug no entity could have is not found, not a database error."""
    assert partner_client.get(f"{LIST_URL}bad%00slug/").status_code == 404


def test_last_modified_follows_entity_edits(partner_client):
    """Renaming an entity moves Last-Modified on, so the old copy is not kept."""
    entity = EntityFactory(name="Old name")
    ArticleFactory(entities=[entity])
    settle_public_changes()
    first = partner_client.get(f"{LIST_URL}{entity.slug}/")
    entity.name = "New name"
    entity.save()

    again = partner_client.get(
        f"{LIST_URL}{entity.slug}/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )

    assert again.status_code == 200


class TestEntityArticles:
    def test_about_first_then_newest(self, partner_client):
        """An entity's stories list those about it first, newest first in each."""
        entity = EntityFactory()
        old_about = ArticleFactory(go_live_at=timezone.now() - timedelta(days=3))
        new_about = ArticleFactory(go_live_at=timezone.now() - timedelta(days=2))
        newest_mention = ArticleFactory(go_live_at=timezone.now() - timedelta(days=1))
        for story in (old_about, new_about):
            ArticleEntityFactory(content_object=story, tag=entity)
        ArticleEntityFactory(
            content_object=newest_mention,
            tag=entity,
            relevance=ArticleEntity.Relevance.MENTIONS,
        )
        ArticleFactory(draft=True, entities=[entity])
        ArticleFactory()

        response = partner_client.get(f"{LIST_URL}{entity.slug}/articles/")

        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 3
        assert [item["id"] for item in body["results"]] == [
            new_about.pk,
            old_about.pk,
            newest_mention.pk,
        ]
        assert "body" not in body["results"][0]

    def test_fields(self, partner_client):
        """fields= and expand= work on an entity's stories as on the story list."""
        entity = EntityFactory()
        story = ArticleFactory(entities=[entity])

        response = partner_client.get(
            f"{LIST_URL}{entity.slug}/articles/",
            {"fields": "headline", "expand": "body"},
        )

        assert response.json()["results"] == [
            {"id": story.pk, "headline": story.headline, "body": story.body}
        ]

    def test_entity_of_drafts_only_is_404(self, partner_client):
        """An entity only drafts carry has no stories to list."""
        entity = EntityFactory()
        ArticleFactory(draft=True, entities=[entity])

        response = partner_client.get(f"{LIST_URL}{entity.slug}/articles/")

        assert response.status_code == 404

    @pytest.mark.parametrize("stories", [1, 50])
    def test_query_count(self, partner_client, django_assert_max_num_queries, stories):
        """An entity's stories cost a handful of queries however many there are."""
        entity = EntityFactory()
        for _ in range(stories):
            ArticleFactory(entities=[entity, EntityFactory()], tags=["Transport"])

        # key, usage, entity, aliases, count, stories, links, tags, authors,
        # Last-Modified (2)
        with django_assert_max_num_queries(11):
            response = partner_client.get(
                f"{LIST_URL}{entity.slug}/articles/", {"page_size": 100}
            )

        assert len(response.json()["results"]) == stories


def test_kind_label_is_the_sites(partner_client):
    """An organisation is `organization` to the API and labelled as the site
    labels it."""
    ArticleFactory(entities=[EntityFactory(kind=Entity.Kind.ORGANIZATION)])

    [item] = partner_client.get(LIST_URL).json()["results"]

    assert (item["kind"], item["kind_label"]) == ("organization", "Organisation")


def test_british_spelling_of_a_kind_is_400_listing_the_kinds(partner_client):
    """`kind=organisation` (the label's spelling) is refused with the values."""
    response = partner_client.get(LIST_URL, {"kind": "organisation"})

    assert response.status_code == 400
    assert response.json()["kind"] == [
        "“organisation” is not a kind; choose one of person, organization, place, "
        "event, other."
    ]


def test_partner_guide_lists_every_kind_as_defined():
    """docs/partners.md's table of kinds is Entity.Kind: values, labels, the
    site's headings and the ninjs properties, in order."""
    guide = (REPO / "docs" / "partners.md").read_text()
    table = guide.split("## Entity kinds", 1)[1].split("\n\n| `kind`", 1)[1]
    rows = [
        [cell.strip().strip("`") for cell in line.strip("|").split("|")]
        for line in table.split("\n\n", 1)[0].splitlines()[2:]
    ]

    assert rows == [
        [kind.value, kind.label, KIND_PLURALS[kind], entity_key(kind)]
        for kind in Entity.Kind
    ]


def test_schema_describes_each_kind_with_its_label(client):
    """The OpenAPI enum of kinds gives each value with the site's label."""
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()

    enum = schema["components"]["schemas"]["EntityKindEnum"]
    assert enum["enum"] == Entity.Kind.values
    for kind in Entity.Kind:
        assert f"`{kind.value}` - {kind.label}" in enum["description"]
