from __future__ import annotations

from xml.etree import ElementTree

import pytest

from tests.factories import ArticleFactory, EntityFactory, SectionFactory

pytestmark = pytest.mark.django_db

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def locations(client) -> set[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    return {loc.text.removeprefix("http://testserver") for loc in root.iter(f"{NS}loc")}


def test_sitemap_lists_stories_sections_entities_and_tags(client):
    """The sitemap lists each live story, every visible section, and entity and
    tag pages."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity], tags=["Elections"])
    SectionFactory(name="Science", slug="science", show_when_empty=True)
    ArticleFactory(section=SectionFactory(name="Drafts", slug="drafts"), draft=True)
    assert locations(client) == {
        story.get_absolute_url(),
        "/section/world/",
        "/section/science/",
        entity.get_absolute_url(),
        "/tag/elections/",
    }


def test_sitemap_gives_stories_a_lastmod(client):
    """Each story in the sitemap says when readers last saw it change: its
    publication, for a story never revised."""
    story = ArticleFactory()
    root = ElementTree.fromstring(client.get("/sitemap.xml").content)
    (url,) = [
        url
        for url in root.iter(f"{NS}url")
        if url.findtext(f"{NS}loc").endswith(story.get_absolute_url())
    ]
    assert url.findtext(f"{NS}lastmod") == story.go_live_at.date().isoformat()


@pytest.mark.parametrize("count", [1, 30])
def test_sitemap_query_count_is_constant(client, django_assert_max_num_queries, count):
    """The sitemap costs the same queries for 1 story or many."""
    for n in range(count):
        ArticleFactory(entities=EntityFactory.create_batch(2), tags=[f"tag {n}"])
    with django_assert_max_num_queries(8):
        assert client.get("/sitemap.xml").status_code == 200
