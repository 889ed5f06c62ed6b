"""Story import: turn files into `StoryData`, then each story into an Article.

The `import_stories` management command and the admin's "Import stories" page
both call `import_files`; one module per input format does the parsing.
"""

from __future__ import annotations

import datetime
import hashlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.utils.text import slugify
from tqdm import tqdm

from articles import services
from articles.models import Article, ArticleEntity, Section

# Folders are walked for these; a file named explicitly is parsed whatever its name.
PLAINTEXT_SUFFIXES = (".txt", ".text")
JSON_SUFFIXES = (".json",)
IMPORT_SUFFIXES = PLAINTEXT_SUFFIXES + JSON_SUFFIXES

# Below this many files a progress bar is more noise than help.
PROGRESS_MIN_FILES = 10


class EntityRef(NamedTuple):
    """A person, organisation or place a story names, as the source gives it."""

    name: str
    kind: str
    relevance: str = ArticleEntity.Relevance.MENTIONS
    wikidata_id: str = ""


@dataclass
class StoryData:
    """One story as read from a file, before it touches the database."""

    headline: str
    source_key: str
    dek: str = ""
    body_html: str = ""
    byline: str = ""
    dateline: str = ""
    source_name: str = ""
    source_url: str = ""
    language: str = "en"
    published_at: datetime.datetime | None = None
    tags: list[str] = field(default_factory=list)
    entities: list[EntityRef] = field(default_factory=list)
    thread: str = ""


class ImportRejected(Exception):
    """A file (or a story in it) that cannot be imported, and why."""

    def __init__(
        self,
        name: str,
        reason: str,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.name = name
        self.reason = reason
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{_where(self.name, self.line, self.column)}: {self.reason}"


@dataclass
class Outcome:
    """What happened to one story, or to a file that was rejected whole."""

    CREATED = "created"
    UPDATED = "updated"
    REJECTED = "rejected"

    name: str
    result: str
    article: Article | None = None
    reason: str = ""
    line: int | None = None
    column: int | None = None

    @classmethod
    def rejected(cls, error: ImportRejected) -> Outcome:
        return cls(
            error.name,
            cls.REJECTED,
            reason=error.reason,
            line=error.line,
            column=error.column,
        )

    @property
    def where(self) -> str:
        """The file name, with the line (and column) a rejection points at."""
        return _where(self.name, self.line, self.column)

    def __str__(self) -> str:
        if self.result == self.REJECTED:
            return f"{self.result:<9}{self.where}: {self.reason}"
        return f"{self.result:<9}{self.name}: {self.article.headline}"


@dataclass
class ImportReport:
    """Per-file outcomes of one import run, in the order the files came."""

    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, result: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.result == result)

    @property
    def created(self) -> int:
        return self.count(Outcome.CREATED)

    @property
    def updated(self) -> int:
        return self.count(Outcome.UPDATED)

    @property
    def rejected(self) -> int:
        return self.count(Outcome.REJECTED)

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.rejected} rejected"
        )


def hash_key(*parts: str) -> str:
    """A source key for stories whose source gives no identifier of its own."""
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"sha256:{digest}"


def decode(name: str, data: bytes) -> str:
    """`data` as text with a byte-order mark dropped and line endings made `\\n`.

    Raises ImportRejected when the file is empty or not UTF-8.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRejected(
            name,
            f"not UTF-8 text (byte 0x{data[error.start]:02x} cannot be decoded); "
            "save the file as UTF-8 and import it again",
            line=data[: error.start].count(b"\n") + 1,
        ) from error
    if not text.strip():
        raise ImportRejected(name, "the file is empty")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_file(name: str, data: bytes) -> list[StoryData]:
    """The stories in one file, parsed by the format its name or content shows.

    Raises ImportRejected when the file cannot be read as a story.
    """
    from articles.importers import ninjs, plaintext

    suffix = name.lower().rpartition(".")[2]
    if f".{suffix}" in JSON_SUFFIXES:
        return ninjs.parse(name, data)
    if f".{suffix}" in PLAINTEXT_SUFFIXES:
        return plaintext.parse(name, data)
    if decode(name, data).lstrip()[:1] in ("{", "["):
        return ninjs.parse(name, data)
    return plaintext.parse(name, data)


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


def import_files(
    files: Iterable[tuple[str, bytes]],
    *,
    status: str = Article.Status.DRAFT,
    section: Section | None = None,
    published_at: datetime.datetime | None = None,
    thread: str = "",
    confirm_entities: bool = False,
    by=None,
    progress: bool = False,
    total: int | None = None,
) -> ImportReport:
    """Import every story in `files`, (name, content) pairs, and report on each.

    Each story is written in its own transaction: a rejected file or story
    leaves nothing behind and does not stop the others. `by`, when given, must
    have permission to publish if `status` is published. `total` is the number
    of files, for the progress bar. `thread` (a title or slug) puts the stories
    that name no thread of their own in that developing story. With
    `confirm_entities` the entities the matcher finds are confirmed at once
    instead of waiting as suggestions for an editor.
    """
    report = ImportReport()
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
    for name, data in bar:
        try:
            stories = parse_file(name, data)
        except ImportRejected as error:
            report.outcomes.append(Outcome.rejected(error))
            continue
        for story in stories:
            story.thread = story.thread or thread
            try:
                article, created = services.import_story(
                    story=story,
                    status=status,
                    section=section,
                    published_at=published_at,
                    confirm_entities=confirm_entities,
                    by=by,
                )
            except ValidationError as error:
                reason = _validation_message(error)
            except PermissionDenied as error:
                reason = str(error)
            except DatabaseError as error:
                reason = f"the database refused the story: {error}"
            else:
                result = Outcome.CREATED if created else Outcome.UPDATED
                report.outcomes.append(Outcome(name, result, article))
                continue
            report.outcomes.append(
                Outcome(name, Outcome.REJECTED, reason=f"“{story.headline}”: {reason}")
            )
    return report


def _where(name: str, line: int | None, column: int | None) -> str:
    if line is None:
        return name
    if column is None:
        return f"{name}, line {line}"
    return f"{name}, line {line}, column {column}"


def _validation_message(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return "; ".join(
        " ".join(messages)
        if field_name == "__all__"
        else f"{field_name}: " + " ".join(messages)
        for field_name, messages in error.message_dict.items()
    )
