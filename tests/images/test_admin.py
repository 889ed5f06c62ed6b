from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from images.models import Image
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    ImageFactory,
    picture_bytes,
    picture_upload,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:images_image_changelist")
ADD = reverse("admin:images_image_add")


def change_url(image: Image) -> str:
    return reverse("admin:images_image_change", args=[image.pk])


def test_the_library_lists_pictures_with_thumbnails(
    editor_client, django_assert_max_num_queries
):
    """The list shows each picture's square thumbnail, in constant queries."""
    images = [ImageFactory(caption=f"Harbour at dawn {n}") for n in range(3)]
    with django_assert_max_num_queries(9):
        response = editor_client.get(CHANGELIST)
    assert response.status_code == 200
    page = response.content.decode()
    for image in images:
        square = image.renditions.filter(ratio="1:1", format="jpeg").first()
        assert square.url in page
    assert 'class="image-thumbnail"' in page


@pytest.mark.parametrize(
    ("query", "found"),
    [("harbour", True), ("Reuters", True), ("boats", True), ("desert", False)],
)
def test_search_by_caption_credit_and_tags(editor_client, query, found):
    image = ImageFactory(
        caption="The harbour at dawn",
        credit="Reuters",
        tags=["boats"],
        renditions=False,
    )
    response = editor_client.get(CHANGELIST, {"q": query})
    assert response.status_code == 200
    assert (change_url(image) in response.content.decode()) is found


def test_several_pictures_are_uploaded_at_once(editor_client, editor):
    """One upload adds every file, each with the shared credit and tags."""
    response = editor_client.post(
        ADD,
        {
            "files": [picture_upload("one.jpg"), picture_upload("two.png", fmt="PNG")],
            "credit": "Staff photographer",
            "usage_terms": "Editorial use only",
            "tags": "harbour, dawn",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST
    images = Image.objects.all()
    assert len(images) == 2
    for image in images:
        assert image.credit == "Staff photographer"
        assert image.uploaded_by == editor
        assert sorted(image.tags.names()) == ["dawn", "harbour"]


def test_a_refused_file_is_named_and_nothing_is_added(editor_client, media_files):
    response = editor_client.post(
        ADD,
        {
            "files": [
                picture_upload("good.jpg"),
                SimpleUploadedFile("drawing.svg", b"<svg></svg>"),
            ]
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "“drawing.svg” is not a picture in a format Newsroom accepts" in page
    assert not Image.objects.exists()
    assert media_files() == []


def test_an_alt_text_of_2000_characters_is_refused_on_upload(editor_client):
    response = editor_client.post(
        ADD, {"files": [picture_upload()], "alt_text": "x" * 2000}
    )
    assert response.status_code == 200
    assert "Alt text may be at most 500 characters (this one has 2000)" in (
        response.content.decode()
    )
    assert not Image.objects.exists()


def test_the_change_form_has_the_focal_point_picker(editor_client):
    image = ImageFactory(renditions=False)
    response = editor_client.get(change_url(image))
    page = response.content.decode()
    assert "data-focal-picker" in page
    assert "images/focal_point.js" in page
    assert f'width="{image.width}" height="{image.height}"' in page


def test_saving_a_new_focal_point_remakes_renditions(
    editor_client, django_capture_on_commit_callbacks
):
    image = ImageFactory(width=400, height=200)
    old = set(image.renditions.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            change_url(image),
            {
                "alt_text": image.alt_text,
                "caption": image.caption,
                "credit": image.credit,
                "tags": "",
                "focal_x": "0.8",
                "focal_y": "0.4",
            },
        )
    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y) == (0.8, 0.4)
    assert old.isdisjoint(image.renditions.values_list("pk", flat=True))
    assert image.renditions.exists()


def test_the_change_form_shows_where_it_is_used_and_warns(editor_client):
    """A picture in a story that went live this week and an author's photo
    are listed; the recent use and an expired licence are warned about."""
    image = ImageFactory(
        renditions=False,
        licence_expires_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    story = ArticleFactory(headline="Harbour reopens", lead_image=image)
    author = AuthorFactory(name="Nadia Hollis", photo=image)
    response = editor_client.get(change_url(image))
    page = response.content.decode()
    assert reverse("admin:articles_article_change", args=[story.pk]) in page
    assert reverse("admin:articles_author_change", args=[author.pk]) in page
    assert "Used in the last 7 days, in “Harbour reopens”" in page
    assert "The licence of this picture expired on" in page


def test_an_old_use_gives_no_warning(editor_client):
    image = ImageFactory(renditions=False)
    ArticleFactory(
        lead_image=image, go_live_at=timezone.now() - datetime.timedelta(days=30)
    )
    page = editor_client.get(change_url(image)).content.decode()
    assert "Used in the last 7 days" not in page


def test_a_picture_in_use_cannot_be_deleted(editor_client, media_files):
    """Deleting a story's lead picture is refused with a message, not a 500."""
    image = ImageFactory(renditions=False)
    ArticleFactory(lead_image=image)
    url = reverse("admin:images_image_delete", args=[image.pk])
    response = editor_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This picture is in use and cannot be deleted" in page
    response = editor_client.post(url, {"post": "yes"})
    assert response.status_code in (200, 403)
    assert Image.objects.filter(pk=image.pk).exists()
    assert image.file.name in media_files()


def test_bulk_delete_of_a_picture_in_use_is_refused(editor_client):
    image = ImageFactory(renditions=False)
    ArticleFactory(lead_image=image)
    response = editor_client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [image.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert Image.objects.filter(pk=image.pk).exists()


def test_an_unused_picture_is_deleted_with_its_files(
    editor_client, media_files, django_capture_on_commit_callbacks
):
    image = ImageFactory()
    url = reverse("admin:images_image_delete", args=[image.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert media_files() == []


def test_the_story_form_picks_a_lead_picture(editor_client):
    """The story form has the lead picture as an autocomplete box."""
    story = ArticleFactory()
    page = editor_client.get(
        reverse("admin:articles_article_change", args=[story.pk])
    ).content.decode()
    assert 'name="lead_image"' in page
    assert "admin-autocomplete" in page


def test_picture_upload_is_a_real_image():
    assert picture_bytes()[:2] == b"\xff\xd8"
