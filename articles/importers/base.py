"""What every importer shares: the story and entity types, rejections, the
per-file report, source keys, and turning bytes and plain text into a story.

The format modules (`ninjs`, `plaintext`) import from here only; `run` imports
them and writes the stories.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from articles.models import Article, ArticleEntity

# Folders are walked for these; a file named explicitly is parsed whatever its name.
PLAINTEXT_SUFFIXES = (".txt", ".text")
JSON_SUFFIXES = (".json",)
IMPORT_SUFFIXES = PLAINTEXT_SUFFIXES + JSON_SUFFIXES


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


@dataclass
class Block:
    """A paragraph: its text, the line it starts on, blank lines after it."""

    text: str
    line: int
    blank_lines_after: int = 0


def split_blocks(text: str) -> list[Block]:
    """Runs of non-blank lines, each joined into one line of text."""
    found: list[Block] = []
    in_block = False
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            if found:
                found[-1].blank_lines_after += 1
            in_block = False
        elif in_block:
            found[-1].text += f" {line}"
        else:
            found.append(Block(line, number))
            in_block = True
    return found


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of `text`: separated by blank lines, or by line breaks when the
    text has no blank lines at all."""
    if re.search(r"\n[ \t]*\n", text.strip()):
        return [block.text for block in split_blocks(text)]
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
