from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from articles.importers import StoryData, import_story
from articles.models import Article
from articles.services import delete_articles
from entities.models import Suggestion
from tests.articles.test_admin import CHANGELIST, change_url, listed, story_form
from tests.factories import (
    ArticleFactory,
    EntityFactory,
    RoleUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADD = "/admin/articles/article/add/"


def delete_url(article: Article) -> str:
    return f"/admin/articles/article/{article.pk}/delete/"


def edit_form(article: Article, **fields: str) -> dict[str, str]:
    """The change form's fields for `article`, as saved, with `fields` changed."""
    saved = {
        "headline": article.headline,
        "slug": article.slug,
        "body": article.body,
        "status": article.status,
    }
    return story_form(**{**saved, **fields})


def bulk_delete(client, *articles: Article, confirm: bool = True):
    """The "Delete selected" action: its confirmation page, or (`confirm`)
    the confirmation posted."""
    return client.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            "_selected_action": [str(article.pk) for article in articles],
            **({"post": "yes"} if confirm else {}),
        },
    )


@pytest.fixture
def reporter(db):
    return RoleUserFactory(role="Reporter", username="reporter")


@pytest.fixture
def desk_editor(db):
    return RoleUserFactory(role="Editor", username="desk")


@pytest.fixture
def admin_user(db):
    return RoleUserFactory(role="Admin", username="chief")


@pytest.fixture
def stories(reporter):
    """The reporter's own draft, another reporter's draft, the reporter's story
    that is live now, and another's embargoed (scheduled) story."""
    other = RoleUserFactory(role="Reporter", username="other")
    return {
        "own_draft": ArticleFactory(draft=True, created_by=reporter),
        "others_draft": ArticleFactory(draft=True, created_by=other),
        "own_live": ArticleFactory(created_by=reporter),
        "others_scheduled": ArticleFactory(scheduled=True, created_by=other),
    }


class TestGroups:
    def test_each_role_holds_its_permissions(self):
        """Reporters write; editors also publish, delete and edit anything;
        admins also manage users and partners."""
        reporter = RoleUserFactory(role="Reporter")
        editor = RoleUserFactory(role="Editor")
        admin = RoleUserFactory(role="Admin")

        assert reporter.has_perms(["articles.add_article", "articles.change_article"])
        for perm in [
            "articles.publish_article",
            "articles.delete_article",
            "articles.change_any_article",
            "articles.add_previewlink",
        ]:
            assert not reporter.has_perm(perm)
            assert editor.has_perm(perm)
            assert admin.has_perm(perm)
        for perm in ["auth.change_user", "partners.add_partner", "auth.change_group"]:
            assert not editor.has_perm(perm)
            assert admin.has_perm(perm)
        # Reporters credit authors on their stories; editors manage authors.
        assert reporter.has_perms(
            ["articles.view_author", "articles.add_articleauthor"]
        )
        assert not reporter.has_perm("articles.add_author")
        assert editor.has_perms(["articles.add_author", "articles.change_authorlink"])

    def test_migration_is_idempotent_and_reversible(self):
        """Running the data migration again changes nothing; reversing it
        deletes the three groups, and running it again makes them as before."""
        migration = importlib.import_module("articles.migrations.0009_role_groups")
        state = MigrationLoader(connection).project_state(
            ("articles", "0009_role_groups")
        )
        editor = SimpleNamespace(connection=connection)

        def snapshot() -> dict[str, set[str]]:
            return {
                group.name: set(group.permissions.values_list("codename", flat=True))
                for group in Group.objects.filter(name__in=migration.ROLES)
            }

        before = snapshot()
        assert set(before) == {"Reporter", "Editor", "Admin"}
        migration.create_groups(state.apps, editor)
        assert snapshot() == before

        migration.delete_groups(state.apps, editor)
        assert not Group.objects.filter(name__in=migration.ROLES).exists()
        migration.create_groups(state.apps, editor)
        # Later migrations grant the permissions of later models.
        for name in (
            "0014_audit_permissions",
            "0018_front_page",
            "0019_authors",
            "0022_lead_images",
        ):
            later = importlib.import_module(f"articles.migrations.{name}")
            later.grant(
                MigrationLoader(connection).project_state(("articles", name)).apps,
                editor,
            )
        assert snapshot() == before


class TestReporter:
    def test_sees_own_stories_and_what_readers_see(self, client, reporter, stories):
        """A reporter's story list holds their own stories and live ones, not
        others' drafts or embargoes."""
        client.force_login(reporter)
        response = client.get(CHANGELIST)
        assert set(listed(response)) == {stories["own_draft"], stories["own_live"]}
        assert client.get(change_url(stories["others_draft"])).status_code == 302

    def test_edits_own_draft(self, client, reporter, stories):
        """A reporter changes their own draft."""
        client.force_login(reporter)
        draft = stories["own_draft"]
        response = client.post(change_url(draft), edit_form(draft, headline="Mine"))
        assert response.status_code == 302
        draft.refresh_from_db()
        assert draft.headline == "Mine"

    def test_cannot_change_others_or_published_stories(self, client, reporter, stories):
        """Another's draft is out of reach; their own live story is read-only:
        a POST changes nothing."""
        client.force_login(reporter)
        live = stories["own_live"]
        response = client.get(change_url(live))
        assert response.status_code == 200
        assert not response.context["has_change_permission"]
        for story in [live, stories["others_draft"]]:
            client.post(change_url(story), edit_form(story, headline="Hijacked"))
            story.refresh_from_db()
            assert story.headline != "Hijacked"

    def test_new_story_is_theirs(self, client, reporter):
        """A story a reporter adds is recorded as theirs, and they can go on
        editing it."""
        client.force_login(reporter)
        response = client.post(ADD, story_form())
        assert response.status_code == 302
        article = Article.objects.get()
        assert article.created_by == reporter
        assert client.get(change_url(article)).context["has_change_permission"]

    def test_submits_a_draft_for_review(self, client, reporter, desk_editor, stories):
        """ "Save and submit for review" marks the draft; editors find it under
        the Submitted filter."""
        client.force_login(reporter)
        draft = stories["own_draft"]
        assert 'name="_submit_for_review"' in client.get(change_url(draft)).text
        form = edit_form(draft, _submit_for_review="1")
        assert client.post(change_url(draft), form).status_code == 302
        draft.refresh_from_db()
        assert draft.submitted_at is not None
        assert draft.status == Article.Status.DRAFT

        client.force_login(desk_editor)
        response = client.get(CHANGELIST, {"review": "submitted"})
        assert listed(response) == [draft]

    def test_cannot_publish_or_delete(self, client, reporter, stories):
        """A reporter's draft stays a draft whatever the form says, and cannot
        be deleted by them."""
        client.force_login(reporter)
        draft = stories["own_draft"]
        client.post(change_url(draft), edit_form(draft, status="published"))
        draft.refresh_from_db()
        assert draft.status == Article.Status.DRAFT
        assert client.get(delete_url(draft)).status_code == 403
        bulk_delete(client, draft)
        assert Article.objects.filter(pk=draft.pk).exists()

    def test_previews_only_own_drafts(self, client, reporter, stories):
        """The staff preview needs permission to change the story."""
        client.force_login(reporter)
        assert client.get(stories["own_draft"].get_preview_url()).status_code == 200
        response = client.get(stories["others_draft"].get_preview_url())
        assert response.status_code == 403
        assert stories["others_draft"].headline not in response.text
        assert "needs permission to change it" in response.text

    def test_cannot_manage_users_or_partners(self, client, reporter):
        client.force_login(reporter)
        assert client.get("/admin/auth/user/").status_code == 403
        assert client.get("/admin/partners/partner/").status_code == 403

    def test_reimport_of_anothers_story_is_refused(self, reporter, stories):
        """An import by a reporter never overwrites a story they may not change;
        a new story it makes is theirs."""
        other = stories["others_draft"]
        other.source_key = "wire:1"
        other.save()
        with pytest.raises(PermissionDenied):
            import_story(
                story=StoryData(headline="Overwritten", source_key="wire:1"),
                by=reporter,
            )
        other.refresh_from_db()
        assert other.headline != "Overwritten"

        article, created = import_story(
            story=StoryData(headline="Fresh", source_key="wire:2"), by=reporter
        )
        assert created
        assert article.created_by == reporter


class TestEditor:
    def test_sees_and_changes_anything(self, client, desk_editor, stories):
        client.force_login(desk_editor)
        assert len(listed(client.get(CHANGELIST))) == 4
        draft = stories["others_draft"]
        client.post(change_url(draft), edit_form(draft, headline="Edited by desk"))
        draft.refresh_from_db()
        assert draft.headline == "Edited by desk"
        assert client.get(draft.get_preview_url()).status_code == 200

    def test_publishes(self, client, desk_editor, stories):
        client.force_login(desk_editor)
        draft = stories["others_draft"]
        client.post(
            CHANGELIST, {"action": "publish", "_selected_action": [str(draft.pk)]}
        )
        draft.refresh_from_db()
        assert draft.is_live

    def test_deletes_a_live_story(self, client, desk_editor, stories):
        client.force_login(desk_editor)
        live = stories["own_live"]
        assert client.post(delete_url(live), {"post": "yes"}).status_code == 302
        bulk_delete(client, stories["others_draft"], stories["others_scheduled"])
        assert list(Article.objects.all()) == [stories["own_draft"]]

    def test_cannot_manage_users_or_partners(self, client, desk_editor):
        client.force_login(desk_editor)
        assert client.get("/admin/auth/user/").status_code == 403
        assert client.get("/admin/partners/partner/").status_code == 403


class TestAdmin:
    def test_manages_users_partners_and_stories(self, client, admin_user, stories):
        client.force_login(admin_user)
        assert client.get("/admin/auth/user/").status_code == 200
        assert client.get("/admin/partners/partner/").status_code == 200
        assert client.get("/admin/auth/group/").status_code == 200
        assert len(listed(client.get(CHANGELIST))) == 4


class TestDeletingLiveStories:
    """A writer with delete rights but not the publish permission (the issue's
    finding) cannot take a story down by deleting it."""

    @pytest.fixture
    def deleter(self, client):
        user = UserFactory(is_staff=True)
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label="articles").exclude(
                codename="publish_article"
            )
        )
        client.force_login(user)
        return user

    def test_single_delete_is_refused(self, client, deleter):
        live = ArticleFactory()
        assert client.get(delete_url(live)).status_code == 403
        assert client.post(delete_url(live), {"post": "yes"}).status_code == 403
        assert Article.objects.filter(pk=live.pk).exists()

    def test_bulk_delete_is_all_or_nothing(self, client, deleter):
        """Deleting a draft and a live story together deletes neither: the
        confirmation page says what is lacking, and confirming is a 403."""
        draft, live = ArticleFactory(draft=True), ArticleFactory()
        response = bulk_delete(client, draft, live, confirm=False)
        assert response.status_code == 200
        assert "permission to delete" in response.text
        assert bulk_delete(client, draft, live).status_code == 403
        assert Article.objects.count() == 2

        bulk_delete(client, draft)
        assert list(Article.objects.all()) == [live]

    def test_service_refuses_before_deleting_anything(self, deleter):
        draft, scheduled = ArticleFactory(draft=True), ArticleFactory(scheduled=True)
        with pytest.raises(PermissionDenied, match="take it down"):
            delete_articles(articles=[draft, scheduled], by=deleter)
        assert Article.objects.count() == 2


def test_staff_without_story_permission_cannot_preview(client, stories):
    """The issue's finding: a staff account with no permission on stories
    cannot read drafts at /preview/<id>/ by counting ids."""
    client.force_login(UserFactory(is_staff=True))
    for story in stories.values():
        response = client.get(story.get_preview_url())
        assert response.status_code == 403
        assert story.headline not in response.text


def test_reporter_decides_suggestions_only_on_own_drafts(client, reporter, stories):
    """The entity suggestions queue follows the story's rules: a reporter
    neither sees nor decides suggestions on a story they may not change."""
    entity = EntityFactory()
    own = Suggestion.objects.create(article=stories["own_draft"], entity=entity)
    other = Suggestion.objects.create(article=stories["others_draft"], entity=entity)
    client.force_login(reporter)
    response = client.get("/admin/entities/suggestion/")
    assert listed(response) == [own]
    url = f"/admin/entities/suggestion/{other.pk}/confirm/from-queue/"
    assert client.post(url).status_code in (403, 404)
    other.refresh_from_db()
    assert other.status == Suggestion.Status.SUGGESTED
