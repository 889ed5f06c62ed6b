"""Stored files go with their rows: a file saved for a row that is then not
written is deleted, and a deleted picture or rendition takes its file with it
once the deletion is committed (a rolled-back delete keeps both)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete
from django.dispatch import receiver

from images.models import Image, Rendition


@contextmanager
def stored_files(using: str | None = None) -> Iterator[list[FieldFile]]:
    """A transaction whose rows point at files saved inside it: append each
    file to the list yielded once it is saved. If the block raises, the
    transaction rolls back and the files are deleted, so no file is left
    without its row. (A rollback of an enclosing transaction after this block
    has ended cannot be seen: run it outermost, as the services do.)"""
    saved: list[FieldFile] = []
    try:
        with transaction.atomic(using=using):
            yield saved
    except BaseException:
        for file in saved:
            file.storage.delete(file.name)
        raise


@receiver(post_delete, sender=Image)
@receiver(post_delete, sender=Rendition)
def delete_stored_file(sender, instance, **kwargs) -> None:
    if instance.file:
        transaction.on_commit(partial(instance.file.storage.delete, instance.file.name))
