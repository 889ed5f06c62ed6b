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


def test_schema_endpoint(client, schema_stats):
    """/api/v1/schema/ serves the schema with the story filters documented."""
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert not schema_stats
    schema = response.json()
    operation = schema["paths"]["/api/v1/articles/"]["get"]
    params = {param["name"] for param in operation["parameters"]}
    assert params == {"entity", "section", "tag", "page"}
    entities = schema["paths"]["/api/v1/entities/"]["get"]
    assert {param["name"] for param in entities["parameters"]} == {"kind", "page"}


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


def test_docs_page(client):
    """The Swagger UI page for partners renders."""
    assert client.get("/api/v1/docs/").status_code == 200
