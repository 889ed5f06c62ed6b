"""Autosave: an editor's unsaved edits go to their own working copy, never to
the story or its history, and are offered back when they return."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from taggit.utils import edit_string_for_tags

from articles.forms import CONFLICT_MESSAGE
from articles.models import Article, Revision, WorkingCopy
from tests.admin_forms import change_url, client_for
from tests.admin_forms import form_data as admin_form_data
from tests.factories import ArticleFactory, EditorFactory, RoleUserFactory

pytestmark = pytest.mark.django_db


def autosave_url(article: Article) -> str:
    return f"/admin/articles/article/{article.pk}/autosave/"


def discard_url(article: Article) -> str:
    return f"/admin/articles/article/{article.pk}/autosave/discard/"


@pytest.fixture
def story():
    return ArticleFactory(
        draft=True,
        headline="Talks resume",
        byline="Staff",
        body="<p>Delegates met on Monday.</p>",
    )


def form_data(response, **fields: str) -> dict[str, str]:
    """The change form as a browser posts it, topic tags as typed."""
    form = response.context["adminform"].form
    tags = form["tags"].value()
    if not isinstance(tags, str):
        tags = edit_string_for_tags(tags or [])
    return admin_form_data(response, **{"tags": tags, **fields})


def autosave(client: Client, article: Article, **fields):
    opened = client.get(change_url(article))
    return client.post(autosave_url(article), form_data(opened, **fields))


def row_of(article: Article) -> dict:
    return Article.objects.filter(pk=article.pk).values().get()


def test_autosave_keeps_the_editors_own_copy(editor_client, editor, story):
    """The posted form becomes the editor's working copy; the story's row and
    history are untouched."""
    before = row_of(story)
    revisions = Revision.objects.filter(article=story).count()

    response = autosave(editor_client, story, headline="Talks resume at last")

    assert response.status_code == 200
    assert "saved_at" in response.json()
    copy = WorkingCopy.objects.get(article=story, user=editor)
    assert copy.data["headline"] == ["Talks resume at last"]
    assert copy.edit_version == story.edit_version
    # Buttons, the CSRF token and inline rows are not the story's fields.
    assert not [key for key in copy.data if key.startswith(("_", "csrf"))]
    assert not [key for key in copy.data if "-" in key]
    assert row_of(story) == before
    assert Revision.objects.filter(article=story).count() == revisions


def test_autosaving_again_updates_the_one_copy(editor_client, editor, story):
    autosave(editor_client, story, headline="First")
    autosave(editor_client, story, headline="Second")

    copy = WorkingCopy.objects.get(article=story, user=editor)
    assert copy.data["headline"] == ["Second"]


def test_each_editor_has_their_own_copy(story):
    """B's autosave leaves A's copy alone, and A is not offered B's edits."""
    alice, bob = EditorFactory(username="alice"), EditorFactory(username="bob")
    a, b = client_for(alice), client_for(bob)
    autosave(a, story, headline="Alice's headline")
    autosave(b, story, headline="Bob's headline")

    assert WorkingCopy.objects.get(user=alice).data["headline"] == ["Alice's headline"]
    assert WorkingCopy.objects.get(user=bob).data["headline"] == ["Bob's headline"]
    content = a.get(change_url(story)).content.decode()
    assert 'id="working-copy"' in content
    restored = a.get(change_url(story) + "?restore=working-copy").content.decode()
    assert "Alice&#x27;s headline" in restored
    assert "Bob" not in restored


def test_another_editors_copy_is_not_offered(story):
    autosave(client_for(EditorFactory(username="bob")), story, headline="Bob's")

    response = client_for(EditorFactory(username="alice")).get(change_url(story))

    assert 'id="working-copy"' not in response.content.decode()


def test_a_get_is_refused(editor_client, story):
    assert editor_client.get(autosave_url(story)).status_code == 405
    assert editor_client.get(discard_url(story)).status_code == 405


def test_without_change_permission_it_is_forbidden(story):
    """Someone who may only read stories, and a reporter on another's story,
    get a 403 and no copy."""
    reader = EditorFactory(username="reader")
    reader.user_permissions.clear()
    reader.user_permissions.add(Permission.objects.get(codename="view_article"))
    published = ArticleFactory(headline="Live story")
    reporter = RoleUserFactory(role="Reporter", username="reporter")
    data = {"headline": "Mine now", "edit_base": "x"}

    assert client_for(reader).post(autosave_url(published), data).status_code == 403
    # A draft they may not even see is not there for them.
    assert client_for(reader).post(autosave_url(story), data).status_code == 404
    assert client_for(reporter).post(autosave_url(published), data).status_code == 403
    assert client_for(reporter).post(discard_url(published)).status_code == 403
    assert not WorkingCopy.objects.exists()


def test_a_reporter_autosaves_their_own_draft(client):
    reporter = RoleUserFactory(role="Reporter", username="reporter")
    draft = ArticleFactory(draft=True, created_by=reporter)
    client.force_login(reporter)

    assert autosave(client, draft, headline="My draft").status_code == 200
    assert WorkingCopy.objects.get(user=reporter).data["headline"] == ["My draft"]


def test_csrf_is_required(editor, story):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)

    response = client.post(autosave_url(story), {"headline": "No token"})

    assert response.status_code == 403
    assert not WorkingCopy.objects.exists()


class TestBadInput:
    def test_a_pk_that_is_not_a_number_is_404(self, editor_client):
        for pk in ("abc", "1e3", "-1", "9" * 30):
            url = f"/admin/articles/article/{pk}/autosave/"
            assert editor_client.post(url, {}).status_code == 404, pk

    def test_a_missing_story_is_404(self, editor_client):
        assert (
            editor_client.post(autosave_url(Article(pk=999_999)), {}).status_code == 404
        )

    def test_a_post_without_the_forms_version_is_400(self, editor_client, story):
        for edit_base in (None, "", "forged", "\x00"):
            data = {"headline": "Garbage"}
            if edit_base is not None:
                data["edit_base"] = edit_base
            response = editor_client.post(autosave_url(story), data)
            assert response.status_code == 400
            assert "error" in response.json()
        assert not WorkingCopy.objects.exists()

    def test_garbage_values_are_kept_cleaned_not_a_500(
        self, editor_client, editor, story
    ):
        opened = editor_client.get(change_url(story))
        data = form_data(
            opened,
            headline="Null\x00 byte and ESC\x1b",
            section="not a section",
            thread="9" * 30,
            go_live_at_0="32/13/2026",
            go_live_at_1="25:99",
            status="nonsense",
        )
        data["unknown_field"] = "ignored"
        data["headline_0"] = "a part of no split field"

        response = editor_client.post(autosave_url(story), data)

        assert response.status_code == 200
        copy = WorkingCopy.objects.get(user=editor)
        assert copy.data["headline"] == ["Null byte and ESC"]
        assert "unknown_field" not in copy.data
        # Offered back and restored without an error.
        assert editor_client.get(change_url(story)).status_code == 200
        restored = editor_client.get(change_url(story) + "?restore=working-copy")
        assert restored.status_code == 200


def test_the_form_offers_the_copy_back(editor_client, story):
    autosave(editor_client, story, headline="Talks resume at last")

    response = editor_client.get(change_url(story))

    content = response.content.decode()
    assert "You have unsaved changes from" in content
    assert 'href="?restore=working-copy"' in content
    assert f'formaction="{discard_url(story)}"' in content
    assert f'data-url="{autosave_url(story)}"' in content
    assert 'value="Talks resume"' in content  # the story itself, until restored


def test_a_copy_that_matches_the_story_is_not_offered(editor_client, story):
    """An autosave of the form as it opened holds no unsaved changes."""
    autosave(editor_client, story)

    response = editor_client.get(change_url(story))

    assert WorkingCopy.objects.exists()
    assert 'id="working-copy"' not in response.content.decode()


def test_a_copy_older_than_the_editors_last_save_is_not_offered(
    editor_client, editor, story
):
    autosave(editor_client, story, headline="Old edit")
    WorkingCopy.objects.update(saved_at=timezone.now() - datetime.timedelta(hours=1))
    Revision.objects.create(article=story, number=99, content={}, created_by=editor)

    response = editor_client.get(change_url(story))

    assert 'id="working-copy"' not in response.content.decode()


def test_restore_opens_the_form_on_the_copy(editor_client, story):
    autosave(
        editor_client,
        story,
        headline="Talks resume at last",
        byline="Jo Bloggs",
        tags="diplomacy, geneva",
    )

    response = editor_client.get(change_url(story) + "?restore=working-copy")

    content = response.content.decode()
    form = response.context["adminform"].form
    assert form["headline"].value() == "Talks resume at last"
    assert form["byline"].value() == "Jo Bloggs"
    assert 'value="Talks resume at last"' in content
    assert "diplomacy" in content
    assert "Restored your unsaved changes from" in content
    assert 'data-unsaved="restored"' in content
    story.refresh_from_db()
    assert story.headline == "Talks resume"


def test_restore_goes_on_top_of_a_live_storys_unpublished_changes(editor_client):
    """The form of a live story opens on its staged revision; the working copy
    goes on top, field by field."""
    live = ArticleFactory(headline="Live headline", byline="Staff")
    opened = editor_client.get(change_url(live))
    editor_client.post(
        change_url(live), form_data(opened, byline="Staged byline", _continue="1")
    )
    live.refresh_from_db()
    assert live.staged_revision_id is not None
    staged = editor_client.get(change_url(live))
    editor_client.post(autosave_url(live), form_data(staged, headline="Copy headline"))

    form = (
        editor_client.get(change_url(live) + "?restore=working-copy")
        .context["adminform"]
        .form
    )

    assert form["headline"].value() == "Copy headline"
    assert form["byline"].value() == "Staged byline"


def test_restore_without_a_copy_opens_the_story(editor_client, story):
    response = editor_client.get(change_url(story) + "?restore=working-copy")

    assert response.status_code == 200
    assert response.context["adminform"].form["headline"].value() == "Talks resume"


def test_saving_the_restored_form_saves_the_copy_and_deletes_it(
    editor_client, editor, story
):
    autosave(editor_client, story, headline="Talks resume at last")
    restored = editor_client.get(change_url(story) + "?restore=working-copy")

    saved = editor_client.post(
        change_url(story) + "?restore=working-copy", form_data(restored)
    )

    assert saved.status_code == 302
    story.refresh_from_db()
    assert story.headline == "Talks resume at last"
    assert not WorkingCopy.objects.exists()


def test_saving_the_story_deletes_only_the_editors_copy(story):
    alice, bob = EditorFactory(username="alice"), EditorFactory(username="bob")
    a, b = client_for(alice), client_for(bob)
    autosave(a, story, headline="Alice's")
    autosave(b, story, headline="Bob's")

    opened = a.get(change_url(story))
    assert a.post(change_url(story), form_data(opened, byline="A")).status_code == 302

    assert list(WorkingCopy.objects.values_list("user__username", flat=True)) == ["bob"]


def test_a_refused_save_keeps_the_copy(editor_client, editor, story):
    autosave(editor_client, story, headline="Mine")
    opened = editor_client.get(change_url(story))
    refused = editor_client.post(change_url(story), form_data(opened, headline=""))

    assert refused.status_code == 200
    assert WorkingCopy.objects.filter(user=editor).exists()


def test_discard_deletes_the_copy_and_saves_nothing(editor_client, editor, story):
    autosave(editor_client, story, headline="Throw me away")
    before = row_of(story)
    opened = editor_client.get(change_url(story))

    # The notice's button posts the whole form to the discard address.
    response = editor_client.post(discard_url(story), form_data(opened))

    assert response.status_code == 302
    assert response.url == change_url(story)
    assert not WorkingCopy.objects.exists()
    assert row_of(story) == before
    assert (
        "You have unsaved changes"
        not in editor_client.get(change_url(story)).content.decode()
    )


def test_restore_then_someone_elses_save_is_a_conflict(story):
    """A autosaves, B saves, A restores and saves: refused, with what changed."""
    alice, bob = EditorFactory(username="alice"), EditorFactory(username="bob")
    a, b = client_for(alice), client_for(bob)
    autosave(a, story, dateline="Bern")
    opened_b = b.get(change_url(story))
    assert (
        b.post(change_url(story), form_data(opened_b, byline="Bob")).status_code == 302
    )

    restored = a.get(change_url(story) + "?restore=working-copy")
    refused = a.post(change_url(story), form_data(restored))

    assert refused.status_code == 200
    content = refused.content.decode()
    assert CONFLICT_MESSAGE in content
    assert 'id="edit-conflict"' in content
    assert 'value="Bern"' in content
    story.refresh_from_db()
    assert story.byline == "Bob"
    assert story.dateline != "Bern"
    assert WorkingCopy.objects.filter(user=alice).exists()


def test_old_copies_are_pruned_and_not_offered(settings, editor_client, story):
    settings.WORKING_COPY_DAYS = 30
    other = EditorFactory(username="other")
    autosave(client_for(other), story, headline="Long ago")
    autosave(editor_client, story, headline="Old")
    WorkingCopy.objects.update(saved_at=timezone.now() - datetime.timedelta(days=31))

    assert (
        'id="working-copy"' not in editor_client.get(change_url(story)).content.decode()
    )

    autosave(editor_client, ArticleFactory(draft=True), headline="New")

    assert list(WorkingCopy.objects.values_list("data__headline", flat=True)) == [
        ["New"]
    ]


def test_deleting_the_story_deletes_its_copies(editor_client, story):
    autosave(editor_client, story, headline="Gone")
    story.delete()

    assert not WorkingCopy.objects.exists()


def test_change_form_query_count_with_a_copy(
    editor_client, django_assert_max_num_queries, story
):
    """Offering or restoring a working copy costs the change form no more
    queries than opening it without one (the copy's lookup is one query,
    counted in tests/entities/test_review_admin.py's limit)."""
    editor_client.get(change_url(story))  # warm caches (content types)
    with django_assert_max_num_queries(100) as without:
        editor_client.get(change_url(story))
    # Counted now: the next request clears the connection's query log.
    queries = len(without)
    autosave(editor_client, story, headline="Talks resume at last")

    for url in (change_url(story), change_url(story) + "?restore=working-copy"):
        with django_assert_max_num_queries(queries):
            response = editor_client.get(url)
        assert 'id="working-copy"' in response.content.decode()
