from __future__ import annotations

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema_stats():
    """drf-spectacular's warning counter, emptied before and after the test."""
    reset_generator_stats()
    yield GENERATOR_STATS
    reset_generator_stats()


def test_schema_generates_without_warnings(tmp_path, schema_stats):
    """The OpenAPI schema is valid and drf-spectacular resolves every field."""
    out = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    assert not schema_stats
    assert out.read_text().startswith("openapi: 3")


def test_schema_is_public(client, schema_stats):
    """/api/v1/schema/ serves the schema without a key, with every filter."""
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert not schema_stats
    schema = response.json()
    operation = schema["paths"]["/api/v1/articles/"]["get"]
    assert {param["name"] for param in operation["parameters"]} == {
        "author",
        "cursor",
        "entity",
        "entity_match",
        "expand",
        "fields",
        "format",
        "ordering",
        "page_size",
        "published_after",
        "published_before",
        "q",
        "section",
        "tag",
        "thread",
        "updated_since",
        "version",
    }
    entities = schema["paths"]["/api/v1/entities/"]["get"]
    assert {param["name"] for param in entities["parameters"]} == {
        "cursor",
        "kind",
        "page_size",
    }
    changes = schema["paths"]["/api/v1/changes/"]["get"]
    assert {param["name"] for param in changes["parameters"]} == {
        "cursor",
        "page_size",
        "since",
    }


def test_every_endpoint_is_documented(client):
    """Each list, detail and action of the API is in the schema."""
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()

    assert set(schema["paths"]) >= {
        "/api/v1/articles/",
        "/api/v1/articles/{id}/",
        "/api/v1/articles/{id}/related/",
        "/api/v1/changes/",
        "/api/v1/entities/",
        "/api/v1/entities/{slug}/",
        "/api/v1/entities/{slug}/articles/",
        "/api/v1/sections/",
        "/api/v1/sections/{slug}/",
        "/api/v1/tags/",
        "/api/v1/tags/{slug}/",
        "/api/v1/threads/",
        "/api/v1/threads/{slug}/",
    }


def test_errors_and_key_are_documented(client):
    """Every operation needs the Api-Key scheme and documents 400/401/404/429."""
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()

    scheme = schema["components"]["securitySchemes"]["ApiKeyAuth"]
    assert scheme["type"] == "apiKey"
    assert (scheme["in"], scheme["name"]) == ("header", "Authorization")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] == [{"ApiKeyAuth": []}], (path, method)
            responses = operation["responses"]
            assert {"200", "400", "401", "404", "429"} <= set(responses), path
            assert "Retry-After" in responses["429"]["headers"]
            assert "ETag" in responses["200"]["headers"]


def test_ninjs_is_documented(client):
    """Story endpoints document their ninjs answers next to the JSON ones."""
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()

    for path in ("/api/v1/articles/", "/api/v1/articles/{id}/"):
        content = schema["paths"][path]["get"]["responses"]["200"]["content"]
        assert set(content) == {"application/json", "application/ninjs+json"}
    assert "uri" in schema["components"]["schemas"]["Ninjs"]["required"]


def test_schema_marks_computed_fields(client):
    """Links are typed as URIs and a story's section may be null."""
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]

    article = components["Article"]["properties"]
    assert article["web_url"]["format"] == "uri"
    assert article["section"]["nullable"] is True
    assert article["tags"] == {
        "type": "array",
        "items": {"type": "string"},
        "readOnly": True,
    }
    assert components["Entity"]["properties"]["articles_url"]["format"] == "uri"
    assert components["Section"]["properties"]["articles_url"]["format"] == "uri"
    assert article["thread"]["nullable"] is True
    assert components["Tag"]["properties"]["articles_url"]["format"] == "uri"
    thread = components["ThreadDetail"]["properties"]
    assert thread["web_url"]["format"] == "uri"
    assert thread["stories"]["type"] == "array"


def test_docs_page(client):
    """The Swagger UI page renders without a key and loads nothing from a CDN."""
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()
