from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from articles.models import ArticleEntity
from entities.models import (
    KIND_PLURALS,
    Alias,
    Entity,
    is_wikidata_id,
    wikidata_entity_uri,
    wikidata_id_from_uri,
)
from tests.factories import (
    AliasFactory,
    ArticleEntityFactory,
    ArticleFactory,
    EntityFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["42", "Q0", "Q042", "q42", "Q42a", "P31"])
def test_wikidata_id_rejected(value):
    """A Wikidata ID must be Q and a number without leading zeros."""
    entity = EntityFactory.build(name="Douglas Adams", slug="douglas-adams")
    entity.wikidata_id = value

    with pytest.raises(ValidationError) as excinfo:
        entity.full_clean()

    assert "wikidata_id" in excinfo.value.message_dict


@pytest.mark.parametrize("value", ["Q42", "Q7747", ""])
def test_wikidata_id_accepted(value):
    """Q42 is a Wikidata ID; leaving the field empty is fine too."""
    entity = EntityFactory.build(name="Douglas Adams", slug="douglas-adams")
    entity.wikidata_id = value

    entity.full_clean()


def test_wikidata_id_checked_by_database():
    """The database refuses a malformed Wikidata ID that skipped validation."""
    with pytest.raises(IntegrityError), transaction.atomic():
        EntityFactory(wikidata_id="42")


def test_wikidata_id_unique():
    """Two entities cannot share a Wikidata ID."""
    EntityFactory(wikidata_id="Q42")

    with pytest.raises(IntegrityError), transaction.atomic():
        EntityFactory(wikidata_id="Q42")


def test_many_entities_without_wikidata_id():
    """The empty Wikidata ID is not subject to uniqueness."""
    EntityFactory.create_batch(2, wikidata_id="")

    assert Entity.objects.filter(wikidata_id="").count() == 2


def test_name_unique_per_kind():
    """Two people cannot share a name."""
    EntityFactory(name="Georgia", kind=Entity.Kind.PERSON)
    duplicate = EntityFactory.build(
        name="Georgia", kind=Entity.Kind.PERSON, slug="georgia-2"
    )

    with pytest.raises(ValidationError):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_same_name_in_two_kinds():
    """Georgia the place and Georgia the person are two entities, two slugs."""
    person = EntityFactory(name="Georgia", kind=Entity.Kind.PERSON)
    place = EntityFactory.build(name="Georgia", kind=Entity.Kind.PLACE)
    place.full_clean(exclude=["slug"])
    place.save()

    assert person.slug != place.slug
    assert Entity.objects.filter(name="Georgia").count() == 2


def test_alias_takes_the_entitys_kind():
    """An alias carries its entity's kind, and follows it when the kind changes."""
    entity = EntityFactory(kind=Entity.Kind.PERSON)
    alias = AliasFactory(entity=entity)
    assert alias.kind == Entity.Kind.PERSON

    entity.kind = Entity.Kind.ORGANIZATION
    entity.save()

    alias.refresh_from_db()
    assert alias.kind == Entity.Kind.ORGANIZATION


def test_alias_unique_per_kind_clean_names_both_entities():
    """An alias already used by another entity of the kind fails, naming both."""
    first = EntityFactory(name="Benjamin Netanyahu", kind=Entity.Kind.PERSON)
    second = EntityFactory(name="Yair Netanyahu", kind=Entity.Kind.PERSON)
    AliasFactory(entity=first, name="Netanyahu")
    clash = Alias(entity=second, name="Netanyahu")

    with pytest.raises(ValidationError) as excinfo:
        clash.full_clean()

    [message] = excinfo.value.message_dict["name"]
    assert "Benjamin Netanyahu" in message
    assert "Yair Netanyahu" in message


def test_alias_unique_per_kind_in_database():
    """The database refuses the same alias twice within a kind."""
    first = EntityFactory(kind=Entity.Kind.PERSON)
    second = EntityFactory(kind=Entity.Kind.PERSON)
    AliasFactory(entity=first, name="The Boss")

    with pytest.raises(IntegrityError), transaction.atomic():
        AliasFactory(entity=second, name="The Boss")


def test_same_alias_in_two_kinds():
    """An alias may name a person and a place at once."""
    person = EntityFactory(kind=Entity.Kind.PERSON)
    place = EntityFactory(kind=Entity.Kind.PLACE)
    AliasFactory(entity=person, name="Georgia")
    alias = Alias(entity=place, name="Georgia")

    alias.full_clean()
    alias.save()

    assert Alias.objects.filter(name="Georgia").count() == 2


def test_alias_of_the_same_entity_revalidates():
    """Cleaning an existing alias does not clash with itself."""
    alias = AliasFactory()

    alias.full_clean()


def test_wikidata_url():
    """An entity with a Wikidata ID links to its Wikidata page."""
    assert EntityFactory.build(wikidata_id="Q42").wikidata_url == (
        "https://www.wikidata.org/wiki/Q42"
    )
    assert EntityFactory.build(wikidata_id="").wikidata_url == ""


@pytest.mark.parametrize(
    ("uri", "wikidata_id"),
    [
        ("http://www.wikidata.org/entity/Q42", "Q42"),
        ("https://wikidata.org/entity/Q42/", "Q42"),
        ("https://www.wikidata.org/wiki/Q7747", "Q7747"),
        ("http://www.wikidata.org/entity/Q042", ""),
        ("http://www.wikidata.org/entity/nonsense", ""),
        ("https://example.org/entity/Q42", ""),
        ("", ""),
    ],
)
def test_wikidata_id_from_uri(uri, wikidata_id):
    """The entity URI and the page URL both give the item ID; nothing else does."""
    assert wikidata_id_from_uri(uri) == wikidata_id


def test_wikidata_entity_uri_round_trips():
    """The linked-data URI an entity is published under reads back as its ID."""
    assert wikidata_entity_uri("Q42") == "http://www.wikidata.org/entity/Q42"
    assert wikidata_id_from_uri(wikidata_entity_uri("Q42")) == "Q42"


def test_is_wikidata_id_agrees_with_the_validator():
    """The gazetteer's check and the model's validator accept the same IDs."""
    for value in ["Q1", "Q42", "Q7747"]:
        assert is_wikidata_id(value)
    for value in ["42", "Q0", "Q042", "q42", "Q42a", "P31", ""]:
        assert not is_wikidata_id(value)


def test_absolute_url():
    """An entity's page is at /entities/<slug>/."""
    entity = EntityFactory(name="Ada Lovelace")

    assert entity.get_absolute_url() == f"/entities/{entity.slug}/"


def test_entities_with_published_stories():
    """An entity is public once a live story is tagged with it, whether it is
    about it or mentions it; an entity only unpublished stories carry is not."""
    about, mentioned, hidden = EntityFactory.create_batch(3)
    ArticleEntityFactory(tag=about)
    ArticleEntityFactory(tag=mentioned, relevance=ArticleEntity.Relevance.MENTIONS)
    for state in ("draft", "withdrawn", "scheduled"):
        ArticleEntityFactory(tag=hidden, content_object=ArticleFactory(**{state: True}))
    EntityFactory()

    public = Entity.objects.with_published_stories().order_by("pk")

    assert list(public) == [about, mentioned]


def test_entities_keep_taggits_natural_keys():
    """Entities are still found by their natural key (their name), as taggit's are."""
    entity = EntityFactory(name="Douglas Adams")

    assert Entity.objects.get_by_natural_key("Douglas Adams") == entity


def test_every_kind_has_a_plural_heading():
    """Each kind of entity has a heading for a list of them."""
    assert set(KIND_PLURALS) == set(Entity.Kind.values)
