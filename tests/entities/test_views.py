from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from articles.models import Article
from entities.models import Entity, EntityRedirect
from tests.factories import AliasFactory, ArticleFactory, EntityFactory

pytestmark = pytest.mark.django_db


def stories_about(entity: Entity, count: int) -> list[Article]:
    """`count` live stories about `entity` and three others, newest first."""
    now = timezone.now()
    return [
        ArticleFactory(
            go_live_at=now - datetime.timedelta(minutes=n + 1),
            entities=[entity, *EntityFactory.create_batch(3)],
            tags=[f"tag {n}", "shared"],
        )
        for n in range(count)
    ]


def test_entity_page_describes_the_entity(client):
    """An entity's page shows its name, kind, description, aliases and Wikidata."""
    entity = EntityFactory(
        name="Vladimir Putin",
        kind=Entity.Kind.PERSON,
        description="President of Russia.",
        wikidata_id="Q7747",
    )
    AliasFactory(entity=entity, name="Putin")
    stories_about(entity, 1)
    response = client.get(entity.get_absolute_url())
    assert response.status_code == 200
    html = response.text
    assert "<h1" in html
    assert "Vladimir Putin" in html
    assert "Person" in html
    assert "President of Russia." in html
    assert "Putin</span>" in html
    assert 'href="https://www.wikidata.org/wiki/Q7747"' in html


def test_entity_page_without_wikidata_has_no_wikidata_link(client):
    """An entity with no Wikidata ID has no Wikidata link."""
    entity = EntityFactory()
    stories_about(entity, 1)
    assert "wikidata.org" not in client.get(entity.get_absolute_url()).text


def test_entity_page_lists_its_stories_newest_first(client):
    """An entity's page lists every live story tagged with it, newest first."""
    entity = EntityFactory()
    stories = stories_about(entity, 3)
    ArticleFactory(entities=[EntityFactory()])
    response = client.get(entity.get_absolute_url())
    assert list(response.context["object_list"]) == stories
    for story in stories:
        assert f'href="{story.get_absolute_url()}"' in response.text


def test_entity_page_is_paginated(client):
    """An entity with many stories spreads them over numbered pages."""
    entity = EntityFactory()
    stories = stories_about(entity, 21)
    first = client.get(entity.get_absolute_url())
    assert len(first.context["object_list"]) == 20
    assert 'href="?page=2"' in first.text
    second = client.get(entity.get_absolute_url(), {"page": 2})
    assert list(second.context["object_list"]) == stories[20:]
    assert f'href="http://testserver{entity.get_absolute_url()}?page=2"' in second.text


def test_unknown_entity_is_404(client):
    """An address naming no entity is not found."""
    assert client.get("/entities/nobody/").status_code == 404


def test_merged_entity_redirects_to_the_entity_it_became(client):
    """The old address of a merged entity redirects permanently to the kept one."""
    kept = EntityFactory()
    stories_about(kept, 1)
    EntityRedirect.objects.create(old_slug="old-name", entity=kept)
    response = client.get("/entities/old-name/")
    assert response.status_code == 301
    assert response["Location"] == kept.get_absolute_url()


def test_merged_entity_without_published_stories_is_404(client):
    """A merged entity's old address does not reveal an entity only drafts carry."""
    kept = EntityFactory()
    ArticleFactory(draft=True, entities=[kept])
    EntityRedirect.objects.create(old_slug="old-name", entity=kept)
    assert client.get("/entities/old-name/").status_code == 404


def test_entity_list_groups_entities_by_kind(client):
    """The entity list groups entities by kind, each linked, with a story count."""
    person = EntityFactory(name="Ada Lovelace", kind=Entity.Kind.PERSON)
    place = EntityFactory(name="Kyiv", kind=Entity.Kind.PLACE)
    org = EntityFactory(name="Red Cross", kind=Entity.Kind.ORGANIZATION)
    ArticleFactory(entities=[person, place, org])
    ArticleFactory(entities=[place])
    response = client.get("/entities/")
    assert response.status_code == 200
    assert [
        (label, [entity.name for entity in entities])
        for label, entities in response.context["entity_groups"]
    ] == [
        ("People", ["Ada Lovelace"]),
        ("Organisations", ["Red Cross"]),
        ("Places", ["Kyiv"]),
    ]
    html = response.text
    assert (
        html.index(">People<") < html.index(">Organisations<") < html.index(">Places<")
    )
    for entity in (person, place, org):
        assert f'href="{entity.get_absolute_url()}"' in html
    assert 'Kyiv</a> <span class="count">2</span>' in html


# nav, entity, count, stories, their entities, aliases, last change (the cache
# key), companions, timeline
# + 1: the first page after the cache is cleared looks up the next go-live or
# expiry time (newsroom.pagecache.next_event).
ENTITY_QUERIES = 9 + 1 + 1  # + the stories' authors
ENTITY_LIST_QUERIES = 4 + 1  # nav, count, entities, their story counts


@pytest.mark.parametrize("count", [1, 30])
def test_entity_page_query_count_is_constant(
    client, django_assert_max_num_queries, count
):
    """An entity's page costs the same queries for 1 story or a full page."""
    entity = EntityFactory()
    AliasFactory.create_batch(3, entity=entity)
    stories_about(entity, count)
    with django_assert_max_num_queries(ENTITY_QUERIES):
        assert client.get(entity.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("count", [1, 30])
def test_entity_list_query_count_is_constant(
    client, django_assert_max_num_queries, count
):
    """The entity list costs the same queries for a few entities or many."""
    stories_about(EntityFactory(), count)
    with django_assert_max_num_queries(ENTITY_LIST_QUERIES):
        response = client.get("/entities/")
    assert len(response.context["object_list"]) == 1 + 3 * count
