"""What every importer shares: the story and entity types, rejections, the
per-file report, source keys, and turning bytes and plain text into a story.

The format modules (`ninjs`, `plaintext`) import from here only; `run` imports
them and writes the stories.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import IO, NamedTuple, Union

from django.conf import settings

from articles.models import Article, ArticleEntity
from newsroom.cleaning import clean_text, unwanted_in

# Folders are walked for these; a file named explicitly is parsed whatever its name.
PLAINTEXT_SUFFIXES = (".txt", ".text")
JSON_SUFFIXES = (".json",)
IMPORT_SUFFIXES = PLAINTEXT_SUFFIXES + JSON_SUFFIXES
SOURCE_KEY_MAX_LENGTH = Article._meta.get_field("source_key").max_length

# What an import reads a file from: its content, its path, an open binary file
# (an upload), or a function that opens one (called only when its turn comes, so
# a file that cannot be opened is reported like any other bad file).
Source = Union[bytes, os.PathLike, IO[bytes], Callable[[], IO[bytes]]]  # noqa: UP007


class EntityRef(NamedTuple):
    """A person, organisation or place a story names, as the source gives it."""

    name: str
    kind: str
    relevance: str = ArticleEntity.Relevance.MENTIONS
    wikidata_id: str = ""


class PictureRef(NamedTuple):
    """A picture a story's file names (a ninjs association of type picture):
    where its file is and what the source says about it."""

    # The association as a report names it: “leadimage”, “association 2”.
    label: str
    # The association's uri (or guid); empty when it has none.
    uri: str
    # Its largest rendition's href: a path relative to the story's file or a
    # file: URL (remote renditions are not fetched and never get here).
    href: str
    credit: str = ""
    caption: str = ""
    alt_text: str = ""
    copyright: str = ""
    usage_terms: str = ""


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
    pictures: list[PictureRef] = field(default_factory=list)
    # The folder of the file the story was read from, for its pictures'
    # relative paths; None for an upload, whose pictures are not read.
    base_dir: os.PathLike | None = None
    # The story's place in a file that holds a list of them.
    position: int | None = None
    # What cleaning changed, for the report: "headline: removed U+001B ESCAPE".
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The story as a report names it: its place in the file and headline."""
        prefix = f"story {self.position} " if self.position is not None else ""
        return f"{prefix}“{self.headline}”"

    def clean(self, name: str) -> None:
        """Remove control characters and lone surrogates from every text field,
        noting each field that had some in `warnings`, then key a story whose
        source gave no key (or one too long to store) by a hash.

        Raises ImportRejected, for file `name`, when the body is longer than
        MAX_BODY_CHARS.
        """
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                setattr(self, f.name, self._cleaned(f.name, value))
        self.tags = [self._cleaned("tags", tag) for tag in self.tags]
        self.entities = [
            ref._replace(
                name=self._cleaned("entities", ref.name),
                wikidata_id=self._cleaned("entities", ref.wikidata_id),
            )
            for ref in self.entities
        ]
        self.pictures = [
            picture._replace(
                **{
                    name: self._cleaned("pictures", getattr(picture, name))
                    for name in PictureRef._fields
                }
            )
            for picture in self.pictures
        ]
        self.headline = " ".join(self.headline.split())
        if not self.source_key:
            self.source_key = hash_key(self.source_name, self.headline)
        elif len(self.source_key) > SOURCE_KEY_MAX_LENGTH:
            self.source_key = hash_key(self.source_key)
        if len(self.body_html) > settings.MAX_BODY_CHARS:
            raise ImportRejected(
                name,
                f"{self.label}: the body is {len(self.body_html):,} characters "
                f"long, over the limit of {settings.MAX_BODY_CHARS:,} "
                "(MAX_BODY_CHARS)",
            )

    def _cleaned(self, field_name: str, value: str) -> str:
        if found := unwanted_in(value):
            warning = f"{field_name}: removed {', '.join(found)}"
            if warning not in self.warnings:
                self.warnings.append(warning)
        return clean_text(value)


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
    warnings: list[str] = field(default_factory=list)

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

    def warning_lines(self) -> list[str]:
        """One line per warning, for a command's output."""
        headline = f"“{self.article.headline}”: " if self.article else ""
        return [f"{'warning':<9}{self.name}: {headline}{w}" for w in self.warnings]

    def as_row(self) -> dict:
        """The outcome as JSON-ready data, as a background import keeps it and
        the report table shows it."""
        return {
            "name": self.name,
            "where": self.where,
            "result": self.result,
            "article_id": self.article.pk if self.article else None,
            "headline": self.article.headline if self.article else "",
            "status": self.article.get_status_display() if self.article else "",
            "reason": self.reason,
            "warnings": self.warnings,
        }


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

    @property
    def warnings(self) -> int:
        return sum(len(outcome.warnings) for outcome in self.outcomes)

    def summary(self) -> str:
        summary = (
            f"{self.created} created, {self.updated} updated, {self.rejected} rejected"
        )
        if warnings := self.warnings:
            summary += f", {warnings} warning{'' if warnings == 1 else 's'}"
        return summary


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
            _not_utf8(data[error.start]),
            line=data[: error.start].count(b"\n") + 1,
        ) from error
    if not text.strip():
        raise ImportRejected(name, "the file is empty")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_lines(name: str, stream: IO[bytes]) -> Iterator[str]:
    """The lines of a UTF-8 file, read one at a time, without their endings
    (`\\n`, `\\r\\n` or `\\r`); a byte-order mark is dropped.

    Raises ImportRejected, naming the line, at the first byte that is not UTF-8.
    """
    number = 0
    for raw in stream:
        if number == 0 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ImportRejected(
                name,
                _not_utf8(raw[error.start]),
                line=number + raw[: error.start].count(b"\r") + 1,
            ) from error
        text = text.removesuffix("\n").removesuffix("\r")
        for line in text.split("\r") if "\r" in text else (text,):
            number += 1
            yield line


def _not_utf8(byte: int) -> str:
    return (
        f"not UTF-8 text (byte 0x{byte:02x} cannot be decoded); "
        "save the file as UTF-8 and import it again"
    )


def open_source(source: Source) -> IO[bytes]:
    """A binary file to read `source` from, positioned at its start.

    Raises OSError when it cannot be opened.
    """
    if isinstance(source, bytes):
        return io.BytesIO(source)
    if isinstance(source, os.PathLike):
        return open(source, "rb")
    if callable(source) and not hasattr(source, "read"):
        source = source()
    if hasattr(source, "seek"):
        source.seek(0)
    return source


def source_size(stream: IO[bytes]) -> int | None:
    """The size in bytes of an open file, when it can be told without reading."""
    if isinstance(getattr(stream, "size", None), int):
        return stream.size
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        pass
    if isinstance(stream, io.BytesIO):
        return stream.getbuffer().nbytes
    return None


def check_size(name: str, size: int) -> None:
    """Raises ImportRejected when a file of `size` bytes is over MAX_UPLOAD_BYTES."""
    if size > settings.MAX_UPLOAD_BYTES:
        raise ImportRejected(name, too_large(size))


def too_large(size: int) -> str:
    """Why a file of `size` bytes is refused."""
    return (
        f"the file is {file_size(size)}, over the limit of "
        f"{file_size(settings.MAX_UPLOAD_BYTES)} (MAX_UPLOAD_BYTES)"
    )


def file_size(size: float) -> str:
    """A size in bytes as people read it: "512 bytes", "20.0 MB"."""
    if size < 1024:
        return f"{size:,.0f} bytes"
    unit = "KB"
    for unit in ("KB", "MB", "GB"):  # noqa: B007 (the unit it stops at is kept)
        size /= 1024
        if size < 1024:
            break
    return f"{size:,.1f} {unit}"


@dataclass
class Block:
    """A paragraph: its lines, the line it starts on, blank lines after it."""

    lines: list[str]
    line: int
    blank_lines_after: int = 0

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def split_blocks(
    lines: Iterable[str], *, max_chars: int | None = None
) -> Iterator[Block]:
    """Runs of non-blank lines, each a Block, as they complete.

    Linear in the length of the text: a paragraph's lines are joined once, when
    it is read. With `max_chars`, raises ParagraphTooLong (with the line it
    starts on) once a paragraph passes that many characters.
    """
    block: Block | None = None
    chars = 0
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            if block is not None:
                block.blank_lines_after += 1
            continue
        if block is not None and block.blank_lines_after == 0:
            block.lines.append(line)
            chars += len(line) + 1
        else:
            if block is not None:
                yield block
            block = Block([line], number)
            chars = len(line)
        if max_chars is not None and chars > max_chars:
            raise ParagraphTooLong(block.line)
    if block is not None:
        yield block


class ParagraphTooLong(ValueError):
    """A paragraph longer than a story may be, starting on line `line`."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of `text`: separated by blank lines, or by line breaks when the
    text has no blank lines at all."""
    if re.search(r"\n[ \t]*\n", text.strip()):
        return [block.text for block in split_blocks(text.split("\n"))]
    return [line.strip() for line in text.splitlines() if line.strip()]


def text_to_html(paragraphs: Iterable[str]) -> str:
    """Body HTML with one `<p>` per paragraph of plain text."""
    return "\n".join(
        f"<p>{html.escape(paragraph, quote=False)}</p>" for paragraph in paragraphs
    )


def _where(name: str, line: int | None, column: int | None) -> str:
    if line is None:
        return name
    if column is None:
        return f"{name}, line {line}"
    return f"{name}, line {line}, column {column}"
