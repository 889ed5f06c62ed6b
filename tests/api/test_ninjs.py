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

    with django_assert_max_num_queries(7):  # with the stories' authors
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
