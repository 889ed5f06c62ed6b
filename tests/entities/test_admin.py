from __future__ import annotations

import pytest

from entities.matcher import invalidate_matcher
from entities.models import Alias, Entity, Suggestion
from entities.rescan import rescan_archive
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


def entity_form(entity: Entity, aliases: list[Alias], **changes) -> dict:
    """The change form of `entity` as the page shows it, with `changes` made and
    one empty alias row."""
    data = {
        "name": entity.name,
        "slug": entity.slug,
        "kind": entity.kind,
        "description": entity.description,
        "wikidata_id": entity.wikidata_id,
        "aliases-TOTAL_FORMS": str(len(aliases) + 1),
        "aliases-INITIAL_FORMS": str(len(aliases)),
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }
    for n, alias in enumerate(aliases):
        data |= {
            f"aliases-{n}-id": str(alias.pk),
            f"aliases-{n}-entity": str(entity.pk),
            f"aliases-{n}-name": alias.name,
        }
    return data | changes


def suggested_on(entity: Entity) -> set[int]:
    return set(entity.suggestions.values_list("article_id", flat=True))


class TestArchiveRescan:
    """Saving names in the entity form finds them in the archive."""

    @pytest.fixture
    def trust(self):
        entity = EntityFactory(name="Harbour Trust", kind=Entity.Kind.ORGANIZATION)
        invalidate_matcher()
        return entity

    def test_a_new_entity_is_suggested_on_earlier_stories(
        self, editor_client, django_capture_on_commit_callbacks
    ):
        """Adding an entity suggests it on the stories that name it or its aliases."""
        by_name = ArticleFactory(body="<p>The Harbour Trust met.</p>")
        by_alias = ArticleFactory(headline="Dock board meets")
        ArticleFactory(body="<p>Nobody met.</p>")

        with django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post(
                "/admin/entities/entity/add/",
                {
                    "name": "Harbour Trust",
                    "slug": "harbour-trust",
                    "kind": "organization",
                    "aliases-TOTAL_FORMS": "1",
                    "aliases-INITIAL_FORMS": "0",
                    "aliases-MIN_NUM_FORMS": "0",
                    "aliases-MAX_NUM_FORMS": "1000",
                    "aliases-0-name": "Dock board",
                },
            )

        assert response.status_code == 302
        entity = Entity.objects.get(slug="harbour-trust")
        assert suggested_on(entity) == {by_name.pk, by_alias.pk}
        assert set(entity.suggestions.values_list("status", flat=True)) == {
            Suggestion.Status.SUGGESTED
        }

    def test_an_alias_added_inline_is_suggested(
        self, editor_client, trust, django_capture_on_commit_callbacks
    ):
        """A new alias finds the stories that use it."""
        old = AliasFactory(entity=trust, name="The Trust")
        by_alias = ArticleFactory(body="<p>The Dock board met.</p>")

        data = entity_form(trust, [old], **{"aliases-1-name": "Dock board"})
        with django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post(
                f"/admin/entities/entity/{trust.pk}/change/", data
            )

        assert response.status_code == 302
        assert suggested_on(trust) == {by_alias.pk}

    def test_a_rename_is_rescanned(
        self, editor_client, trust, django_capture_on_commit_callbacks
    ):
        """Renamed, the entity is suggested where the new name appears, and waiting
        suggestions found only by the old name go."""
        old_story = ArticleFactory(body="<p>The Harbour Trust met.</p>")
        new_story = ArticleFactory(body="<p>The Port Trust met.</p>")
        rescan_archive(entity_ids=[trust.pk])
        assert suggested_on(trust) == {old_story.pk}

        with django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post(
                f"/admin/entities/entity/{trust.pk}/change/",
                entity_form(trust, [], name="Port Trust"),
            )

        assert response.status_code == 302
        assert suggested_on(trust) == {new_story.pk}

    def test_a_deleted_alias_takes_its_waiting_suggestions(
        self, editor_client, trust, django_capture_on_commit_callbacks
    ):
        """Deleting an alias drops the waiting suggestions only it found."""
        alias = AliasFactory(entity=trust, name="Dock board")
        invalidate_matcher()
        story = ArticleFactory(body="<p>The Dock board met.</p>")
        rescan_archive(entity_ids=[trust.pk])
        assert suggested_on(trust) == {story.pk}

        data = entity_form(trust, [alias], **{"aliases-0-DELETE": "on"})
        with django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post(
                f"/admin/entities/entity/{trust.pk}/change/", data
            )

        assert response.status_code == 302
        assert not trust.aliases.exists()
        assert suggested_on(trust) == set()

    def test_saving_without_changing_names_rescans_nothing(
        self, editor_client, trust, django_capture_on_commit_callbacks
    ):
        """A description edit does not read the archive: a story never matched
        stays without a suggestion."""
        ArticleFactory(body="<p>The Harbour Trust met.</p>")

        data = entity_form(trust, [], description="The port's landlord.")
        with django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post(
                f"/admin/entities/entity/{trust.pk}/change/", data
            )

        assert response.status_code == 302
        assert Entity.objects.get(pk=trust.pk).description == "The port's landlord."
        assert suggested_on(trust) == set()
