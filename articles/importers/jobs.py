"""Background imports: what the admin's import page hands to the task worker
when an upload is too large to import before the request times out.

`start_import_job` stores the uploads with the choices made for them and queues
`run_import_job`, which `manage.py db_worker` runs: it imports the files through
`import_files`, as the command does (related lists refreshed when the run ends),
saving the counts and outcomes so far as it goes, so that the job's progress
page can show them.
"""

from __future__ import annotations

import datetime
import io
import logging
import time
from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone
from django_tasks import task

from articles.importers.base import Outcome
from articles.importers.run import import_files
from articles.models import Article, ImportJob, ImportJobFile, Section, Thread
from related.services import refresh_related_at_end

logger = logging.getLogger(__name__)

# Seconds between saves of a running job's progress: often enough for the page
# (it reloads every few seconds), rarely enough to cost nothing next to imports.
SAVE_EVERY = 1.0


def needs_background(uploads: Sequence[UploadedFile]) -> bool:
    """Whether an upload is too large to import during the request: more bytes
    than IMPORT_BACKGROUND_BYTES, or more files than IMPORT_BACKGROUND_FILES."""
    return (
        sum(upload.size for upload in uploads) > settings.IMPORT_BACKGROUND_BYTES
        or len(uploads) > settings.IMPORT_BACKGROUND_FILES
    )


@transaction.atomic
def start_import_job(
    *,
    uploads: Sequence[UploadedFile],
    by,
    status: str = Article.Status.DRAFT,
    section: Section | None = None,
    published_at: datetime.datetime | None = None,
    confirm_entities: bool = False,
    byline: str = "",
    thread: Thread | None = None,
    new_thread: str = "",
) -> ImportJob:
    """Store `uploads` with how to import them, and queue the job for the task
    worker once this transaction commits. The files are copied one at a time,
    each at most MAX_UPLOAD_BYTES (the import form refuses larger ones)."""
    job = ImportJob.objects.create(
        created_by=by,
        import_as=status,
        section=section,
        published_at=published_at,
        confirm_entities=confirm_entities,
        byline=byline,
        thread=thread,
        new_thread=new_thread,
        file_names=[upload.name for upload in uploads],
        total_bytes=sum(upload.size for upload in uploads),
    )
    for upload in uploads:
        upload.seek(0)
        ImportJobFile.objects.create(job=job, name=upload.name, data=upload.read())
    transaction.on_commit(partial(run_import_job.enqueue, job.pk))
    return job


@task()
def run_import_job(job_id: int) -> str:
    """Import the files of a queued job, keeping its progress and report.

    Returns the job's summary. A job that is not waiting (already run, or
    deleted) is left alone.
    """
    now = timezone.now()
    claimed = ImportJob.objects.filter(
        pk=job_id, status=ImportJob.Status.QUEUED
    ).update(status=ImportJob.Status.RUNNING, started_at=now, progress_at=now)
    if not claimed:
        return ""
    job = ImportJob.objects.select_related("created_by", "section", "thread").get(
        pk=job_id
    )
    files = list(job.files.values_list("pk", "name"))
    last_save = time.monotonic()

    def on_outcome(outcome: Outcome) -> None:
        nonlocal last_save
        job.report.append(outcome.as_row())
        if outcome.result == Outcome.CREATED:
            job.created += 1
        elif outcome.result == Outcome.UPDATED:
            job.updated += 1
        else:
            job.rejected += 1
        if time.monotonic() - last_save >= SAVE_EVERY:
            job.progress_at = timezone.now()
            job.save(
                update_fields=[
                    "created",
                    "updated",
                    "rejected",
                    "report",
                    "progress_at",
                ]
            )
            last_save = time.monotonic()

    try:
        with refresh_related_at_end() as refresh:
            report = import_files(
                ((name, partial(_open, pk)) for pk, name in files),
                status=job.import_as,
                section=job.section,
                published_at=job.published_at,
                confirm_entities=job.confirm_entities,
                byline=job.byline,
                thread=job.thread.slug if job.thread else job.new_thread,
                by=job.created_by,
                on_outcome=on_outcome,
            )
        job.summary = f"{report.summary()}; {refresh.summary()}"
        job.status = ImportJob.Status.DONE
    except Exception as error:
        # Only the database going away gets here: every file and story failure
        # is in the report. What was imported stays, and is listed; the files
        # stay too, for a retry.
        logger.exception("Import job %s stopped", job_id)
        job.summary = f"Stopped by an error after {len(job.report)} outcomes: {error}"
        job.status = ImportJob.Status.FAILED
    job.finished_at = job.progress_at = timezone.now()
    try:
        job.save()
        if job.status == ImportJob.Status.DONE:
            job.files.all().delete()
    except DatabaseError:
        # The database is still away: the job stays "running" without progress,
        # which its page shows as stalled, with a retry, after STALLED_AFTER.
        logger.exception("Import job %s: its end could not be saved", job_id)
    return job.summary


@transaction.atomic
def retry_import_job(*, job: ImportJob) -> bool:
    """Queue a failed or stalled job again, from its first file; returns whether
    it was. Stories it imported before are found again by their keys and
    updated, not duplicated, so the new report covers every file."""
    if not job.can_retry:
        return False
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.QUEUED,
        started_at=None,
        progress_at=None,
        finished_at=None,
        created=0,
        updated=0,
        rejected=0,
        report=[],
        summary="",
    )
    transaction.on_commit(partial(run_import_job.enqueue, job.pk))
    return True


def _open(file_pk: int) -> io.BytesIO:
    data = ImportJobFile.objects.values_list("data", flat=True).get(pk=file_pk)
    return io.BytesIO(bytes(data))
