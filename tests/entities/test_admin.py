from __future__ import annotations

import pytest

from entities.models import Alias, Entity
from tests.factories import AliasFactory, ArticleFactory, EntityFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/entities/entity/"


def listed(response) -> list[Entity]:
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize("entities", [1, 30])
def test_changelist_query_count(editor_client, django_assert_max_num_queries, entities):
    """The entity list costs the same handful of queries for 1 or 30 entities."""
    batch = EntityFactory.create_batch(entities)
    for entity in batch:
        AliasFactory(entity=entity)
    ArticleFactory.create_batch(2, entities=batch)

    with django_assert_max_num_queries(8):
        response = editor_client.get(CHANGELIST)

    assert response.status_code == 200
    assert len(listed(response)) == entities


def test_changelist_shows_story_count(editor_client):
    """Each entity shows how many stories are tagged with it."""
    busy = EntityFactory(name="Busy")
    EntityFactory(name="Idle")
    ArticleFactory.create_batch(3, entities=[busy])
    ArticleFactory(draft=True, entities=[busy])

    response = editor_client.get(CHANGELIST)

    assert {e.name: e.story_count for e in listed(response)} == {"Busy": 4, "Idle": 0}
    assert '<td class="field-story_count">4</td>' in response.content.decode()


def test_sort_by_story_count(editor_client):
    """Editors can sort entities by how many stories they have."""
    busy, idle = EntityFactory(name="Busy"), EntityFactory(name="Idle")
    ArticleFactory.create_batch(2, entities=[busy])

    # story_count is the third column of list_display.
    response = editor_client.get(CHANGELIST, {"o": "-3"})

    assert listed(response) == [busy, idle]


def test_search_by_alias(editor_client):
    """Searching by an alias finds its entity once, with its story count intact."""
    entity = EntityFactory(name="Benjamin Netanyahu")
    AliasFactory(entity=entity, name="Netanyahu")
    AliasFactory(entity=entity, name="Bibi Netanyahu")
    EntityFactory(name="Someone Else")
    ArticleFactory(entities=[entity])

    response = editor_client.get(CHANGELIST, {"q": "netanyahu"})

    assert listed(response) == [entity]
    assert listed(response)[0].story_count == 1


def test_search_by_wikidata_id(editor_client):
    """Searching by a Wikidata ID finds its entity."""
    entity = EntityFactory(wikidata_id="Q42")
    EntityFactory()

    response = editor_client.get(CHANGELIST, {"q": "Q42"})

    assert listed(response) == [entity]


def test_filter_by_kind(editor_client):
    """The kind filter narrows the list."""
    place = EntityFactory(kind=Entity.Kind.PLACE)
    EntityFactory(kind=Entity.Kind.PERSON)

    response = editor_client.get(CHANGELIST, {"kind__exact": "place"})

    assert listed(response) == [place]


def test_add_entity_with_aliases(editor_client):
    """Posting the add form saves the entity with its aliases."""
    response = editor_client.post(
        "/admin/entities/entity/add/",
        {
            "name": "United Nations Security Council",
            "slug": "unsc",
            "kind": "organization",
            "description": "",
            "wikidata_id": "Q37470",
            "always_confirm": "on",
            "aliases-TOTAL_FORMS": "2",
            "aliases-INITIAL_FORMS": "0",
            "aliases-MIN_NUM_FORMS": "0",
            "aliases-MAX_NUM_FORMS": "1000",
            "aliases-0-name": "UNSC",
            "aliases-1-name": "Security Council",
        },
    )

    assert response.status_code == 302, response.context["errors"]
    entity = Entity.objects.get(slug="unsc")
    assert entity.always_confirm
    assert sorted(entity.aliases.values_list("name", flat=True)) == [
        "Security Council",
        "UNSC",
    ]
    assert set(entity.aliases.values_list("kind", flat=True)) == {"organization"}


def test_add_form_rejects_bad_wikidata_id(editor_client):
    """The add form explains a malformed Wikidata ID."""
    response = editor_client.post(
        "/admin/entities/entity/add/",
        {
            "name": "Douglas Adams",
            "slug": "douglas-adams",
            "kind": "person",
            "wikidata_id": "42",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
            "aliases-MIN_NUM_FORMS": "0",
            "aliases-MAX_NUM_FORMS": "1000",
        },
    )

    assert response.status_code == 200
    assert "A Wikidata ID is Q followed by digits" in response.content.decode()
    assert not Entity.objects.exists()


def test_change_page_renders(editor_client):
    """An entity's change page shows its aliases."""
    alias = AliasFactory(name="Countess of Lovelace")

    response = editor_client.get(f"/admin/entities/entity/{alias.entity.pk}/change/")

    assert response.status_code == 200
    assert "Countess of Lovelace" in response.content.decode()


def test_alias_clash_explained_on_change_page(editor_client):
    """Giving an entity an alias another entity of its kind uses is refused."""
    first = EntityFactory(name="Benjamin Netanyahu", kind=Entity.Kind.PERSON)
    second = EntityFactory(name="Yair Netanyahu", kind=Entity.Kind.PERSON)
    AliasFactory(entity=first, name="Netanyahu")

    response = editor_client.post(
        f"/admin/entities/entity/{second.pk}/change/",
        {
            "name": second.name,
            "slug": second.slug,
            "kind": "person",
            "description": "",
            "wikidata_id": "",
            "aliases-TOTAL_FORMS": "1",
            "aliases-INITIAL_FORMS": "0",
            "aliases-MIN_NUM_FORMS": "0",
            "aliases-MAX_NUM_FORMS": "1000",
            "aliases-0-name": "Netanyahu",
        },
    )

    assert response.status_code == 200
    assert "already an alias of" in response.content.decode()
    assert Alias.objects.count() == 1
