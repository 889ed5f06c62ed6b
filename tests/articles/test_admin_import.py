from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from articles.importers.jobs import start_import_job
from articles.models import Article, ImportJob
from entities.matcher import invalidate_matcher
from tests.factories import (
    EditorFactory,
    EntityFactory,
    ImportJobFactory,
    SectionFactory,
    ThreadFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:articles_article_import")
DRAFT = {"status": "draft"}


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def drafter_client(client):
    """A staff member who may add stories but not publish them."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="articles",
            codename__in=["add_article", "view_article", "change_article"],
        )
    )
    client.force_login(user)
    return client


def test_editor_sees_the_import_page(editor_client):
    """An editor gets the import form in the admin."""
    response = editor_client.get(IMPORT_URL)

    assert response.status_code == 200
    assert b'type="file"' in response.content
    assert b"multiple" in response.content
    assert b'value="published"' in response.content
    assert "Import stories" in response.text


def test_change_list_links_to_the_import_page(editor_client):
    """The story list has an "Import stories" button next to "Add"."""
    response = editor_client.get(reverse("admin:articles_article_changelist"))

    assert f'href="{IMPORT_URL}"' in response.text


def test_anonymous_visitor_is_sent_to_log_in(client):
    """The import page asks an anonymous visitor to log in."""
    response = client.get(IMPORT_URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_non_staff_user_gets_no_access(client):
    """A logged-in reader who is not staff cannot reach the import page."""
    client.force_login(UserFactory())

    response = client.post(
        IMPORT_URL, {"files": [upload("a.txt", b"Sneaky\n\nBody.")], "status": "draft"}
    )

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert not Article.objects.exists()


def test_staff_without_add_permission_is_forbidden(client):
    """Staff who may not add stories may not import them."""
    client.force_login(UserFactory(is_staff=True))

    assert client.get(IMPORT_URL).status_code == 403


def test_upload_reports_created_and_rejected_per_file(editor_client):
    """Uploaded files are imported and each one's outcome is shown."""
    response = editor_client.post(
        IMPORT_URL,
        {
            "files": [
                upload("harbour.txt", b"Harbour reopens | Gazette\n\nBoats are back."),
                upload("broken.json", b'{"headline": '),
                upload("empty.txt", b""),
                upload("storm.json", b'{"uri": "urn:x:storm", "headline": "Storm"}'),
            ],
            "status": "draft",
        },
    )

    assert response.status_code == 200
    report = response.context["report"]
    assert [(o.name, o.result) for o in report.outcomes] == [
        ("harbour.txt", "created"),
        ("broken.json", "rejected"),
        ("empty.txt", "rejected"),
        ("storm.json", "created"),
    ]
    assert "2 created, 0 updated, 2 rejected" in response.text
    assert "broken.json, line 1, column 14" in response.text
    assert "not valid JSON" in response.text
    assert "the file is empty" in response.text
    assert "Harbour reopens" in response.text
    assert Article.objects.count() == 2


def test_upload_again_reports_updated(editor_client):
    """Uploading the same file twice updates the story."""
    data = b"Harbour reopens | Gazette\n\nBoats are back."
    editor_client.post(IMPORT_URL, {"files": [upload("a.txt", data)]} | DRAFT)

    response = editor_client.post(
        IMPORT_URL, {"files": [upload("a.txt", data)]} | DRAFT
    )

    assert response.context["report"].outcomes[0].result == "updated"
    assert Article.objects.count() == 1


def test_editor_can_import_published_into_a_section(editor_client):
    """An editor with publishing rights imports straight into a section, live."""
    section = SectionFactory(name="Business", slug="business")

    editor_client.post(
        IMPORT_URL,
        {
            "files": [upload("a.txt", b"Harbour reopens\n\nBoats are back.")],
            "status": "published",
            "section": section.pk,
            "published_at_0": "2025-03-01",
            "published_at_1": "09:00",
        },
    )

    article = Article.objects.get()
    assert article.is_live
    assert article.section == section
    assert article.go_live_at.isoformat() == "2025-03-01T09:00:00+00:00"


def test_drafter_may_import_drafts_but_not_publish(drafter_client):
    """Without the publish permission only drafts can be imported."""
    page = drafter_client.get(IMPORT_URL)
    assert page.status_code == 200
    assert b'value="published"' not in page.content

    response = drafter_client.post(
        IMPORT_URL,
        {"files": [upload("a.txt", b"Harbour\n\nBody.")], "status": "published"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["status"]
    assert not Article.objects.exists()


def test_posting_without_files_shows_an_error(editor_client):
    """The form asks for at least one file."""
    response = editor_client.post(IMPORT_URL, DRAFT)

    assert response.context["form"].errors["files"]
    assert response.context["report"] is None


def test_import_page_can_confirm_detected_entities(editor_client):
    """Ticking "Confirm detected entities" tags the stories with what was found."""
    kremlin = EntityFactory(name="Kremlin", kind="organization")
    invalidate_matcher()
    data = b"Kremlin speaks\n\nThe Kremlin said nothing more."
    editor_client.post(
        IMPORT_URL, {"files": [upload("a.txt", data)], "confirm_entities": "on"} | DRAFT
    )
    assert list(Article.objects.get().entities.all()) == [kremlin]


def test_import_page_leaves_detected_entities_as_suggestions(editor_client):
    """Without the box, what the matcher finds waits for an editor."""
    EntityFactory(name="Kremlin", kind="organization")
    invalidate_matcher()
    data = b"Kremlin speaks\n\nThe Kremlin said nothing more."
    editor_client.post(IMPORT_URL, {"files": [upload("a.txt", data)]} | DRAFT)
    article = Article.objects.get()
    assert not article.entities.exists()
    assert article.suggestions.get().entity.name == "Kremlin"


def test_bad_uploads_get_a_report_not_a_server_error(editor_client):
    """Nested JSON, a lone surrogate and a control character give the editor a
    report naming each file (and what was cleaned), never a 500."""
    response = editor_client.post(
        IMPORT_URL,
        {
            "files": [
                upload("deep.json", b"[" * 20_000 + b"]" * 20_000),
                upload("lone.json", b'{"uri": "urn:x:1", "headline": "Lone \\ud800"}'),
                upload("wire.txt", b"Wire\x1b copy\n\nBody."),
            ]
        }
        | DRAFT,
    )

    assert response.status_code == 200
    assert "2 created, 0 updated, 1 rejected, 2 warnings" in response.text
    assert "nested deeper than the limit of 32 levels (MAX_JSON_DEPTH)" in (
        response.text
    )
    assert "headline: removed U+D800 lone surrogate" in response.text
    assert "headline: removed U+001B" in response.text
    assert set(Article.objects.values_list("headline", flat=True)) == {
        "Lone",
        "Wire copy",
    }


def test_a_file_over_the_upload_limit_is_refused_with_the_limit(
    editor_client, settings
):
    """The form refuses a file over MAX_UPLOAD_BYTES, saying the limit, and
    imports nothing."""
    settings.MAX_UPLOAD_BYTES = 1024

    response = editor_client.post(
        IMPORT_URL,
        {
            "files": [
                upload("big.txt", b"Big\n\n" + b"x" * 3000),
                upload("a.txt", b"Small\n\nBody."),
            ]
        }
        | DRAFT,
    )

    assert response.status_code == 200
    assert response.context["form"].errors["files"] == [
        "big.txt: the file is 2.9 KB, over the limit of 1.0 KB (MAX_UPLOAD_BYTES)."
    ]
    assert "At most 1.0 KB a file." in response.text
    assert not Article.objects.exists()


def test_a_large_upload_becomes_a_background_job(
    editor_client, settings, django_capture_on_commit_callbacks
):
    """Past IMPORT_BACKGROUND_FILES the upload is queued as a job (run at once
    here), and its page keeps the final report for the editor."""
    settings.IMPORT_BACKGROUND_FILES = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            IMPORT_URL,
            {
                "files": [
                    upload("a.txt", b"Harbour reopens\n\nBoats are back."),
                    upload("b.json", b"[" * 40 + b"]" * 40),
                ]
            }
            | DRAFT,
        )

    job = ImportJob.objects.get()
    assert response.url == reverse(
        "admin:articles_article_import_job", kwargs={"job_id": job.pk}
    )
    assert job.file_names == ["a.txt", "b.json"]
    assert job.status == ImportJob.Status.DONE
    page = editor_client.get(response.url)
    assert page.status_code == 200
    assert "1 created, 0 updated, 1 rejected" in page.text
    assert "Harbour reopens" in page.text
    assert "MAX_JSON_DEPTH" in page.text
    listing = editor_client.get(IMPORT_URL)
    assert "Your background imports" in listing.text
    assert response.url in listing.text


def test_an_import_job_is_seen_by_its_editor_only(editor_client, drafter_client):
    """Another user's job page is not found unless they may view all jobs."""
    drafter = drafter_client.session["_auth_user_id"]
    theirs = ImportJobFactory(created_by=UserFactory(is_staff=True))
    own = ImportJobFactory(created_by_id=drafter)

    def page(job):
        return reverse("admin:articles_article_import_job", kwargs={"job_id": job.pk})

    assert drafter_client.get(page(theirs)).status_code == 404
    assert drafter_client.get(page(own)).status_code == 200
    assert drafter_client.get(page(own).replace(str(own.pk), "999")).status_code == 404
    editor_client.force_login(EditorFactory())
    assert editor_client.get(page(theirs)).status_code == 200


def test_the_import_job_list(editor_client, django_assert_max_num_queries):
    """The list of background imports shows each job's counts in a few queries."""
    ImportJobFactory.create_batch(5, created=3, rejected=1)

    with django_assert_max_num_queries(8):
        response = editor_client.get(reverse("admin:articles_importjob_changelist"))

    assert response.status_code == 200
    assert response.text.count("/import/") >= 5


def test_a_stalled_job_says_so_and_can_be_retried(
    editor_client, editor, django_capture_on_commit_callbacks
):
    """A job whose worker was killed mid-run shows as stalled, keeps its files,
    and a retry imports them all, updating what it had imported before."""
    with django_capture_on_commit_callbacks(execute=False):
        job = start_import_job(
            uploads=[
                upload("a.txt", b"Harbour reopens\n\nBoats are back."),
                upload("b.txt", b"Ferry returns\n\nThe ferry is back."),
            ],
            by=editor,
        )
    # What a worker killed after the first story leaves behind.
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING,
        started_at=timezone.now() - datetime.timedelta(minutes=20),
        progress_at=timezone.now() - datetime.timedelta(minutes=19),
        created=1,
    )
    page_url = reverse("admin:articles_article_import_job", kwargs={"job_id": job.pk})

    page = editor_client.get(page_url)
    assert "Stalled" in page.text
    assert 'name="retry"' in page.text
    assert 'http-equiv="refresh"' not in page.text

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(page_url, {"retry": "1"})

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.created == 2
    assert Article.objects.count() == 2
    assert not job.files.exists()


def test_a_running_or_finished_job_is_not_retried(editor_client, editor):
    """Retry is refused for a job that is still moving or has finished."""
    running = ImportJobFactory(
        created_by=editor,
        status=ImportJob.Status.RUNNING,
        started_at=timezone.now(),
        progress_at=timezone.now(),
    )
    done = ImportJobFactory(created_by=editor)
    for job in (running, done):
        url = reverse("admin:articles_article_import_job", kwargs={"job_id": job.pk})
        assert 'name="retry"' not in editor_client.get(url).text
        editor_client.post(url, {"retry": "1"})
        job.refresh_from_db()
        assert job.status != ImportJob.Status.QUEUED


def test_the_go_live_time_is_shown_as_on_the_story_form(editor_client, settings):
    """The import page's go-live time has the change form's date and time
    boxes (calendar and clock) and names the site's time zone."""
    response = editor_client.get(IMPORT_URL)

    content = response.content.decode()
    assert 'name="published_at_0"' in content
    assert 'class="vDateField"' in content
    assert 'class="vTimeField"' in content
    assert f"Go-live time ({settings.TIME_ZONE})" in content
    assert "admin/js/admin/DateTimeShortcuts.js" in content


def test_a_batch_byline_section_and_new_thread(editor_client):
    """The batch's byline goes to the stories whose file has none; the section
    and a new thread to every story."""
    section = SectionFactory(name="Business", slug="business")

    response = editor_client.post(
        IMPORT_URL,
        {
            "files": [
                upload("a.txt", b"Harbour reopens\n\nBoats are back."),
                upload(
                    "b.json",
                    b'{"uri": "urn:x:1", "headline": "Storm", "byline": "Own Byline"}',
                ),
            ],
            "byline": "Desk Staff",
            "section": section.pk,
            "new_thread": "Harbour dispute",
        }
        | DRAFT,
    )

    assert response.status_code == 200
    bylines = dict(Article.objects.values_list("headline", "byline"))
    assert bylines == {"Harbour reopens": "Desk Staff", "Storm": "Own Byline"}
    assert {a.section for a in Article.objects.all()} == {section}
    assert {a.thread.title for a in Article.objects.all()} == {"Harbour dispute"}


def test_an_existing_thread_by_autocomplete(editor_client):
    thread = ThreadFactory(title="Harbour dispute")

    editor_client.post(
        IMPORT_URL,
        {"files": [upload("a.txt", b"Harbour reopens\n\nBoats.")], "thread": thread.pk}
        | DRAFT,
    )

    assert Article.objects.get().thread == thread
    page = editor_client.get(IMPORT_URL).content.decode()
    assert "admin-autocomplete" in page
    assert 'data-model-name="article"' in page


def test_a_thread_chosen_and_named_is_refused(editor_client):
    thread = ThreadFactory(title="Harbour dispute")

    response = editor_client.post(
        IMPORT_URL,
        {
            "files": [upload("a.txt", b"Harbour reopens\n\nBoats.")],
            "thread": thread.pk,
            "new_thread": "Another",
        }
        | DRAFT,
    )

    assert response.status_code == 200
    assert "not both" in response.content.decode()
    assert not Article.objects.exists()


@pytest.mark.parametrize("value", ["abc", "x'", "1.5"])
def test_a_thread_that_is_no_id_is_a_form_error(editor_client, value):
    """A forged thread value is an error on the form, not a server error."""
    response = editor_client.post(
        IMPORT_URL,
        {"files": [upload("a.txt", b"Harbour reopens\n\nBoats.")], "thread": value}
        | DRAFT,
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Article.objects.exists()


def test_a_background_import_carries_the_batch_values(
    editor_client, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_FILES = 0
    section = SectionFactory(name="Business", slug="business")
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(
            IMPORT_URL,
            {
                "files": [upload("a.txt", b"Harbour reopens\n\nBoats are back.")],
                "byline": "Desk Staff",
                "section": section.pk,
                "new_thread": "Harbour dispute",
            }
            | DRAFT,
        )

    job = ImportJob.objects.get()
    assert (job.byline, job.section, job.new_thread) == (
        "Desk Staff",
        section,
        "Harbour dispute",
    )
    assert job.status == ImportJob.Status.DONE
    article = Article.objects.get()
    assert (article.byline, article.section, article.thread.title) == (
        "Desk Staff",
        section,
        "Harbour dispute",
    )
