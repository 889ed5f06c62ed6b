"""A story's pictures in the partner API: JSON `pictures` and ninjs
associations of type picture (2.2 and 3.1)."""

from __future__ import annotations

import json

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.test_ninjs import (
    NINJS_31_SCHEMA,
    assert_valid_ninjs,
    assert_valid_ninjs_31,
)
from tests.factories import ArticleFactory, ImageFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/articles/"


@pytest.fixture
def validator_31():
    if not NINJS_31_SCHEMA.is_file():
        pytest.skip("../shared/ninjs/3.1 is not present")
    schema = json.loads(NINJS_31_SCHEMA.read_text())
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@pytest.fixture
def pictured():
    """A story with a lead picture and one figure in its body."""
    lead = ImageFactory(
        alt_text="Crews on the quay",
        caption="The first ferry leaves.",
        credit="Ann Photographer / Harbour Wire",
        copyright="© Harbour Wire 2026",
        usage_terms="Editorial use only",
    )
    figure = ImageFactory(alt_text="A timetable", caption="", credit="Staff")
    body = f'<p>Ferries sail.</p><figure data-image-id="{figure.pk}"></figure>'
    return ArticleFactory(headline="Ferries sail", lead_image=lead, body=body)


def test_json_pictures(partner_client, pictured):
    """The JSON gives the lead picture first, then the body's figure, with
    absolute rendition URLs, sizes and MIME types, credit, caption and rights."""
    data = partner_client.get(f"{LIST_URL}{pictured.pk}/").json()
    lead, figure = data["pictures"]
    assert lead["role"] == "lead"
    assert lead["id"] == pictured.lead_image_id
    assert lead["alt_text"] == "Crews on the quay"
    assert lead["credit"] == "Ann Photographer / Harbour Wire"
    assert lead["usage_terms"] == "Editorial use only"
    assert lead["copyright"] == "© Harbour Wire 2026"
    assert figure["role"] == "figure"
    assert figure["alt_text"] == "A timetable"
    rendition = lead["renditions"][0]
    assert rendition["url"].startswith("http://testserver/media/images/renditions/")
    assert rendition["mime_type"] in {"image/avif", "image/webp", "image/jpeg"}
    assert {r["ratio"] for r in lead["renditions"]} == {"original", "16:9"}
    assert any(
        r["mime_type"] == "image/jpeg" and r["width"] == 480 and r["height"] == 270
        for r in lead["renditions"]
    )


def test_ninjs_22_pictures(partner_client, pictured):
    """ninjs 2.2 gives each picture as an association of type picture, with
    its renditions, credit, caption, alt text and usage terms, valid against
    the 2.2 schema."""
    item = partner_client.get(f"{LIST_URL}{pictured.pk}/", {"format": "ninjs"}).json()
    assert_valid_ninjs(item)
    pictures = [a for a in item["associations"] if a["type"] == "picture"]
    lead, figure = pictures
    assert lead["name"] == "leadimage"
    assert lead["uri"] == f"urn:newsroom:image:{pictured.lead_image_id}"
    assert lead["by"] == "Ann Photographer / Harbour Wire"
    assert lead["headlines"] == [{"role": "main", "value": "The first ferry leaves."}]
    assert {"role": "alt", "value": "Crews on the quay"} in lead["descriptions"]
    assert {"role": "caption", "value": "The first ferry leaves."} in lead[
        "descriptions"
    ]
    assert lead["usageterms"] == "Editorial use only"
    assert lead["copyrightnotice"] == "© Harbour Wire 2026"
    jpeg = [r for r in lead["renditions"] if r["contenttype"] == "image/jpeg"]
    assert jpeg
    assert jpeg[-1]["href"].startswith("http://testserver/media/")
    assert jpeg[-1]["width"] == 480
    assert figure["name"] == "picture2"
    assert figure["descriptions"] == [{"role": "alt", "value": "A timetable"}]


def test_ninjs_31_pictures(partner_client, pictured, validator_31):
    """ninjs 3.1 gives the same pictures with its camel-case names, valid
    against the 3.1 schema."""
    item = partner_client.get(
        f"{LIST_URL}{pictured.pk}/", {"format": "ninjs", "version": "3.1"}
    ).json()
    assert_valid_ninjs_31(validator_31, item)
    lead = item["associations"][0]
    assert lead["usageTerms"] == "Editorial use only"
    assert lead["copyrightNotice"] == "© Harbour Wire 2026"
    assert all("contentType" in r for r in lead["renditions"])
    listed = partner_client.get(LIST_URL, {"format": "ninjs", "version": "3.1"})
    for story in listed.json()["results"]:
        assert_valid_ninjs_31(validator_31, story)


def test_picture_without_renditions_is_left_out(partner_client):
    """A lead picture whose renditions are not made yet is not offered."""
    story = ArticleFactory(lead_image=ImageFactory(renditions=False))
    data = partner_client.get(f"{LIST_URL}{story.pk}/").json()
    assert data["pictures"] == []


def test_draft_pictures_are_not_listed(partner_client):
    """A draft's lead picture is on no API page."""
    ArticleFactory(status="draft", lead_image=ImageFactory(caption="Secret quay"))
    assert "Secret quay" not in partner_client.get(LIST_URL).content.decode()
    ninjs = partner_client.get(LIST_URL, {"format": "ninjs"})
    assert "Secret quay" not in ninjs.content.decode()


@pytest.mark.parametrize("query", [{}, {"format": "ninjs"}, {"expand": "body"}])
def test_list_query_count(partner_client, django_assert_max_num_queries, query):
    """A page of pictured stories costs one query more than the same page
    without pictures, however many stories and pictures it shows."""
    plain = [ArticleFactory(body=f"<p>{n}</p>") for n in range(6)]
    with CaptureQueriesContext(connection) as without:
        partner_client.get(LIST_URL, query)
    picture = ImageFactory()
    for n, story in enumerate(plain):
        story.lead_image = picture if n % 2 else ImageFactory()
        story.body = f'<p>{n}</p><figure data-image-id="{picture.pk}"></figure>'
        story.save()
    with django_assert_max_num_queries(len(without) + 1):
        response = partner_client.get(LIST_URL, query)
    assert response.status_code == 200
    results = response.json()["results"]
    if "format" in query:
        assert all(item["associations"][0]["type"] == "picture" for item in results)
    else:
        assert all(item["pictures"] for item in results)
    if "expand" in query:
        # The shared picture leads half of them, so it is not repeated there.
        assert sorted(len(item["pictures"]) for item in results) == [1] * 3 + [2] * 3
