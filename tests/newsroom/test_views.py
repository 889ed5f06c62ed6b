"""What every reader-facing page shares (newsroom.views): the favicon."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_pages_link_the_svg_favicon(client):
    """Every page's head links the SVG icon, which exists in static/."""
    response = client.get("/")
    assert (
        '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
        in response.text
    )
    assert finders.find("favicon.svg")


def test_favicon_ico_leads_to_the_icon(client):
    """/favicon.ico, which browsers ask for whatever a page links, redirects
    to the SVG icon and is kept a day; the icon is served."""
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
    assert "max-age=86400" in response["Cache-Control"]
    assert client.head("/favicon.ico").status_code == 302

    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)
