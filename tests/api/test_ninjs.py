from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from articles.models import ArticleEntity
from entities.models import Entity
from related.rebuild import rebuild_related
from tests.factories import (
    ArticleEntityFactory,
    ArticleFactory,
    EntityFactory,
    RelatedLinkFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/articles/"
NINJS = "application/ninjs+json"
SCHEMA = json.loads(
    (Path(__file__).parent.parent / "data" / "ninjs-schema_2.2.json").read_text()
)
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


def assert_valid_ninjs(item: dict) -> None:
    errors = sorted(VALIDATOR.iter_errors(item), key=str)
    assert not errors, "\n".join(error.message for error in errors)


@pytest.fixture
def story():
    """A story with every kind of entity, tags, a source and a related story."""
    article = ArticleFactory(
        headline="Ferry strike ends",
        dek="Crews return after a week.",
        body="<p>The <b>ferries</b> sail again.</p><p>Fares are unchanged.</p>",
        byline="Ann Writer",
        dateline="PORT ALDEN",
        tags=["Transport", "Strikes"],
        source_name="Harbour Wire",
        source_url="https://wire.example.org/ferry",
    )
    for name, kind, wikidata_id, relevance in [
        ("Ann Mayor", Entity.Kind.PERSON, "Q42", ArticleEntity.Relevance.ABOUT),
        ("Ferry Union", Entity.Kind.ORGANIZATION, "", ArticleEntity.Relevance.ABOUT),
        ("Port Alden", Entity.Kind.PLACE, "Q84", ArticleEntity.Relevance.MENTIONS),
        ("Harbour Day", Entity.Kind.EVENT, "", ArticleEntity.Relevance.MENTIONS),
        ("MV Gull", Entity.Kind.OTHER, "", ArticleEntity.Relevance.MENTIONS),
    ]:
        entity = EntityFactory(name=name, kind=kind, wikidata_id=wikidata_id)
        ArticleEntityFactory(content_object=article, tag=entity, relevance=relevance)
    RelatedLinkFactory(article=article, target=ArticleFactory(headline="Strike vote"))
    return article


def test_detail_is_valid_ninjs(partner_client, story):
    """A story asked for with Accept: application/ninjs+json validates as ninjs 2.2."""
    response = partner_client.get(f"{LIST_URL}{story.pk}/", HTTP_ACCEPT=NINJS)

    assert response.status_code == 200
    assert response["Content-Type"] == NINJS
    item = response.json()
    assert_valid_ninjs(item)


def test_format_parameter(partner_client, story):
    """?format=ninjs gives the same document as the Accept header."""
    by_header = partner_client.get(f"{LIST_URL}{story.pk}/", HTTP_ACCEPT=NINJS)
    by_param = partner_client.get(f"{LIST_URL}{story.pk}/", {"format": "ninjs"})

    assert by_param["Content-Type"] == NINJS
    assert by_param.json() == by_header.json()


def test_mapping(partner_client, story):
    """Fields map onto ninjs as docs/partners.md describes."""
    item = partner_client.get(f"{LIST_URL}{story.pk}/", {"format": "ninjs"}).json()

    assert item["uri"] == f"urn:newsroom:article:{story.pk}"
    assert item["type"] == "text"
    assert item["pubstatus"] == "usable"
    assert item["representationtype"] == "full"
    assert item["language"] == "en"
    assert item["headlines"] == [{"role": "main", "value": "Ferry strike ends"}]
    assert item["descriptions"] == [
        {"role": "summary", "value": "Crews return after a week."}
    ]
    html, text = item["bodies"]
    assert html["contenttype"] == "text/html"
    assert html["value"] == story.body
    assert text["contenttype"] == "text/plain"
    assert text["value"] == "The ferries sail again.\n\nFares are unchanged."
    assert text["wordcount"] == 7
    assert item["by"] == "Ann Writer"
    assert item["located"] == "PORT ALDEN"
    assert item["infosources"] == [
        {
            "role": "source",
            "name": "Harbour Wire",
            "uri": "https://wire.example.org/ferry",
        }
    ]
    assert [subject["name"] for subject in item["subjects"]] == [
        "Strikes",
        "Transport",
    ]
    assert item["subjects"][0]["uri"] == "http://testserver/tag/strikes/"
    assert item["people"] == [
        {
            "name": "Ann Mayor",
            "rel": "about",
            "literal": "ann-mayor",
            "uri": "http://www.wikidata.org/entity/Q42",
        }
    ]
    assert item["organisations"][0]["name"] == "Ferry Union"
    assert "uri" not in item["organisations"][0]
    assert item["places"][0]["rel"] == "mentions"
    assert item["places"][0]["uri"] == "http://www.wikidata.org/entity/Q84"
    assert item["events"][0]["name"] == "Harbour Day"
    assert item["objects"][0]["name"] == "MV Gull"
    [association] = item["associations"]
    assert association["name"] == "related1"
    assert association["headlines"] == [{"role": "main", "value": "Strike vote"}]
    assert association["uri"].startswith("urn:newsroom:article:")


def test_list_is_valid_ninjs(partner_client, story):
    """Each story in a ninjs list validates, without body or associations."""
    ArticleFactory.create_batch(3, tags=["Transport"])

    response = partner_client.get(LIST_URL, HTTP_ACCEPT=NINJS)

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 5
    for item in results:
        assert_valid_ninjs(item)
        assert item["representationtype"] == "partial"
        assert "bodies" not in item
        assert "associations" not in item


def test_list_with_bodies(partner_client, story):
    """?expand=body puts the bodies into a ninjs list."""
    response = partner_client.get(LIST_URL, {"format": "ninjs", "expand": "body"})

    for item in response.json()["results"]:
        assert_valid_ninjs(item)
        assert item["representationtype"] == "full"
        assert len(item["bodies"]) == 2


def test_entity_stories_in_ninjs(partner_client, story):
    """An entity's stories come in ninjs too."""
    entity = story.entities.get(name="Ann Mayor")

    response = partner_client.get(
        f"/api/v1/entities/{entity.slug}/articles/", HTTP_ACCEPT=NINJS
    )

    [item] = response.json()["results"]
    assert_valid_ninjs(item)


def test_errors_stay_json(partner_client):
    """A ninjs request for a missing story gets the usual error body."""
    response = partner_client.get(f"{LIST_URL}999999/", HTTP_ACCEPT=NINJS)

    assert response.status_code == 404
    assert response.json() == {"detail": "No Article matches the given query."}


@pytest.mark.parametrize("stories", [1, 50])
def test_list_query_count(
    partner_client, django_assert_max_num_queries, story, stories
):
    """A ninjs page costs the same few queries as a JSON one."""
    for _ in range(stories):
        ArticleEntityFactory(content_object=ArticleFactory(tags=["Transport"]))

    # With the stories' authors, and whether the partner sees embargoed stories.
    with django_assert_max_num_queries(8):
        response = partner_client.get(LIST_URL, {"format": "ninjs", "page_size": 100})

    assert len(response.json()["results"]) == stories + 2


def test_detail_query_count(partner_client, django_assert_max_num_queries, story):
    """A ninjs story with its associations costs a fixed handful of queries."""
    rebuild_related()

    # key, usage, story, links, tags, authors, picks, the related lists, their
    # stories, their authors
    with django_assert_max_num_queries(10):
        response = partner_client.get(f"{LIST_URL}{story.pk}/", {"format": "ninjs"})

    assert response.status_code == 200


# ninjs 3.1, validated against the official schema in ../shared/ninjs/3.1/.

NINJS_31_SCHEMA = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "ninjs"
    / "3.1"
    / "ninjs-schema_3.1.json"
)


@pytest.fixture
def validator_31():
    if not NINJS_31_SCHEMA.is_file():
        pytest.skip("../shared/ninjs/3.1 is not present")
    schema = json.loads(NINJS_31_SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def assert_valid_ninjs_31(validator, item: dict) -> None:
    errors = sorted(validator.iter_errors(item), key=str)
    assert not errors, "\n".join(
        f"{list(error.absolute_path)}: {error.message}" for error in errors
    )


V31 = {"format": "ninjs", "version": "3.1"}


def test_detail_in_ninjs_31_is_valid(partner_client, story, validator_31):
    """?format=ninjs&version=3.1 gives a story valid against the ninjs 3.1
    schema, in camel case, saying which standard it follows."""
    rebuild_related()

    response = partner_client.get(f"{LIST_URL}{story.pk}/", V31)

    assert response.status_code == 200
    assert response["Content-Type"] == f"{NINJS}; version=3.1"
    item = response.json()
    assert_valid_ninjs_31(validator_31, item)
    assert item["standard"] == {
        "name": "ninjs",
        "version": "3.1",
        "schema": "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json",
    }
    assert item["representationType"] == "full"
    assert item["pubStatus"] == "usable"
    assert item["firstCreated"] == story.first_published_at.isoformat().replace(
        "+00:00", "Z"
    )
    assert "versionCreated" in item
    html, text = item["bodies"]
    assert html["contentType"] == "text/html"
    assert text["wordCount"] == 7
    assert item["infoSources"][0]["name"] == "Harbour Wire"
    assert item["people"][0]["name"] == "Ann Mayor"
    assert item["organisations"][0]["name"] == "Ferry Union"
    assert item["places"][0]["name"] == "Port Alden"
    assert [subject["name"] for subject in item["subjects"]] == [
        "Strikes",
        "Transport",
    ]
    [association] = item["associations"]
    assert association["name"] == "related1"
    assert "versionCreated" in association
    lower_case = {"representationtype", "pubstatus", "versioncreated", "infosources"}
    assert not lower_case & set(item)


def test_accept_profile_gives_ninjs_31(partner_client, story):
    """`Accept: application/ninjs+json; version=3.1` is the same as the
    query parameters."""
    by_header = partner_client.get(
        f"{LIST_URL}{story.pk}/", HTTP_ACCEPT=f"{NINJS}; version=3.1"
    )
    by_param = partner_client.get(f"{LIST_URL}{story.pk}/", V31)

    assert by_header.status_code == 200
    assert by_header["Content-Type"] == f"{NINJS}; version=3.1"
    assert by_header.json() == by_param.json()


def test_list_in_ninjs_31_is_valid(partner_client, story, validator_31):
    """Each story of a ninjs 3.1 list validates, with or without bodies."""
    ArticleFactory.create_batch(3, tags=["Transport"])

    for params in (V31, {**V31, "expand": "body"}):
        response = partner_client.get(LIST_URL, params)
        assert response.status_code == 200
        results = response.json()["results"]
        assert len(results) == 5
        for item in results:
            assert_valid_ninjs_31(validator_31, item)


def test_entity_stories_in_ninjs_31(partner_client, story, validator_31):
    entity = story.entities.get(name="Ann Mayor")

    response = partner_client.get(f"/api/v1/entities/{entity.slug}/articles/", V31)

    [item] = response.json()["results"]
    assert_valid_ninjs_31(validator_31, item)


def test_version_22_is_the_default(partner_client, story):
    """Without a version, or with 2.2, ninjs is 2.2 as before."""
    default = partner_client.get(f"{LIST_URL}{story.pk}/", {"format": "ninjs"})
    asked = partner_client.get(
        f"{LIST_URL}{story.pk}/", {"format": "ninjs", "version": "2.2"}
    )

    assert default.json() == asked.json()
    assert_valid_ninjs(asked.json())
    assert asked["Content-Type"] == f"{NINJS}; version=2.2"


@pytest.mark.parametrize(
    "query", ["version=3.0", "version=4", "version=", "version=3.1&version=9"]
)
def test_unknown_version_is_a_400_naming_the_versions(partner_client, story, query):
    response = partner_client.get(f"{LIST_URL}?format=ninjs&{query}")

    assert response.status_code == 400
    [message] = response.json()["version"]
    assert "2.2, 3.1" in message


def test_unknown_version_in_accept_is_a_400(partner_client, story):
    response = partner_client.get(LIST_URL, HTTP_ACCEPT=f"{NINJS}; version=1.0")

    assert response.status_code == 400
    assert "2.2, 3.1" in response.json()["version"][0]


def test_version_without_ninjs_is_a_400(partner_client, story):
    """`version` chooses a ninjs version: with JSON it is a mistake to say so."""
    response = partner_client.get(LIST_URL, {"version": "3.1"})

    assert response.status_code == 400
    assert "format=ninjs" in response.json()["version"][0]


def test_ninjs_31_list_query_count(
    partner_client, django_assert_max_num_queries, story
):
    """A ninjs 3.1 page costs what a 2.2 page costs."""
    for _ in range(20):
        ArticleEntityFactory(content_object=ArticleFactory(tags=["Transport"]))

    with django_assert_max_num_queries(8):
        response = partner_client.get(LIST_URL, {**V31, "page_size": 100})

    assert len(response.json()["results"]) == 22
