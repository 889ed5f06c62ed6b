"""IPTC ninjs ("news in JSON") 2.x stories, with the 1.x field names tolerated.

A file holds one ninjs object or a list of them. See https://iptc.org/std/ninjs/.
"""

from __future__ import annotations

import datetime
import json
import re
from html import unescape
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import strip_tags

from articles.html import sanitize_html
from articles.importers.base import (
    EntityRef,
    ImportRejected,
    StoryData,
    decode,
    hash_key,
    split_paragraphs,
    text_to_html,
)
from articles.models import Article, ArticleEntity
from articles.ninjs import ENTITY_FIELDS
from entities.models import wikidata_id_from_uri

SOURCE_KEY_MAX_LENGTH = Article._meta.get_field("source_key").max_length


def parse(name: str, data: bytes) -> list[StoryData]:
    """The stories in a ninjs file.

    Raises ImportRejected when the file is not JSON, not ninjs, or a story in it
    has no headline; a list with one bad story is rejected whole.
    """
    text = decode(name, data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportRejected(
            name,
            f"not valid JSON: {error.msg}",
            line=error.lineno,
            column=error.colno,
        ) from error
    if isinstance(document, dict):
        return [parse_item(name, document)]
    if not isinstance(document, list) or not document:
        raise ImportRejected(name, "expected a ninjs object or a list of them")
    return [
        parse_item(name, item, position=position)
        for position, item in enumerate(document, start=1)
    ]


def parse_item(name: str, item: Any, *, position: int | None = None) -> StoryData:
    """One ninjs object as a story; `position` is its place in a list."""

    def reject(reason: str) -> ImportRejected:
        prefix = f"story {position}: " if position is not None else ""
        return ImportRejected(name, prefix + reason)

    if not isinstance(item, dict):
        raise reject("expected a ninjs object")
    headline = _text(_pick(item.get("headlines"), "main") or item.get("headline"))
    if not headline:
        raise reject("no headline (ninjs “headlines” or “headline”)")
    source_name = _string(item.get("copyrightholder")) or _first_name(
        item.get("infosources")
    )
    uri = _string(item.get("uri"))
    if len(uri) > SOURCE_KEY_MAX_LENGTH:
        uri = hash_key(uri)
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
        source_key=uri or hash_key(source_name, headline),
        language="en" if re.split("[-_]", language.lower())[0] == "en" else language,
        published_at=published_at,
        tags=_names(item.get("subjects") or item.get("subject")),
        entities=_entities(item),
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
    """Plain text of a headline or description, given as a string or an entry."""
    if isinstance(value, dict):
        text = _string(value.get("value"))
        if _is_html(value):
            text = unescape(strip_tags(text))
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
