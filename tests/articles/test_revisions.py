"""Revisions, staged edits to live stories, scheduling changes, restoring and
the audit trail (docs/editors.md, "Revisions and history")."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import revisions
from articles.forms import CONFLICT_MESSAGE
from articles.importers import StoryData, import_story
from articles.models import Article, AuditEvent, PreviewLink, Revision
from articles.services import (
    create_preview_link,
    delete_articles,
    publish_article,
    withdraw_article,
)
from entities.services import suggest_entities
from tests.admin_forms import change_url, client_for, form_data
from tests.conftest import run_worker
from tests.factories import (
    ArticleFactory,
    EditorFactory,
    RoleUserFactory,
    SectionFactory,
    ThreadFactory,
)

pytestmark = pytest.mark.django_db

STAGED = "Staged headline must not leak"


def history_url(article: Article) -> str:
    return f"/admin/articles/article/{article.pk}/history/"


def revision_url(article: Article, number: int) -> str:
    return f"/admin/articles/article/{article.pk}/history/{number}/"


def restore_url(article: Article, number: int) -> str:
    return f"/admin/articles/article/{article.pk}/history/{number}/restore/"


def save(client: Client, article: Article, button: str = "_save", **fields):
    """Open the story's form and post it back with `fields` changed."""
    opened = client.get(change_url(article))
    assert opened.status_code == 200
    return client.post(
        change_url(article), {**form_data(opened, **fields), button: "1"}
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def live(editor):
    """A live story saved once in the admin, so it has its first revision."""
    article = ArticleFactory(
        headline="Talks resume in Geneva",
        slug="talks-resume",
        dek="Delegates return.",
        body="<p>Delegates met on Monday.</p>",
        tags=["diplomacy"],
    )
    revisions.record_revision(article, by=editor, note="Published")
    return Article.objects.get(pk=article.pk)


@pytest.fixture
def staged(live, editor_client):
    """`live` with unpublished changes saved in the admin."""
    response = save(editor_client, live, headline=STAGED, body="<p>New text.</p>")
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.staged_revision is not None
    return live


# Every save keeps a revision


def test_every_save_keeps_a_revision_with_who_and_what_changed(editor, editor_client):
    article = ArticleFactory(draft=True, byline="Staff", dateline="Geneva")

    save(editor_client, article, byline="Alice Reporter")
    save(editor_client, article, dateline="Bern", tags="talks, geneva")

    first, second = Revision.objects.filter(article=article).order_by("number")
    assert (first.number, second.number) == (1, 2)
    assert first.created_by == editor
    assert second.created_by == editor
    assert first.content["byline"] == "Alice Reporter"
    assert second.changed == ["dateline", "tags"]
    assert second.content["tags"] == ["geneva", "talks"]
    article.refresh_from_db()
    assert article.live_revision is None  # a draft has no published version


def test_a_published_story_points_at_the_revision_readers_see(editor, editor_client):
    article = ArticleFactory(draft=True)

    save(editor_client, article, "_publish", headline="Out now")

    article.refresh_from_db()
    assert article.is_live
    assert article.live_revision.content["headline"] == "Out now"
    assert article.live_revision.published_at is not None


# Staged edits to a live story


def test_editing_a_live_story_stages_the_changes(live, editor_client):
    before = Article.objects.get(pk=live.pk)

    response = save(editor_client, live, headline=STAGED, tags="diplomacy, leaks")

    assert response.status_code == 302
    live.refresh_from_db()
    assert live.headline == "Talks resume in Geneva"
    assert live.updated_at == before.updated_at
    assert set(live.tags.names()) == {"diplomacy"}
    assert live.staged_revision.content["headline"] == STAGED
    assert live.staged_revision.content["tags"] == ["diplomacy", "leaks"]
    assert live.staged_revision.published_at is None
    assert live.edit_version == before.edit_version + 1


def test_the_form_says_live_with_unpublished_changes_and_shows_them(
    staged, editor_client
):
    response = editor_client.get(change_url(staged))

    content = response.content.decode()
    assert "Live, with unpublished changes" in content
    assert response.context["adminform"].form["headline"].value() == STAGED
    assert "Publish changes" in content
    assert "Discard" in content


def test_saving_a_live_story_says_readers_still_see_the_published_version(
    live, editor_client
):
    response = save(editor_client, live, headline=STAGED)

    followed = editor_client.get(response.url)
    assert any("readers still see the published" in m for m in messages_of(followed))


# Surfaces that must keep showing the published version.
PUBLIC = {
    "article page": "PAGE",
    "home page": "/",
    "section page": "/section/world/",
    "tag page": "/tag/diplomacy/",
    "RSS feed": "/feed/",
    "Atom feed": "/feed/atom/",
    "sitemap": "/sitemap-articles.xml",
    "news sitemap": "/sitemap-news.xml",
    "API list": "/api/v1/articles/",
    "API detail": "API",
    "API search": "/api/v1/articles/?q=Staged",
    "API ninjs": "NINJS",
}


@pytest.mark.parametrize("path", PUBLIC.values(), ids=PUBLIC.keys())
def test_unpublished_changes_never_reach_a_public_surface(
    path, staged, partner_client, django_assert_max_num_queries
):
    path = {
        "PAGE": staged.get_absolute_url(),
        "API": f"/api/v1/articles/{staged.pk}/",
        "NINJS": f"/api/v1/articles/{staged.pk}/?format=ninjs",
    }.get(path, path)

    with django_assert_max_num_queries(20):
        response = partner_client.get(path)

    assert response.status_code == 200
    content = response.content.decode()
    assert STAGED not in content
    assert "New text" not in content
    if "q=" not in path:  # a search for the staged word finds nothing
        assert "Talks resume" in content or "talks-resume" in content


def test_unpublished_changes_leave_the_last_modified_time_alone(
    live, editor_client, partner_client
):
    url = f"/api/v1/articles/{live.pk}/"
    before = partner_client.get(url)

    save(editor_client, live, headline=STAGED)

    after = partner_client.get(url)
    assert after["Last-Modified"] == before["Last-Modified"]
    assert after.get("ETag") == before.get("ETag")
    # A partner's copy is still current.
    again = partner_client.get(url, HTTP_IF_MODIFIED_SINCE=before["Last-Modified"])
    assert again.status_code == 304


def test_the_editors_preview_shows_the_unpublished_changes(staged, editor_client):
    response = editor_client.get(f"/preview/{staged.pk}/")

    assert response.status_code == 200
    assert STAGED in response.content.decode()
    assert "noindex" in response["X-Robots-Tag"] or "noindex" in (
        response.content.decode()
    )


def test_publish_changes_makes_them_live(staged, editor, editor_client, client):
    response = save(editor_client, staged, "_publish", headline=STAGED)

    assert response.status_code == 302
    staged.refresh_from_db()
    assert staged.headline == STAGED
    assert staged.body == "<p>New text.</p>"
    assert staged.staged_revision is None
    assert staged.live_revision.content["headline"] == STAGED
    assert STAGED in client.get(staged.get_absolute_url()).content.decode()
    event = AuditEvent.objects.filter(article=staged).first()
    assert (event.action, event.user) == (AuditEvent.Action.PUBLISHED_CHANGES, editor)


def test_saving_a_live_story_as_it_is_stages_nothing(live, editor_client):
    save(editor_client, live)

    live.refresh_from_db()
    assert live.staged_revision is None


def test_bulk_publish_publishes_the_unpublished_changes(staged, editor_client):
    response = editor_client.post(
        "/admin/articles/article/",
        {"action": "publish", "_selected_action": [staged.pk]},
    )

    assert response.status_code == 302
    staged.refresh_from_db()
    assert (staged.headline, staged.staged_revision) == (STAGED, None)


def test_discarding_changes_keeps_the_published_version_and_the_revision(
    staged, editor_client
):
    pending = staged.staged_revision
    opened = editor_client.get(change_url(staged))

    response = editor_client.post(
        change_url(staged),
        {
            **form_data(opened, headline="Typed but never saved"),
            "_action": "discard-changes:",
        },
    )

    assert response.status_code == 302
    staged.refresh_from_db()
    assert staged.staged_revision is None
    assert staged.headline == "Talks resume in Geneva"
    assert Revision.objects.filter(pk=pending.pk).exists()
    assert not Revision.objects.filter(content__headline="Typed but never saved")
    reopened = editor_client.get(change_url(staged))
    assert reopened.context["adminform"].form["headline"].value() == (
        "Talks resume in Geneva"
    )
    assert AuditEvent.objects.filter(
        article=staged, action=AuditEvent.Action.DISCARDED_CHANGES
    ).exists()


def test_two_editors_staging_changes_to_one_story_conflict(live):
    alice, bob = EditorFactory(username="alice"), EditorFactory(username="bob")
    a, b = client_for(alice), client_for(bob)
    opened_a, opened_b = a.get(change_url(live)), b.get(change_url(live))

    assert (
        a.post(change_url(live), form_data(opened_a, byline="Alice")).status_code == 302
    )
    refused = b.post(change_url(live), form_data(opened_b, dateline="Bern"))

    assert refused.status_code == 200
    assert CONFLICT_MESSAGE in refused.content.decode()
    live.refresh_from_db()
    assert live.staged_revision.content["byline"] == "Alice"
    assert live.staged_revision.content["dateline"] == live.dateline


# Scheduling changes


# The worker closes the connection between tasks: commit for real.
@pytest.mark.django_db(transaction=True)
def test_scheduled_changes_go_live_at_their_time_through_the_worker(
    live, editor_client, client, database_tasks
):
    at = timezone.now() + datetime.timedelta(days=1)
    opened = editor_client.get(change_url(live))
    data = form_data(opened, headline=STAGED)
    data.update(
        changes_go_live_at_0=timezone.localtime(at).strftime("%Y-%m-%d"),
        changes_go_live_at_1=timezone.localtime(at).strftime("%H:%M:%S"),
        _schedule="1",
    )

    response = editor_client.post(change_url(live), data)

    assert response.status_code == 302
    followed = editor_client.get(response.url)
    assert any("Changes scheduled for" in m for m in messages_of(followed))
    live.refresh_from_db()
    assert live.headline == "Talks resume in Geneva"
    revision = live.staged_revision
    assert revision.go_live_at is not None
    queued = DBTaskResult.objects.filter(
        task_path="articles.revisions.publish_scheduled_revisions"
    )
    assert queued.count() == 1
    assert queued.get().run_after > timezone.now()

    run_worker()  # not yet time: nothing happens
    live.refresh_from_db()
    assert live.headline == "Talks resume in Geneva"

    # The time comes.
    past = timezone.now() - datetime.timedelta(seconds=1)
    Revision.objects.filter(pk=revision.pk).update(go_live_at=past)
    queued.update(run_after=past)
    run_worker()

    live.refresh_from_db()
    assert live.headline == STAGED
    assert live.staged_revision is None
    assert STAGED in client.get(live.get_absolute_url()).content.decode()


def test_scheduling_changes_in_the_past_publishes_them_now_and_says_so(
    live, editor_client
):
    at = timezone.now() - datetime.timedelta(hours=2)
    opened = editor_client.get(change_url(live))
    data = form_data(opened, headline=STAGED)
    data.update(
        changes_go_live_at_0=timezone.localtime(at).strftime("%Y-%m-%d"),
        changes_go_live_at_1=timezone.localtime(at).strftime("%H:%M:%S"),
        _schedule="1",
    )

    response = editor_client.post(change_url(live), data)

    followed = editor_client.get(response.url)
    assert any("had passed" in m for m in messages_of(followed))
    live.refresh_from_db()
    assert live.headline == STAGED


def test_schedule_changes_needs_a_time(live, editor_client):
    opened = editor_client.get(change_url(live))

    response = editor_client.post(
        change_url(live), {**form_data(opened, headline=STAGED), "_schedule": "1"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    live.refresh_from_db()
    assert live.staged_revision is None


def test_publish_scheduled_command_publishes_due_changes(staged, editor):
    revision = staged.staged_revision
    Revision.objects.filter(pk=revision.pk).update(
        go_live_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    call_command("publish_scheduled", verbosity=0)

    staged.refresh_from_db()
    assert staged.headline == STAGED


def test_a_reporter_cannot_publish_changes(staged):
    reporter = RoleUserFactory(role="Reporter")
    with pytest.raises(revisions.PermissionDenied):
        revisions.publish_revision(revision=staged.staged_revision, by=reporter)
    staged.refresh_from_db()
    assert staged.headline == "Talks resume in Geneva"


def test_publishing_a_revision_that_is_not_staged_is_refused(staged, editor):
    old = staged.revisions.get(number=1)
    with pytest.raises(revisions.ValidationError):
        revisions.publish_revision(revision=old, by=editor)
    staged.refresh_from_db()
    assert staged.headline == "Talks resume in Geneva"


# History, diffs and restoring


def test_history_lists_revisions_and_activity(
    staged, editor_client, django_assert_max_num_queries
):
    for n in range(30):
        revisions.record_revision(staged, note=f"Save {n}")

    with django_assert_max_num_queries(15):
        response = editor_client.get(history_url(staged))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Unpublished changes" in content
    assert "Save 29" in content
    assert revision_url(staged, 1) in content
    assert "Restore" in content


def test_the_revision_page_shows_a_side_by_side_diff(staged, editor_client):
    number = staged.staged_revision.number

    response = editor_client.get(revision_url(staged, number))

    assert response.status_code == 200
    content = response.content.decode()
    assert "<del>" in content
    assert "<ins>" in content
    assert "Geneva" in content
    assert "leak" in content


def test_the_diff_escapes_what_editors_typed(live, editor_client):
    save(editor_client, live, headline="<script>alert(1)</script> Talks")
    live.refresh_from_db()

    response = editor_client.get(
        revision_url(live, live.staged_revision.number) + "?with=live"
    )

    content = response.content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;" in content


def test_a_missing_revision_is_404(live, editor_client):
    assert editor_client.get(revision_url(live, 99)).status_code == 404
    assert editor_client.get(revision_url(live, 1) + "?with=99").status_code == 404
    assert editor_client.get(
        "/admin/articles/article/999999/history/1/"
    ).status_code in (
        302,
        404,
    )


def test_restoring_a_drafts_revision_applies_it_as_a_new_revision(
    editor, editor_client
):
    article = ArticleFactory(draft=True, headline="First")
    save(editor_client, article, headline="Second")
    save(editor_client, article, headline="Third")

    response = editor_client.post(restore_url(article, 1))  # the first save

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "Second"
    newest = article.revisions.first()
    assert newest.number == 3
    assert newest.note == "Restored from revision 1"
    assert article.revisions.count() == 3
    assert AuditEvent.objects.filter(
        article=article, action=AuditEvent.Action.RESTORED, user=editor
    ).exists()


def test_restoring_a_live_storys_revision_stages_it(staged, editor_client, client):
    response = editor_client.post(restore_url(staged, 1))

    followed = editor_client.get(response.url)
    assert any("unpublished changes" in m for m in messages_of(followed))
    staged.refresh_from_db()
    assert staged.headline == "Talks resume in Geneva"
    assert staged.staged_revision.content["headline"] == "Talks resume in Geneva"
    assert staged.staged_revision.note == "Restored from revision 1"


def test_restoring_keeps_what_no_longer_exists_as_it_is_now(editor, editor_client):
    gone = SectionFactory(name="Gone", slug="gone")
    article = ArticleFactory(draft=True, section=gone)
    save(editor_client, article, headline="With the old section")
    now = SectionFactory(name="Now", slug="now")
    Article.objects.filter(pk=article.pk).update(section=now)
    gone.delete()

    response = editor_client.post(restore_url(article, 1))

    followed = editor_client.get(response.url)
    assert any("has since been deleted" in m for m in messages_of(followed))
    article.refresh_from_db()
    assert article.section == now


def test_restoring_a_revision_of_a_deleted_story_says_so(editor_client):
    article = ArticleFactory(draft=True)
    save(editor_client, article, headline="Soon gone")
    url = restore_url(article, 1)
    article.delete()

    response = editor_client.post(url, follow=True)

    assert response.status_code == 200
    assert any("has been deleted" in m for m in messages_of(response))


def test_restore_is_a_post(live, editor_client):
    assert editor_client.get(restore_url(live, 1)).status_code == 405


def test_a_reporter_cannot_restore_someone_elses_story(live):
    reporter = RoleUserFactory(role="Reporter")
    headline = live.headline

    response = client_for(reporter).post(restore_url(live, 1))

    assert response.status_code in (403, 404)
    live.refresh_from_db()
    assert live.headline == headline
    assert live.revisions.count() == 1


def test_a_reporter_restores_their_own_draft(editor):
    reporter = RoleUserFactory(role="Reporter")
    article = ArticleFactory(draft=True, headline="Mine", created_by=reporter)
    reporter_client = client_for(reporter)
    save(reporter_client, article, headline="Mine, again")

    response = reporter_client.post(restore_url(article, 1))

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "Mine, again"  # revision 1 is the first save


# Preview links to staged changes


def test_a_preview_link_shows_the_unpublished_changes_then_leads_to_the_page(
    staged, editor, editor_client, client
):
    link = create_preview_link(article=staged, by=editor)
    assert link.revision == staged.staged_revision

    shown = client.get(link.get_absolute_url())

    assert shown.status_code == 200
    assert STAGED in shown.content.decode()
    assert "no-store" in shown["Cache-Control"] or "private" in shown["Cache-Control"]

    revisions.publish_revision(revision=staged.staged_revision, by=editor)
    after = client.get(link.get_absolute_url())
    assert after.status_code == 302
    assert after.url == staged.get_absolute_url()


def test_a_live_story_without_changes_has_no_preview_link_to_share(live, editor):
    with pytest.raises(revisions.ValidationError):
        create_preview_link(article=live, by=editor)
    assert not PreviewLink.objects.exists()


# Imports follow the same rule


def wire(headline: str) -> StoryData:
    return StoryData(
        headline=headline,
        source_key="wire:talks",
        body_html="<p>Wire text.</p>",
        tags=["wire"],
    )


def test_a_draft_import_of_a_live_story_stages_once(editor, client):
    article, created = import_story(story=wire("Talks open"), status="published")
    assert created

    import_story(story=wire(STAGED), by=editor)
    import_story(story=wire(STAGED), by=editor)

    article.refresh_from_db()
    assert article.headline == "Talks open"
    assert article.staged_revision.content["headline"] == STAGED
    assert article.revisions.filter(published_at__isnull=True).count() == 1
    assert STAGED not in client.get(article.get_absolute_url()).content.decode()


# The audit trail


def test_publishing_withdrawing_and_deleting_are_recorded(editor):
    article = ArticleFactory(draft=True, headline="Audited")

    publish_article(article=article, by=editor)
    withdraw_article(article=article, by=editor)
    delete_articles(articles=[article], by=editor)

    actions = list(
        AuditEvent.objects.filter(headline="Audited")
        .order_by("at", "pk")
        .values_list("action", "user_name")
    )
    assert actions == [
        ("published", editor.username),
        ("withdrew", editor.username),
        ("deleted", editor.username),
    ]
    # The deleted story's events stay, without it.
    assert not AuditEvent.objects.filter(article__isnull=False, headline="Audited")


def test_the_audit_trail_is_in_the_admin_read_only(
    staged, editor_client, django_assert_max_num_queries
):
    for _ in range(20):
        ArticleFactory(draft=True, thread=ThreadFactory())
    for article in Article.objects.filter(status=Article.Status.DRAFT):
        publish_article(article=article)

    with django_assert_max_num_queries(12):
        response = editor_client.get("/admin/articles/auditevent/")

    assert response.status_code == 200
    assert "published" in response.content.decode()
    assert AuditEvent.objects.count() >= 20
    assert editor_client.get("/admin/articles/auditevent/add/").status_code == 403
    event = AuditEvent.objects.first()
    assert (
        editor_client.post(
            f"/admin/articles/auditevent/{event.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_reporter_cannot_read_the_audit_trail():
    reporter = RoleUserFactory(role="Reporter")

    response = client_for(reporter).get("/admin/articles/auditevent/")

    assert response.status_code == 403


def test_one_click_decisions_on_the_story_form_are_recorded(
    geneva, editor, editor_client
):
    """Confirming a suggestion, dismissing a name, pinning and excluding a
    related story from the story form each leave an event naming the editor."""
    article = ArticleFactory(
        draft=True,
        headline="Talks resume",
        body="<p>Delegates met in Geneva with Anna Kowalski on Monday.</p>",
    )
    suggest_entities(article=article)
    suggestion = article.suggestions.get(entity=geneva)
    candidate = article.candidates.get(name="Anna Kowalski")
    picked, excluded = ArticleFactory(), ArticleFactory()

    for action in (
        f"confirm:{suggestion.pk}",
        f"dismiss:{candidate.pk}",
        f"pin:{picked.pk}",
        f"exclude:{excluded.pk}",
    ):
        opened = editor_client.get(change_url(article))
        response = editor_client.post(
            change_url(article), {**form_data(opened), "_action": action}
        )
        assert response.status_code == 302, action

    events = AuditEvent.objects.filter(article=article, user=editor)
    assert set(events.values_list("action", flat=True)) >= {
        AuditEvent.Action.CONFIRMED_ENTITY,
        AuditEvent.Action.DISMISSED_CANDIDATE,
        AuditEvent.Action.PINNED,
        AuditEvent.Action.EXCLUDED,
    }
    history = editor_client.get(history_url(article)).content.decode()
    assert "confirmed an entity" in history
    assert "pinned a related story" in history
