from __future__ import annotations

import pytest

from entities.models import Entity
from tests.factories import AliasFactory, ArticleFactory, EntityFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/entities/"


def test_list_shape(client):
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

    response = client.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"] == [
        {
            "url": f"http://testserver/api/v1/entities/{entity.slug}/",
            "name": "Ada Lovelace",
            "slug": entity.slug,
            "kind": "person",
            "description": "Mathematician.",
            "aliases": ["Ada King", "Countess of Lovelace"],
            "wikidata_id": "Q7259",
            "article_count": 2,
            "articles_url": f"http://testserver/api/v1/articles/?entity={entity.slug}",
        }
    ]


def test_articles_url_lists_the_entitys_stories(client):
    """Following articles_url gives the entity's published stories."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    ArticleFactory()

    articles_url = client.get(f"{LIST_URL}{entity.slug}/").json()["articles_url"]
    results = client.get(articles_url).json()["results"]

    assert [item["id"] for item in results] == [story.pk]


def test_detail_shape(client):
    """An entity's detail has the same fields as its entry in the list."""
    entity = EntityFactory()
    ArticleFactory(entities=[entity])

    listed = client.get(LIST_URL).json()["results"][0]
    response = client.get(f"{LIST_URL}{entity.slug}/")

    assert response.status_code == 200
    assert response.json() == listed


def test_only_entities_with_published_stories_are_listed(client, unpublished):
    """An entity tagged only on drafts, withdrawn or scheduled stories is hidden."""
    live = EntityFactory(name="Live")
    hidden = EntityFactory(name="Hidden")
    EntityFactory(name="Untagged")
    ArticleFactory(entities=[live])
    for article in unpublished.values():
        article.entities.add(hidden, live)

    results = client.get(LIST_URL).json()["results"]

    assert [item["name"] for item in results] == ["Live"]
    assert results[0]["article_count"] == 1


def test_detail_of_entity_with_only_drafts_is_404(client):
    """An entity known only from a draft could give the story away: not found."""
    entity = EntityFactory()
    ArticleFactory(draft=True, entities=[entity])

    response = client.get(f"{LIST_URL}{entity.slug}/")

    assert response.status_code == 404


def test_filter_by_kind(client):
    """?kind= lists only entities of that kind."""
    person = EntityFactory(kind=Entity.Kind.PERSON)
    place = EntityFactory(kind=Entity.Kind.PLACE)
    ArticleFactory(entities=[person, place])

    results = client.get(LIST_URL, {"kind": "place"}).json()["results"]

    assert [item["slug"] for item in results] == [place.slug]


def test_same_name_in_two_kinds(client):
    """Two entities sharing a name are listed separately at their own addresses."""
    person = EntityFactory(name="Georgia", kind=Entity.Kind.PERSON)
    place = EntityFactory(name="Georgia", kind=Entity.Kind.PLACE)
    ArticleFactory(entities=[person, place])

    results = client.get(LIST_URL).json()["results"]

    assert sorted(item["kind"] for item in results) == ["person", "place"]
    assert len({item["url"] for item in results}) == 2


def test_pagination(client):
    """Entities come in pages with the total and a link to the next page."""
    ArticleFactory(entities=EntityFactory.create_batch(21))

    body = client.get(LIST_URL).json()

    assert body["count"] == 21
    assert len(body["results"]) == 20
    assert body["next"] == "http://testserver/api/v1/entities/?page=2"


@pytest.mark.parametrize("entities", [1, 50])
def test_list_query_count_is_constant(client, django_assert_max_num_queries, entities):
    """Listing entities costs three queries however many entities and aliases."""
    batch = EntityFactory.create_batch(entities)
    for entity in batch:
        AliasFactory.create_batch(2, entity=entity)
    ArticleFactory.create_batch(2, entities=batch)

    # count, entities with story counts, aliases
    with django_assert_max_num_queries(3):
        response = client.get(LIST_URL)

    assert response.status_code == 200
    assert all(len(item["aliases"]) == 2 for item in response.json()["results"])


def test_browsable_api(client):
    """The entity list and an entity render as HTML."""
    entity = EntityFactory()
    ArticleFactory(entities=[entity])

    for url in (LIST_URL, f"{LIST_URL}{entity.slug}/"):
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
