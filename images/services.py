"""Writes the picture library owns: adding pictures and moving a focal point.
The admin, the demo loader and the commands all come through here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction

from images.files import stored_files
from images.models import Image
from images.tasks import make_image_renditions
from images.uploads import CheckedImage, check_upload


def create_images(
    *, files: Sequence, uploaded_by=None, tags: Iterable[str] = (), **fields
) -> list[Image]:
    """Check every file in `files` and add each to the library with the same
    `fields` (credit, copyright, usage terms...) and `tags`; their renditions
    are queued once the transaction commits. All or nothing: raises
    ValidationError listing every refused file (each message names its file)
    and stores none of them. Call outside any transaction (see
    `images.files.stored_files`)."""
    checked: list[CheckedImage] = []
    errors: list[ValidationError] = []
    for file in files:
        try:
            checked.append(check_upload(file))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    images = []
    with stored_files() as saved:
        for upload in checked:
            image = Image(
                width=upload.width,
                height=upload.height,
                uploaded_by=uploaded_by,
                **fields,
            )
            image.file.save(upload.name, upload.content, save=False)
            saved.append(image.file)
            image.full_clean()
            image.save()
            if tags:
                image.tags.set(list(tags))
            transaction.on_commit(partial(make_image_renditions.enqueue, image.pk))
            images.append(image)
    return images


def create_image(
    *, file, uploaded_by=None, tags: Iterable[str] = (), **fields
) -> Image:
    """One picture: `create_images` with a single file."""
    return create_images(files=[file], uploaded_by=uploaded_by, tags=tags, **fields)[0]


def set_focal_point(*, image: Image, x: float, y: float) -> Image:
    """Move the picture's focal point (fractions of its width and height) and
    queue new crops around it. Raises ValidationError for a point off the
    picture."""
    image.focal_x, image.focal_y = x, y
    image.full_clean(exclude=["file"])
    image.save(update_fields=["focal_x", "focal_y", "updated_at"])
    focal_point_moved(image)
    return image


def focal_point_moved(image: Image) -> None:
    """Queue the remaking of every rendition of `image` after its focal point
    was saved (once the transaction commits)."""
    transaction.on_commit(partial(make_image_renditions.enqueue, image.pk, True))
