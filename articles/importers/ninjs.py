"""IPTC ninjs ("news in JSON") 2.x and 3.x stories, with the 1.x field names
tolerated: a 3.x item's camel-case names (`versionCreated`, `embargoedUntil`,
`contentType`) are read as their 2.x names (`articles.ninjs.from_ninjs3`).

A file holds one ninjs object or a list of them. See https://iptc.org/std/ninjs/.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from html import unescape
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import strip_tags

from articles.html import sanitize_html
from articles.importers.base import (
    EntityRef,
    ImportRejected,
    PictureRef,
    StoryData,
    decode,
    split_paragraphs,
    text_to_html,
)
from articles.models import ArticleEntity
from articles.ninjs import ENTITY_FIELDS, from_ninjs3
from entities.models import wikidata_id_from_uri


def parse(name: str, stream: IO[bytes]) -> Iterator[StoryData | ImportRejected]:
    """The stories in a ninjs file, one by one: a StoryData for each good story,
    an ImportRejected for each bad one in a list, so the others still import.

    Raises ImportRejected when the file is not JSON, nested deeper than
    MAX_JSON_DEPTH, or not ninjs, or when a single story has no headline.
    """
    text = decode(name, stream.read())
    check_depth(name, text, settings.MAX_JSON_DEPTH)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportRejected(
            name,
            f"not valid JSON: {error.msg}",
            line=error.lineno,
            column=error.colno,
        ) from error
    del text
    if isinstance(document, dict):
        yield parse_item(name, document)
        return
    if not isinstance(document, list) or not document:
        raise ImportRejected(name, "expected a ninjs object or a list of them")
    # Each story is dropped from the list once read, so memory shrinks as it goes.
    document.reverse()
    position = 0
    while document:
        position += 1
        try:
            yield parse_item(name, document.pop(), position=position)
        except ImportRejected as error:
            yield error


# A JSON string (with its escapes), and the brackets that open and close levels.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"\[\]|\{\}")


def check_depth(name: str, text: str, limit: int) -> None:
    """Raises ImportRejected when the JSON in `text` nests arrays and objects
    deeper than `limit`, before a parser recurses into it.

    Linear, in C: strings are dropped, then the innermost empty pairs of what is
    left are removed `limit` times; a pair still left is a level past the limit.
    Text that is not JSON passes, for the parser to report.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for _ in range(limit):
        brackets, removed = _INNERMOST.subn("", brackets)
        if not removed:
            return
    if _INNERMOST.search(brackets):
        raise ImportRejected(
            name,
            f"the JSON is nested deeper than the limit of {limit} levels "
            "(MAX_JSON_DEPTH)",
        )


def parse_item(name: str, item: Any, *, position: int | None = None) -> StoryData:
    """One ninjs object as a story; `position` is its place in a list."""

    def reject(reason: str) -> ImportRejected:
        prefix = f"story {position}: " if position is not None else ""
        return ImportRejected(name, prefix + reason)

    if not isinstance(item, dict):
        raise reject("expected a ninjs object")
    item = from_ninjs3(item)
    headline = _text(
        _pick(item.get("headlines"), "main")
        or item.get("headline")
        # ninjs 3.x: an event's or a planning item's name.
        or item.get("title")
    )
    if not headline:
        raise reject("no headline (ninjs “headlines”, “headline” or “title”)")
    source_name = _string(item.get("copyrightholder")) or _first_name(
        item.get("infosources")
    )
    uri = _string(item.get("uri"))
    published_at = None
    for field_name in ("embargoed", "firstcreated", "versioncreated"):
        if value := _string(item.get(field_name)):
            try:
                published_at = _datetime(value)
            except ValueError:
                raise reject(
                    f"“{field_name}” is not an ISO 8601 date-time: {value!r}"
                ) from None
            break
    language = _string(item.get("language")) or "en"
    warnings: list[str] = []
    pictures = _pictures(item, warnings)
    return StoryData(
        headline=headline,
        dek=_text(
            _pick(item.get("descriptions"), "summary", "abstract", "main")
            or item.get("description_text")
            or {"value": item.get("description_html"), "contenttype": "text/html"}
        ),
        body_html=_body_html(item),
        byline=_string(item.get("by")) or _string(item.get("byline")),
        dateline=_string(item.get("located")),
        source_name=source_name,
        source_key=uri,
        language="en" if re.split("[-_]", language.lower())[0] == "en" else language,
        published_at=published_at,
        tags=_names(item.get("subjects") or item.get("subject")),
        entities=_entities(item),
        pictures=pictures,
        position=position,
        warnings=warnings,
    )


def _body_html(item: dict) -> str:
    bodies = [body for body in _list(item.get("bodies")) if _string(body.get("value"))]
    html_bodies = [body for body in bodies if _is_html(body)]
    if html_bodies:
        return sanitize_html(_string(html_bodies[0]["value"]))
    if bodies:
        return text_to_html(split_paragraphs(_string(bodies[0]["value"])))
    if body_html := _string(item.get("body_html")):
        return sanitize_html(body_html)
    return text_to_html(split_paragraphs(_string(item.get("body_text"))))


def _associations(item: dict) -> list[tuple[str, dict]]:
    """The item's associations with their names: a list of objects in ninjs
    2.x and 3.x, an object keyed by name in ninjs 1.x."""
    value = item.get("associations")
    if isinstance(value, dict) and not {"uri", "type", "renditions"} & set(value):
        pairs = [(key, v) for key, v in value.items() if isinstance(v, dict)]
    else:
        pairs = [("", v) for v in _list(value)]
    return [
        (_string(v.get("name")) or key or f"association {n}", v)
        for n, (key, v) in enumerate(pairs, start=1)
    ]


def _pictures(item: dict, warnings: list[str]) -> list[PictureRef]:
    """The item's associations of type picture, each with its largest local
    rendition; one with only remote renditions is noted in `warnings` and
    skipped (an import never fetches from the network)."""
    pictures = []
    for label, association in _associations(item):
        if _string(association.get("type")).lower() not in ("picture", "image"):
            continue
        renditions = association.get("renditions")
        if isinstance(renditions, dict):
            renditions = list(renditions.values())
        local, remote = [], []
        for rendition in _list(renditions):
            href = _string(rendition.get("href"))
            if not href:
                continue
            if re.match(r"[a-z][a-z0-9+.-]*://", href, re.IGNORECASE) and not (
                href.lower().startswith("file:")
            ):
                remote.append(href)
                continue
            area = _number(rendition.get("width")) * _number(rendition.get("height"))
            local.append((area, href))
        if not local:
            if remote:
                warnings.append(
                    f"picture “{label}” skipped: its renditions are remote "
                    f"({remote[0]}), and an import does not fetch them"
                )
            else:
                warnings.append(f"picture “{label}” skipped: it has no rendition href")
            continue
        # The largest rendition; among equals (or sizes not given), the first.
        href = max(local, key=lambda pair: pair[0])[1]
        pictures.append(
            PictureRef(
                label=label,
                uri=_string(association.get("uri")) or _string(association.get("guid")),
                href=href,
                credit=_string(association.get("by"))
                or _string(association.get("byline"))
                or _string(association.get("creditline")),
                caption=_text(
                    _pick_role(association.get("descriptions"), "caption", "text")
                    or association.get("description_text")
                    or _pick(association.get("headlines"), "main")
                    or association.get("headline")
                ),
                alt_text=_text(_pick_role(association.get("descriptions"), "alt")),
                copyright=_string(association.get("copyrightnotice")),
                usage_terms=_string(association.get("usageterms")),
            )
        )
    return pictures


def _pick_role(values: Any, *roles: str) -> dict | None:
    """The entry with the first of `roles` that has a value; None if none."""
    entries = [entry for entry in _list(values) if _string(entry.get("value"))]
    for role in roles:
        for entry in entries:
            if _string(entry.get("role")).lower() == role:
                return entry
    return None


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _entities(item: dict) -> list[EntityRef]:
    entities = []
    for field_names, kind in ENTITY_FIELDS:
        for field_name in field_names:
            for thing in _list(item.get(field_name)):
                name = _string(thing.get("name")) or _string(thing.get("literal"))
                if not name:
                    continue
                entities.append(
                    EntityRef(
                        name=name,
                        kind=kind,
                        relevance=(
                            ArticleEntity.Relevance.ABOUT
                            if _string(thing.get("rel")).lower() == "about"
                            else ArticleEntity.Relevance.MENTIONS
                        ),
                        wikidata_id=wikidata_id_from_uri(_string(thing.get("uri"))),
                    )
                )
    return entities


def _pick(values: Any, *roles: str) -> dict | None:
    """The entry with the first of `roles` that has a value, else the first one."""
    entries = [entry for entry in _list(values) if _string(entry.get("value"))]
    for role in roles:
        for entry in entries:
            if _string(entry.get("role")).lower() == role:
                return entry
    return entries[0] if entries else None


def _text(value: Any) -> str:
    """Plain text of a headline or description, given as a string or an entry.

    HTML becomes text, never markup: tags go, entities are decoded, and a tag
    that was written as entities (`&lt;script&gt;`) goes too, since a plain-text
    field reaches partners and feed titles as it is.
    """
    if isinstance(value, dict):
        text = _string(value.get("value"))
        if _is_html(value):
            text = strip_tags(unescape(strip_tags(text)))
        value = text
    return " ".join(_string(value).split())


def _is_html(entry: dict) -> bool:
    return (
        "html" in _string(entry.get("contenttype")).lower()
        or _string(entry.get("role")).lower() == "richtext"
    )


def _names(values: Any) -> list[str]:
    names = (_string(v.get("name")) or _string(v.get("literal")) for v in _list(values))
    return list(dict.fromkeys(name for name in names if name))


def _first_name(values: Any) -> str:
    names = _names(values)
    return names[0] if names else ""


def _list(value: Any) -> list[dict]:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return []
    return [entry for entry in value if isinstance(entry, dict)]


def _string(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _datetime(value: str) -> datetime.datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(value)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed
