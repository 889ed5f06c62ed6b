"""Every response carries a Content-Security-Policy that allows no inline code."""

from __future__ import annotations

import re

import pytest

from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(db):
    return ArticleFactory(headline="Harbour reopens")


@pytest.mark.parametrize(
    "path",
    ["/", "STORY", "/feed/", "/admin/login/", "/api/v1/docs/", "/api/v1/articles/"],
)
def test_every_page_has_a_strict_policy(partner_client, story, path):
    """The site, the admin, the feeds and the API docs load code from this origin
    only."""
    if path == "STORY":
        path = story.get_absolute_url()
    response = partner_client.get(path)

    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_story_form_allows_only_its_import_map(editor_client, story):
    """The story form's one inline script, the rich-text editor's import map,
    carries the nonce the policy names; no other inline script is allowed."""
    response = editor_client.get(f"/admin/articles/article/{story.pk}/change/")

    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    nonce = re.search(r"'nonce-([^']+)'", directives["script-src"]).group(1)
    assert directives["script-src"] == f"'self' 'nonce-{nonce}'"
    assert "unsafe" not in directives["script-src"]
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.text)
    assert inline
    assert all(
        f'nonce="{nonce}"' in attrs or "application/json" in attrs for attrs in inline
    )


def test_api_docs_have_no_inline_script_or_style(client):
    """Swagger UI's page loads its setup script and styles from files, so the
    policy needs no 'unsafe-inline'."""
    html = client.get("/api/v1/docs/").text

    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_api_docs_do_not_keep_partner_keys(client):
    """Swagger UI is told not to persist an entered key in localStorage."""
    script = client.get("/api/v1/docs/?script=").text

    assert '"persistAuthorization": false' in script
