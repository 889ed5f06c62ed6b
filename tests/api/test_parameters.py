"""Every endpoint refuses a query parameter it does not take."""

from __future__ import annotations

import pytest

from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    EntityFactory,
    SectionFactory,
    ThreadFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/articles/"


@pytest.fixture
def story(db):
    """A published story with a section, an entity, a tag, a thread and an
    author."""
    return ArticleFactory(
        authors=[AuthorFactory(slug="nadia-hollis")],
        section=SectionFactory(slug="politics"),
        entities=[EntityFactory(slug="ada-lovelace")],
        tags=["Elections"],
        thread=ThreadFactory(slug="ferry-strike"),
    )


def endpoints(client, story) -> dict[str, set[str]]:
    """Each GET address the schema documents, filled in with `story`'s keys,
    with the query parameters the schema gives it."""
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    keys = {
        "/api/v1/articles/": str(story.pk),
        "/api/v1/authors/": "nadia-hollis",
        "/api/v1/entities/": "ada-lovelace",
        "/api/v1/sections/": "politics",
        "/api/v1/tags/": "elections",
        "/api/v1/threads/": "ferry-strike",
    }
    found = {}
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        address = path
        for prefix, key in keys.items():
            if path.startswith(prefix):
                address = path.replace("{id}", key).replace("{slug}", key)
        found[address] = {
            parameter["name"]
            for parameter in operations["get"].get("parameters", [])
            if parameter["in"] == "query"
        }
    return found


def test_misspelt_entity_filter_is_400_naming_it(partner_client, story):
    """`entities=` (not a parameter) is a 400 that points to `entity=` and lists
    what the list takes, instead of answering every story."""
    ArticleFactory()

    response = partner_client.get(LIST_URL, {"entities": "ada-lovelace"})

    assert response.status_code == 400
    [message] = response.json()["entities"]
    assert "“entities”" in message
    assert "Did you mean “entity”?" in message
    assert "entity, entity_match, expand, fields, format" in message


def test_every_endpoint_refuses_an_unknown_parameter(partner_client, story):
    """Each list and detail endpoint answers a typo with a 400 listing exactly
    the parameters its schema documents (and `format`, which any takes)."""
    found = endpoints(partner_client, story)
    assert len(found) == 15

    for address, documented in found.items():
        response = partner_client.get(address, {"pagee": "2"})

        assert response.status_code == 400, address
        [message] = response.json()["pagee"]
        listed = set(message.rpartition("It takes: ")[2].rstrip(".").split(", "))
        assert listed - {"format"} == documented - {"format"}, address


def test_documented_parameters_are_accepted(partner_client, story):
    """Every endpoint answers 200 when given only the parameters it documents
    (a shape check: none of them is refused as unknown)."""
    for address, documented in endpoints(partner_client, story).items():
        response = partner_client.get(address)
        assert response.status_code == 200, address
        known = [name for name in documented if name in {"format", "page_size"}]
        response = partner_client.get(
            address, {name: "json" if name == "format" else "5" for name in known}
        )
        assert response.status_code == 200, (address, response.json())


def test_filters_are_unknown_on_a_detail(partner_client, story):
    """A detail is found by its address: a list's filter there is a 400."""
    response = partner_client.get(f"{LIST_URL}{story.pk}/", {"section": "politics"})

    assert response.status_code == 400
    assert "section" in response.json()


def test_several_unknown_parameters_are_each_named(partner_client, story):
    """Each unknown parameter gets its own message."""
    response = partner_client.get(LIST_URL, {"sectoin": "politics", "limit": "5"})

    assert response.status_code == 400
    assert set(response.json()) == {"sectoin", "limit"}
    assert "Did you mean “section”?" in response.json()["sectoin"][0]


def test_lenient_handling_lets_unknown_parameters_through(partner_client, story):
    """`Prefer: handling=lenient` ignores unknown parameters, says it did, and
    the answer varies by Prefer."""
    response = partner_client.get(
        LIST_URL,
        {"ref": "newsletter", "section": "politics"},
        HTTP_PREFER="return=minimal, handling=lenient",
    )

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [story.pk]
    assert response["Preference-Applied"] == "handling=lenient"
    assert "Prefer" in response["Vary"]


def test_lenient_handling_still_checks_known_parameters(partner_client, story):
    """Leniency covers unknown names only: a bad value of a known one is a 400."""
    response = partner_client.get(
        LIST_URL, {"ref": "x", "page_size": "1000"}, HTTP_PREFER="handling=lenient"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"page_size"}


def test_strict_handling_is_the_default(partner_client, story):
    """`Prefer: handling=strict`, or none, refuses unknown parameters."""
    response = partner_client.get(LIST_URL, {"ref": "x"}, HTTP_PREFER="handling=strict")

    assert response.status_code == 400
    assert "Prefer" in response["Vary"]
    assert "Preference-Applied" not in response


def test_campaign_tags_are_ignored(partner_client, story):
    """utm_* parameters, added by newsletters and link shorteners, pass."""
    response = partner_client.get(
        LIST_URL, {"utm_source": "newsletter", "utm_medium": "email"}
    )

    assert response.status_code == 200
    assert "Preference-Applied" not in response


def test_api_root_refuses_unknown_parameters(partner_client):
    """The list of endpoints takes only `format`."""
    assert partner_client.get("/api/v1/", {"x": "1"}).status_code == 400
    assert partner_client.get("/api/v1/", {"format": "json"}).status_code == 200


def test_unknown_parameter_is_checked_after_the_key(client, story):
    """Without a key the answer is 401, whatever the parameters."""
    assert client.get(LIST_URL, {"entities": "x"}).status_code == 401


def test_browsable_api_still_works(editor_client, story):
    """Staff browse the API in HTML, with its filter form, as before."""
    response = editor_client.get(LIST_URL, {"format": "api", "section": "politics"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"Filters" in response.content


def test_unknown_parameter_costs_no_query_beyond_the_key(
    partner_client, story, django_assert_max_num_queries
):
    """A refused parameter is refused before any query for the results."""
    # key, usage
    with django_assert_max_num_queries(2):
        response = partner_client.get(LIST_URL, {"entities": "x"})

    assert response.status_code == 400
