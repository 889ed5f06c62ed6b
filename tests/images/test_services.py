from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from images.models import Image, Rendition
from images.services import create_image, create_images, set_focal_point
from tests.factories import ImageFactory, UserFactory, picture_upload

pytestmark = pytest.mark.django_db


def test_an_upload_is_stored_under_a_random_name(media_files):
    """The stored original's name says nothing of the upload's."""
    user = UserFactory()
    image = create_image(
        file=picture_upload("Minister resigns.jpg", width=300, height=200),
        uploaded_by=user,
        credit="Agency",
        tags=["politics"],
    )
    assert (image.width, image.height, image.uploaded_by) == (300, 200, user)
    assert "Minister" not in image.file.name
    assert image.file.name.endswith(".jpg")
    assert media_files() == [image.file.name]
    assert list(image.tags.names()) == ["politics"]


def test_renditions_are_made_by_the_task_after_commit(
    django_capture_on_commit_callbacks,
):
    """Uploading queues the renditions; the worker makes them once committed."""
    with django_capture_on_commit_callbacks(execute=True):
        image = create_image(file=picture_upload(width=400, height=300))
        assert not image.renditions.exists()
    assert image.renditions.filter(ratio="16:9").exists()


def test_one_refused_file_adds_none_and_names_every_refusal(media_files):
    """All or nothing: a bad file among good ones stores no file and no row,
    and each refused file is named."""
    files = [
        picture_upload("good.jpg"),
        picture_upload("fake.jpg", fmt="PNG"),
        picture_upload("also-good.png", fmt="PNG"),
    ]
    files.append(type(files[0])("notes.txt", b"hello"))
    with pytest.raises(ValidationError) as caught:
        create_images(files=files)
    messages = caught.value.messages
    assert len(messages) == 2
    assert messages[0].startswith("“fake.jpg” is a PNG picture")
    assert messages[1].startswith("“notes.txt” is not a picture")
    assert not Image.objects.exists()
    assert media_files() == []


def test_an_alt_text_of_2000_characters_is_refused_and_the_file_removed(media_files):
    """A row that fails validation after its file was stored leaves no file."""
    with pytest.raises(ValidationError) as caught:
        create_image(file=picture_upload(), alt_text="x" * 2000)
    assert caught.value.message_dict["alt_text"] == [
        "Ensure this value has at most 500 characters (it has 2000)."
    ]
    assert not Image.objects.exists()
    assert media_files() == []


def test_moving_the_focal_point_remakes_the_crops(django_capture_on_commit_callbacks):
    """After the focal point moves, the square crop is made again around it."""
    image = ImageFactory(width=400, height=200)
    before = {r.pk for r in image.renditions.all()}
    square = image.renditions.get(ratio="1:1", format="jpeg", width=200)
    old_pixels = square.file.read()
    with django_capture_on_commit_callbacks(execute=True):
        set_focal_point(image=image, x=0.9, y=0.5)
    after = Rendition.objects.filter(image=image)
    assert before.isdisjoint({r.pk for r in after})
    assert after.count() == len(before)
    new_square = after.get(ratio="1:1", format="jpeg", width=200)
    assert new_square.file.read() != old_pixels
    assert not square.file.storage.exists(square.file.name)


def test_a_focal_point_off_the_picture_is_refused():
    image = ImageFactory(renditions=False)
    with pytest.raises(ValidationError) as caught:
        set_focal_point(image=image, x=1.5, y=0.5)
    assert "focal_x" in caught.value.message_dict


def test_deleting_a_picture_deletes_its_files(
    media_files, django_capture_on_commit_callbacks
):
    """No orphan files: the original and renditions go with the row."""
    image = ImageFactory()
    assert len(media_files()) == 1 + image.renditions.count()
    with django_capture_on_commit_callbacks(execute=True):
        image.delete()
    assert media_files() == []
