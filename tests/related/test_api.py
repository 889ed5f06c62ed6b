from __future__ import annotations

import pytest

from related.rebuild import rebuild_related
from tests.api.test_articles import detail_url, story_with_entities_and_tags
from tests.factories import (
    ArticleEntityFactory,
    ArticleFactory,
    EntityFactory,
    RelatedLinkFactory,
)

pytestmark = pytest.mark.django_db


class TestRelated:
    def test_editor_picks_then_shared_entities(self, partner_client):
        """related/ lists picks first, then stories sharing entities, with those."""
        a, b = EntityFactory.create_batch(2)
        article = ArticleFactory(entities=[a, b])
        pick = ArticleFactory()
        RelatedLinkFactory(article=article, target=pick)
        sharing_two = ArticleFactory(entities=[a, b])
        sharing_one = ArticleFactory(entities=[b])
        ArticleFactory(draft=True, entities=[a, b])
        rebuild_related()

        response = partner_client.get(f"{detail_url(article)}related/")

        assert response.status_code == 200
        related = response.json()
        assert [item["id"] for item in related] == [
            pick.pk,
            sharing_two.pk,
            sharing_one.pk,
        ]
        assert [item["picked"] for item in related] == [True, False, False]
        assert related[0]["score"] is None
        assert related[1]["score"] > related[2]["score"]
        assert related[0]["shared_entities"] == []
        assert related[1]["shared_entities"] == sorted([a.slug, b.slug])
        assert related[2]["shared_entities"] == [b.slug]
        assert "body" not in related[0]

    def test_query_count(self, partner_client, django_assert_max_num_queries):
        """Related stories cost a fixed number of queries, however many there are."""
        entity = EntityFactory()
        article = story_with_entities_and_tags(0)
        ArticleEntityFactory(content_object=article, tag=entity)
        for n in range(5):
            ArticleEntityFactory(
                content_object=story_with_entities_and_tags(n + 1), tag=entity
            )
        rebuild_related()

        # key, usage, story + links + tags + authors, picks, shared, their links,
        # tags and authors, Last-Modified's renames
        with django_assert_max_num_queries(12):
            response = partner_client.get(f"{detail_url(article)}related/")

        assert len(response.json()) == 5

    def test_of_unpublished_story_is_404(self, partner_client, unpublished):
        """A hidden story has no related stories to show."""
        response = partner_client.get(f"{detail_url(unpublished['draft'])}related/")

        assert response.status_code == 404
