"""The demo newsroom's content, read from the TOML files in `data/`.

One file per kind: sections.toml, entities.toml, authors.toml, stories.toml,
threads.toml, front_page.toml and pictures.toml, each an array of tables named
after its file (`[[stories]]`).
Each file's header explains its fields.
"""

from __future__ import annotations

import datetime
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, TypeVar

from entities.models import Entity

DATA = resources.files("newsroom.demo") / "data"

Record = TypeVar("Record")


class DemoDataError(ValueError):
    """A demo data file is malformed or names something that is not there."""


@dataclass(frozen=True)
class DemoSection:
    slug: str
    name: str
    description: str


@dataclass(frozen=True)
class DemoEntity:
    name: str
    kind: Entity.Kind
    description: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoAuthor:
    """Someone who writes for the demo newsroom; `links` are (label, URL)."""

    name: str
    slug: str
    role: str = ""
    bio: str = ""
    links: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DemoStory:
    """One story; `go_live` is relative to loading: past, future (scheduled) or
    None (a draft). `about`, `mentions` and `related` name entities and stories."""

    slug: str
    section: str
    headline: str
    dek: str
    byline: str
    go_live: datetime.timedelta | None
    body: tuple[str, ...]
    about: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    dateline: str = "PORT ALDEN"

    @property
    def html(self) -> str:
        return "".join(self.body)


@dataclass(frozen=True)
class DemoThread:
    """A developing story and the slugs of the stories it groups."""

    title: str
    description: str
    stories: tuple[str, ...]


@dataclass(frozen=True)
class DemoFrontPage:
    """The home page's lead story and featured stories, by slug."""

    lead: str
    featured: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoPicture:
    """A picture drawn by newsroom.demo.pictures, with what an editor would
    enter for it, leading `stories` and the photo of `authors` (slugs)."""

    key: str
    scene: str
    width: int
    height: int
    alt_text: str
    credit: str
    focus: tuple[float, float] = (0.5, 0.5)
    caption: str = ""
    copyright: str = ""
    usage_terms: str = ""
    stories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoContent:
    sections: tuple[DemoSection, ...]
    entities: tuple[DemoEntity, ...]
    stories: tuple[DemoStory, ...]
    threads: tuple[DemoThread, ...]
    front_page: tuple[DemoFrontPage, ...] = ()
    authors: tuple[DemoAuthor, ...] = ()
    pictures: tuple[DemoPicture, ...] = ()


def read_demo(data: Traversable = DATA) -> DemoContent:
    """Read the demo content from the TOML files in `data`, in their order.

    Raises DemoDataError, naming the file and entry, for a missing or unknown
    field, an unknown entity kind, a repeated story slug, or a story or thread
    that names a section, entity or story the files do not define.
    """
    content = DemoContent(
        sections=_read(data, "sections", DemoSection),
        entities=_read(data, "entities", _entity),
        stories=_read(data, "stories", _story),
        threads=_read(data, "threads", _thread),
        front_page=_read(data, "front_page", _front_page),
        authors=_read(data, "authors", _author),
        pictures=_read(data, "pictures", _picture),
    )
    _check_references(content)
    return content


def _read(
    data: Traversable, kind: str, make: Callable[..., Record]
) -> tuple[Record, ...]:
    filename = f"{kind}.toml"
    try:
        document = tomllib.loads((data / filename).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DemoDataError(f"{filename}: {exc}") from exc
    if unknown := set(document) - {kind}:
        raise DemoDataError(
            f"{filename}: expected only [[{kind}]] tables, found {sorted(unknown)}"
        )
    records = []
    for number, table in enumerate(document.get(kind, []), start=1):
        try:
            records.append(make(**table))
        except (TypeError, ValueError) as exc:
            raise DemoDataError(f"{filename}, entry {number}: {exc}") from exc
    return tuple(records)


def _entity(*, kind: str, aliases: Iterable[str] = (), **fields: Any) -> DemoEntity:
    return DemoEntity(kind=Entity.Kind(kind), aliases=tuple(aliases), **fields)


def _story(
    *,
    body: Iterable[str],
    go_live: dict[str, float] | None = None,
    about: Iterable[str] = (),
    mentions: Iterable[str] = (),
    tags: Iterable[str] = (),
    related: Iterable[str] = (),
    **fields: Any,
) -> DemoStory:
    return DemoStory(
        body=tuple(body),
        go_live=None if go_live is None else datetime.timedelta(**go_live),
        about=tuple(about),
        mentions=tuple(mentions),
        tags=tuple(tags),
        related=tuple(related),
        **fields,
    )


def _author(*, links: Iterable[dict[str, str]] = (), **fields: Any) -> DemoAuthor:
    return DemoAuthor(
        links=tuple((link["label"], link["url"]) for link in links), **fields
    )


def _picture(
    *,
    focus: Iterable[float] = (0.5, 0.5),
    stories: Iterable[str] = (),
    authors: Iterable[str] = (),
    **fields: Any,
) -> DemoPicture:
    across, down = focus
    return DemoPicture(
        focus=(float(across), float(down)),
        stories=tuple(stories),
        authors=tuple(authors),
        **fields,
    )


def _thread(*, stories: Iterable[str], **fields: Any) -> DemoThread:
    return DemoThread(stories=tuple(stories), **fields)


def _front_page(*, featured: Iterable[str] = (), **fields: Any) -> DemoFrontPage:
    return DemoFrontPage(featured=tuple(featured), **fields)


def _check_references(content: DemoContent) -> None:
    sections = {section.slug for section in content.sections}
    entities = {entity.name for entity in content.entities}
    stories = [story.slug for story in content.stories]
    if len(set(stories)) != len(stories):
        repeated = sorted({slug for slug in stories if stories.count(slug) > 1})
        raise DemoDataError(f"stories.toml: slugs used twice: {repeated}")
    for story in content.stories:
        problems = [
            f"entity {name!r} is not in entities.toml"
            for name in story.about + story.mentions
            if name not in entities
        ] + [
            f"related story {slug!r} is not in stories.toml"
            for slug in story.related
            if slug not in stories
        ]
        if story.section not in sections:
            problems.insert(0, f"section {story.section!r} is not in sections.toml")
        if problems:
            raise DemoDataError(f"stories.toml, {story.slug}: {'; '.join(problems)}")
    for thread in content.threads:
        if missing := [slug for slug in thread.stories if slug not in stories]:
            raise DemoDataError(
                f"threads.toml, {thread.title}: stories not in stories.toml: {missing}"
            )
    authors = {author.slug for author in content.authors}
    for picture in content.pictures:
        if missing := [slug for slug in picture.stories if slug not in stories]:
            raise DemoDataError(
                f"pictures.toml, {picture.key}: stories not in stories.toml: {missing}"
            )
        if missing := [slug for slug in picture.authors if slug not in authors]:
            raise DemoDataError(
                f"pictures.toml, {picture.key}: authors not in authors.toml: {missing}"
            )
    if len(content.front_page) > 1:
        raise DemoDataError("front_page.toml: one [[front_page]] table at most")
    for front_page in content.front_page:
        picks = (front_page.lead, *front_page.featured)
        if missing := [slug for slug in picks if slug not in stories]:
            raise DemoDataError(
                f"front_page.toml: stories not in stories.toml: {missing}"
            )
