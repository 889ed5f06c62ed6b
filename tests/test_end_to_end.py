"""The whole path once: a real story imported, then read on the site and the API."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.management import call_command
from django.test import Client

from articles.models import Article

pytestmark = pytest.mark.django_db

HEADLINE = (
    "Netanyahu and Putin discuss “continued security coordination in this sphere”"
)


def paragraphs(path) -> list[str]:
    blocks = [b.strip() for b in path.read_text(encoding="utf-8").split("\n\n")]
    return [b for b in blocks if b][3:]


def test_imported_story_reaches_readers_and_partners(story_file, partner_client):
    """An imported, published story shows headline, source, dek and every paragraph."""
    call_command("import_stories", str(story_file), "--status", "published")
    article = Article.objects.get()
    reader = Client()

    page = reader.get(article.get_absolute_url())
    assert page.status_code == 200
    text = unescape(re.sub(r"<[^>]+>", "", page.text))
    assert HEADLINE in text
    assert "Behold Israel" in text
    assert article.dek.startswith("PM speaks with Putin for second time this week")
    assert article.dek in text
    body = paragraphs(story_file)
    assert len(body) == 8
    for paragraph in body:
        assert paragraph in text

    api = partner_client.get(f"/api/v1/articles/{article.pk}/").json()
    assert api["headline"] == HEADLINE
    assert api["source_name"] == "Behold Israel"
    assert api["dek"] == article.dek
    assert api["body"].count("<p>") == 8


def test_imported_draft_reaches_nobody(story_file, partner_client):
    """Imported as a draft (the default), the story is on no public surface."""
    call_command("import_stories", str(story_file))
    article = Article.objects.get()
    assert Client().get(article.get_absolute_url()).status_code == 404
    assert partner_client.get(f"/api/v1/articles/{article.pk}/").status_code == 404
    assert HEADLINE not in Client().get("/").text
