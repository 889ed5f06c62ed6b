"""Issue 11: an admin that feels like a newsroom (names, index, story form)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from taggit.models import Tag

from articles.models import Article
from tests.admin_forms import form_data
from tests.factories import ArticleFactory, RoleUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_model_is_called_story():
    assert Article._meta.verbose_name == "story"
    assert Article._meta.verbose_name_plural == "stories"


def test_submitting_one_story_says_story(client):
    reporter = RoleUserFactory(role="Reporter")
    client.force_login(reporter)
    article = ArticleFactory(created_by=reporter, status=Article.Status.DRAFT)

    response = client.post(
        "/admin/articles/article/",
        {"action": "submit_for_review", "_selected_action": [str(article.pk)]},
        follow=True,
    )

    assert "Submitted 1 story for review." in response.content.decode()


def app_labels(response) -> list[str]:
    return [app["app_label"] for app in response.context["app_list"]]


def test_editors_index_starts_with_stories_and_hides_internals(client):
    client.force_login(RoleUserFactory(role="Editor"))

    response = client.get("/admin/")

    labels = app_labels(response)
    assert labels[:2] == ["articles", "entities"]
    assert "taggit" not in labels
    assert "django_tasks_database" not in labels
    stories = response.context["app_list"][0]
    assert stories["name"] == "Stories"
    assert "Tags" in [model["name"] for model in stories["models"]]
    content = response.content.decode()
    assert content.index("Stories") < content.index("Entities")


def test_admins_see_task_results_last(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    labels = app_labels(client.get("/admin/"))

    assert labels[0] == "articles"
    assert "django_tasks_database" in labels
    assert "taggit" not in labels


def test_admin_group_sees_task_results(client):
    user = RoleUserFactory(role="Admin")
    assert user.groups.filter(name=Group.objects.get(name="Admin").name).exists()
    client.force_login(user)

    response = client.get("/admin/")

    assert response.status_code == 200


def test_story_form_has_its_stylesheet_and_entity_column(editor_client):
    content = editor_client.get("/admin/articles/article/add/").content.decode()

    assert "css/admin-story.css" in content
    assert "Topic tags" in content
    # The entities inline's column is headed "Entity", not "Tag".
    assert 'class="column-tag required">Entity' in content or (">Entity<" in content)


def test_typing_a_new_tag_creates_it(editor_client):
    article = ArticleFactory(draft=True, headline="Budget", body="<p>The budget.</p>")
    url = f"/admin/articles/article/{article.pk}/change/"
    response = editor_client.get(url)

    posted = editor_client.post(
        url, form_data(response, tags='budget 2027, "city hall"')
    )

    assert posted.status_code == 302, posted.context["errors"]
    assert set(article.tags.names()) == {"budget 2027", "city hall"}
    assert Tag.objects.filter(name="city hall").exists()
