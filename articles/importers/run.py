"""Import run: parse each file by its format, write each story, report on each.

The `import_stories` management command and the admin's "Import stories" page
both call `import_files`.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils.text import slugify
from taggit.models import Tag
from tqdm import tqdm

from articles import revisions
from articles.html import sanitize_html
from articles.importers.base import (
    JSON_SUFFIXES,
    PLAINTEXT_SUFFIXES,
    EntityRef,
    ImportRejected,
    ImportReport,
    Outcome,
    PictureRef,
    Source,
    StoryData,
    check_size,
    open_source,
    source_size,
)
from articles.importers.ninjs import parse as parse_ninjs
from articles.importers.plaintext import parse as parse_plaintext
from articles.models import Article, Section, Thread
from articles.services import (
    check_publish_permission,
    credit_byline_authors,
    may_change_article,
    publish_article,
)
from entities.models import Entity
from entities.services import resolve_entity, suggest_entities
from images.files import stored_files
from images.models import Image
from images.services import create_image
from related.services import refresh_related_later

logger = logging.getLogger(__name__)

# Below this many files a progress bar is more noise than help.
PROGRESS_MIN_FILES = 10
# Bytes read to tell ninjs from plain text in a file whose name does not say.
SNIFF_BYTES = 4096
TAG_NAME_LENGTH = Tag._meta.get_field("name").max_length


def parse_file(name: str, data: bytes) -> list[StoryData]:
    """The stories in one file's content, cleaned (see `read_stories`).

    Raises ImportRejected for the first problem, in the file or any story of it.
    """
    stories = []
    for item in read_stories(name, data):
        if isinstance(item, ImportRejected):
            raise item
        stories.append(item)
    return stories


def read_stories(name: str, source: Source) -> Iterator[StoryData | ImportRejected]:
    """The stories in one file, parsed by the format its name or content shows
    and cleaned (`StoryData.clean`), one at a time; a bad story in a list comes
    as an ImportRejected in its place, so the caller may go on.

    Raises ImportRejected when the file cannot be read as stories (over
    MAX_UPLOAD_BYTES included), OSError when it cannot be read at all.
    """
    base_dir = (
        Path(source).resolve().parent if isinstance(source, os.PathLike) else None
    )
    with closing(open_source(source)) as opened:
        stream = opened
        size = source_size(stream)
        if size is None:
            stream = io.BytesIO(stream.read(settings.MAX_UPLOAD_BYTES + 1))
            size = len(stream.getbuffer())
        check_size(name, size)
        for item in _parser(name, stream)(name, stream):
            if isinstance(item, StoryData):
                item.base_dir = base_dir
                try:
                    item.clean(name)
                except ImportRejected as error:
                    item = error
            yield item


def _parser(name: str, stream: IO[bytes]):
    suffix = name.lower().rpartition(".")[2]
    if f".{suffix}" in JSON_SUFFIXES:
        return parse_ninjs
    if f".{suffix}" in PLAINTEXT_SUFFIXES:
        return parse_plaintext
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return parse_ninjs
    return parse_plaintext


def get_or_create_section(value: str) -> Section:
    """The section whose slug or name is `value`, created when there is none."""
    value = value.strip()
    section = (
        Section.objects.filter(slug=value).first()
        or Section.objects.filter(name__iexact=value).first()
    )
    if section is None:
        # "middle-east" on the command line means the Middle East section.
        name = value.replace("-", " ").title() if value == slugify(value) else value
        section = Section.objects.create(name=name, slug=slugify(value))
    return section


def get_or_create_thread(title_or_slug: str) -> Thread:
    """The thread with this slug or title, created with that title if none has.

    Only an import names a developing story by its words; editors pick threads
    from a list, so this lives with the importer rather than on Thread.
    """
    thread = (
        Thread.objects.filter(slug=title_or_slug).first()
        or Thread.objects.filter(title__iexact=title_or_slug).first()
    )
    if thread is None:
        thread = Thread.objects.create(title=title_or_slug)
    return thread


def import_files(
    files: Iterable[tuple[str, Source]],
    *,
    status: str = Article.Status.DRAFT,
    section: Section | None = None,
    published_at: datetime.datetime | None = None,
    thread: str = "",
    byline: str = "",
    confirm_entities: bool = False,
    by=None,
    progress: bool = False,
    total: int | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> ImportReport:
    """Import every story in `files`, (name, source) pairs, and report on each.

    A source is the file's content, its path, an open binary file, or a function
    that opens one (`Source`). Each story is written in its own transaction: a
    rejected file or story leaves nothing behind and does not stop the others,
    and nothing a file or story can contain (or a file that cannot be read)
    makes this raise. A story that repeats the source key of an earlier one in
    the same file is rejected. `by`, when given, must have permission to publish
    if `status` is published. `total` is the number of files, for the progress
    bar; `on_outcome` is called with each outcome as it is known. `thread` (a
    title or slug) puts the stories that name no thread of their own in that
    developing story; `byline` is given to the stories whose file names no
    byline. With `confirm_entities` the entities the matcher finds
    are confirmed at once instead of waiting as suggestions for an editor.
    """
    report = ImportReport()

    def add(outcome: Outcome) -> None:
        report.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    bar = tqdm(
        files,
        total=total,
        desc="Importing",
        unit="file",
        file=sys.stderr,
        disable=not progress
        or (total is not None and total < PROGRESS_MIN_FILES)
        or not sys.stderr.isatty(),
    )
    for name, source in bar:
        # Source key -> the story first seen with it in this file.
        seen: dict[str, str] = {}
        try:
            for story in read_stories(name, source):
                if isinstance(story, ImportRejected):
                    add(Outcome.rejected(story))
                    continue
                story.thread = story.thread or thread
                story.byline = story.byline or byline
                add(
                    _import_one(
                        name,
                        story,
                        seen,
                        status=status,
                        section=section,
                        published_at=published_at,
                        confirm_entities=confirm_entities,
                        by=by,
                    )
                )
        except ImportRejected as error:
            add(Outcome.rejected(error))
        except RecursionError:
            add(Outcome(name, Outcome.REJECTED, reason="nested too deeply to read"))
        except OSError as error:
            reason = f"cannot be read: {error.strerror or error}"
            add(Outcome(name, Outcome.REJECTED, reason=reason))
        except Exception as error:
            # One file the parsers did not foresee must not stop the run.
            logger.exception("Import of %s failed", name)
            reason = f"cannot be read: {type(error).__name__}: {error}"
            add(Outcome(name, Outcome.REJECTED, reason=reason))
    return report


def _import_one(
    name: str, story: StoryData, seen: dict[str, str], **options
) -> Outcome:
    """Import one story of file `name`, reporting any failure as a rejection."""
    if (first := seen.get(story.source_key)) is not None:
        reason = (
            f"{story.label}: a duplicate of {first} in this file (both are "
            f"{story.source_key}); only the first is imported"
        )
        return Outcome(name, Outcome.REJECTED, reason=reason, warnings=story.warnings)
    seen[story.source_key] = story.label
    try:
        # The story and its pictures in one transaction: a picture's stored
        # file goes again if the story is then refused.
        with stored_files() as saved:
            pictures = import_pictures(story, saved)
            article, created = import_story(
                story=story, lead_image=pictures[0] if pictures else None, **options
            )
    except ValidationError as error:
        reason = _validation_message(error)
    except PermissionDenied as error:
        reason = str(error)
    except DatabaseError as error:
        reason = f"the database refused the story: {error}"
    except RecursionError:
        reason = "nested too deeply to save"
    except Exception as error:
        # Nothing of the story was written (its transaction rolled back).
        logger.exception("Import of %s from %s failed", story.label, name)
        reason = f"cannot be saved: {type(error).__name__}: {error}"
    else:
        result = Outcome.CREATED if created else Outcome.UPDATED
        return Outcome(name, result, article, warnings=story.warnings)
    return Outcome(
        name,
        Outcome.REJECTED,
        reason=f"{story.label}: {reason}",
        warnings=story.warnings,
    )


def import_pictures(story: StoryData, saved: list) -> list[Image]:
    """The library pictures for `story.pictures`, in order: each one imported
    before (by the association's uri, else by its file's SHA-256) is reused,
    the others added through the library's upload checks, their stored files
    appended to `saved` (see `images.files.stored_files`, which the caller
    runs). Raises ValidationError naming the association when a picture's file
    is missing or not an image, or when the story was not read from a folder
    (an upload), whose pictures are not read. Call inside `stored_files`."""
    images = []
    for picture in story.pictures:
        where = f"picture “{picture.label}” ({picture.href})"
        if story.base_dir is None:
            story.warnings.append(
                f"{where} skipped: pictures are read from files only by the "
                "import_stories command"
            )
            continue
        path = _picture_path(story.base_dir, picture.href)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ValidationError(f"{where}: no such file ({path})") from None
        except OSError as error:
            raise ValidationError(
                f"{where}: cannot be read: {error.strerror or error}"
            ) from None
        key = _picture_key(picture, data)
        image = Image.objects.filter(source=key).first()
        if image is None:
            try:
                image = create_image(
                    file=ContentFile(data, name=path.name),
                    source=key,
                    **{name: getattr(picture, name) for name in PICTURE_FIELDS},
                )
            except ValidationError as error:
                raise ValidationError(
                    f"{where}: {_validation_message(error)}"
                ) from None
            saved.append(image.file)
        images.append(image)
    return list(dict.fromkeys(images))


# The library's fields an association fills.
PICTURE_FIELDS = ("credit", "caption", "alt_text", "copyright", "usage_terms")
SOURCE_LENGTH = Image._meta.get_field("source").max_length


def _picture_path(base_dir: os.PathLike, href: str) -> Path:
    if href.lower().startswith("file:"):
        return Path(url2pathname(urlparse(href).path))
    return Path(base_dir) / unquote(href)


def _picture_key(picture: PictureRef, data: bytes) -> str:
    """What a picture is known by on re-import (its `Image.source`): the
    association's uri, else its file's SHA-256."""
    if picture.uri and len(picture.uri) <= SOURCE_LENGTH:
        return picture.uri
    return "sha256:" + hashlib.sha256(data).hexdigest()


@transaction.atomic
def import_story(
    *,
    story: StoryData,
    lead_image: Image | None = None,
    status: str = Article.Status.DRAFT,
    section: Section | None = None,
    published_at: datetime.datetime | None = None,
    confirm_entities: bool = False,
    by=None,
) -> tuple[Article, bool]:
    """Create the story, or update the one imported before under its source key.

    Returns the article and whether it was created. With `status` published the
    story is published through `publish_article` at `published_at`, else at the
    source's own publication time, else now; a draft import never unpublishes a
    story that was published since. The slug, tags and entities an editor added
    are kept; `lead_image`, when given, becomes its lead picture. The
    byline's names that match authors are credited, unless the
    story has authors already. Entities the matcher finds become suggestions,
    confirmed at once with `confirm_entities`. Raises ValidationError when the
    story does not fit the model, and PermissionDenied when `by` may not
    publish, or may not change the story imported before (a reporter, someone
    else's story or one already published). A new story is `by`'s
    (`created_by`).
    """
    publish = status == Article.Status.PUBLISHED
    if publish:
        check_publish_permission(by)
    article = (
        Article.objects.select_for_update().filter(source_key=story.source_key).first()
    )
    created = article is None
    if created:
        article = Article(source_key=story.source_key, created_by=by)
    elif by is not None and not may_change_article(by, article):
        raise PermissionDenied(
            f"“{article}” is already in the newsroom and you may not change it."
        )
    if not created and not publish and article.is_live:
        return (
            _stage_import(
                article, story, section=section, lead_image=lead_image, by=by
            ),
            False,
        )
    article.headline = story.headline
    article.dek = story.dek
    article.body = story.body_html
    article.byline = story.byline
    article.dateline = story.dateline
    article.language = story.language
    article.source_name = story.source_name
    article.source_url = story.source_url
    if section is not None:
        article.section = section
    if lead_image is not None:
        article.lead_image = lead_image
    if story.thread:
        article.thread = get_or_create_thread(story.thread)
    if (
        not publish
        and published_at is not None
        and article.status == Article.Status.DRAFT
    ):
        article.go_live_at = published_at
    article.full_clean(exclude=["slug"])
    if too_long := [tag for tag in story.tags if len(tag) > TAG_NAME_LENGTH]:
        raise ValidationError(
            {"tags": f"“{too_long[0]}” is longer than {TAG_NAME_LENGTH} characters."}
        )
    article.save()
    article.tags.add(*story.tags)
    # Names in the byline that are known authors are credited; the rest stay
    # free text. A story already credited keeps its authors.
    credit_byline_authors(article=article)
    for ref in story.entities:
        article.entities.add(
            _entity_for(ref), through_defaults={"relevance": ref.relevance}
        )
    suggest_entities(article=article, confirm=confirm_entities)
    if publish:
        publish_article(article=article, by=by, at=published_at or story.published_at)
    article.staged_revision = None
    Article.objects.filter(pk=article.pk).update(staged_revision=None)
    revisions.record_revision(
        article,
        by=by,
        note="Imported" + (" and published" if publish else ""),
        skip_unchanged=True,
    )
    # Text, tags or entities may have changed, whatever the status.
    refresh_related_later(article=article)
    return article, created


def _stage_import(
    article: Article,
    story: StoryData,
    *,
    section: Section | None,
    lead_image: Image | None = None,
    by,
) -> Article:
    """A draft import of a story readers see: its text waits as the story's
    unpublished changes, for an editor to publish; the live text, tags and
    entities stay as they are. Entities the file names are linked when the
    changes are published."""
    changes = {
        "headline": story.headline,
        "dek": story.dek,
        "body": sanitize_html(story.body_html),
        "byline": story.byline,
        "dateline": story.dateline,
        "language": story.language,
        "source_name": story.source_name,
        "source_url": story.source_url,
        "tags": sorted({*revisions.content_of(article)["tags"], *story.tags}),
    }
    if section is not None:
        changes["section"] = section.pk
    if lead_image is not None:
        changes["lead_image"] = lead_image.pk
    if story.thread:
        changes["thread"] = get_or_create_thread(story.thread).pk
    content = revisions.content_with(article, **changes)
    # The story as it would be, checked before anything is kept.
    candidate = revisions.overlay(Article.objects.get(pk=article.pk), content)
    candidate.full_clean(exclude=["slug"])
    if too_long := [tag for tag in story.tags if len(tag) > TAG_NAME_LENGTH]:
        raise ValidationError(
            {"tags": f"“{too_long[0]}” is longer than {TAG_NAME_LENGTH} characters."}
        )
    content["pending_entities"] = [
        [_entity_for(ref).pk, ref.relevance] for ref in story.entities
    ]
    note = (
        "live: imported as unpublished changes, which readers see once an "
        "editor publishes them"
    )
    if note not in story.warnings:
        story.warnings.append(note)
    current = revisions.content_with(article)
    if article.staged_revision is None:
        current["pending_entities"] = []
    if all(content.get(name) == current.get(name) for name in changes) and (
        content["pending_entities"] == current.get("pending_entities", [])
    ):
        # Imported again as it was: nothing new to stage.
        return article
    revisions.stage_changes(
        article, content=content, by=by, note="Imported as unpublished changes"
    )
    return article


def _entity_for(ref: EntityRef) -> Entity:
    try:
        return resolve_entity(name=ref.name, kind=ref.kind, wikidata_id=ref.wikidata_id)
    except ValidationError as error:
        raise ValidationError(
            {"entities": [f"“{ref.name}”: {m}" for m in error.messages]}
        ) from error


def _validation_message(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return "; ".join(
        " ".join(messages)
        if field_name == "__all__"
        else f"{field_name}: " + " ".join(messages)
        for field_name, messages in error.message_dict.items()
    )
