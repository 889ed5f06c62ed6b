from __future__ import annotations

import pytest
from django.urls import reverse

from articles.models import Article
from related.models import (
    RelatedExclusion,
    RelatedLink,
)
from related.rebuild import rebuild_related
from related.serving import related_articles
from tests.admin_forms import press
from tests.factories import (
    ArticleFactory,
    EntityFactory,
)

pytestmark = pytest.mark.django_db


class TestAdmin:
    def change_url(self, article: Article) -> str:
        return reverse("admin:articles_article_change", args=[article.pk])

    def test_change_form_shows_suggestions_with_scores_and_shared_entities(
        self, editor_client
    ):
        """The story form lists automatic suggestions, their scores and why."""
        entity = EntityFactory(name="Wadi Barada")
        story = ArticleFactory(entities=[entity])
        other = ArticleFactory(entities=[entity], headline="Water cut to Damascus")
        response = editor_client.get(self.change_url(story))
        content = response.content.decode()
        assert "Water cut to Damascus" in content
        assert "Wadi Barada" in content
        # The buttons submit the story form itself, which saves before pinning.
        assert f'name="_action" value="pin:{other.pk}">Pin</button>' in content

    def test_pin_button_creates_an_editors_pick(self, editor_client):
        """The pin button makes the suggestion an editor's pick."""
        entity = EntityFactory()
        story = ArticleFactory(draft=True)
        other = ArticleFactory(entities=[entity])
        response = press(editor_client, story, f"pin:{other.pk}")
        assert response.status_code == 302
        assert RelatedLink.objects.filter(article=story, target=other).exists()

    def test_exclude_button_hides_the_suggestion(self, editor_client):
        """The exclude button stops a story being suggested."""
        entity = EntityFactory()
        story = ArticleFactory(draft=True)
        other = ArticleFactory(entities=[entity])
        rebuild_related()
        press(editor_client, story, f"exclude:{other.pk}")
        assert related_articles(story) == []

    def test_the_old_pin_urls_are_gone(self, editor_client):
        story, other = ArticleFactory(), ArticleFactory()
        for verb in ("pin", "exclude"):
            url = f"/admin/articles/article/{story.pk}/{verb}/{other.pk}/"
            assert editor_client.post(url).status_code in (301, 302, 404)
        assert not RelatedLink.objects.exists()
        assert not RelatedExclusion.objects.exists()

    @pytest.mark.parametrize(
        ("action", "message"),
        [
            ("pin", "A story cannot be related to itself."),
            ("exclude", "A story cannot exclude itself."),
        ],
    )
    def test_pinning_or_excluding_a_story_to_itself_is_refused(
        self, editor_client, action, message
    ):
        """Pinning or excluding a story to itself is refused with a message."""
        story = ArticleFactory()

        response = press(editor_client, story, f"{action}:{story.pk}")

        assert response.status_code == 302
        page = editor_client.get(response["Location"])
        assert message in [str(m) for m in page.context["messages"]]
        assert not RelatedLink.objects.exists()
        assert not RelatedExclusion.objects.exists()


def test_related_story_autocomplete(editor_client):
    """The related story picker finds stories by headline."""
    wanted = ArticleFactory(headline="Bridge reopens")
    ArticleFactory(headline="Election called")

    response = editor_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "related",
            "model_name": "relatedlink",
            "field_name": "target",
            "term": "bridge",
        },
    )

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(wanted.pk)]
