"""How a story's parts are named in IPTC ninjs ("news in JSON"), shared by the
importer (`articles.importers.ninjs`, which reads them) and the API's ninjs
serializers (`articles.api.serializers.NinjsSerializer`, which writes them).

ninjs 2.x names its properties in lower case (`versioncreated`), ninjs 3.x in
camel case (`versionCreated`), with `embargoed` become `embargoedUntil`; the
rest (`headlines`, `subjects`, `people`, `organisations`, `places`,
`associations` as a list, ...) is spelt alike. The serializers build 2.2 and
rename for 3.1 (`to_ninjs3`); the importer renames 3.x back (`from_ninjs3`).

See https://iptc.org/std/ninjs/ and docs/partners.md.
"""

from __future__ import annotations

from typing import Any

from entities.models import Entity

# The properties holding each kind of entity: first the ninjs 2.x name, which
# the API writes, then any ninjs 1.x singular name, which an import also reads.
ENTITY_KEYS: dict[str, tuple[str, ...]] = {
    Entity.Kind.PERSON: ("people", "person"),
    Entity.Kind.ORGANIZATION: ("organisations", "organisation"),
    Entity.Kind.PLACE: ("places", "place"),
    Entity.Kind.EVENT: ("events",),
    Entity.Kind.OTHER: ("objects",),
}
# The kinds an import reads, with their properties. "objects" is written for our
# Other entities but not read back: imports would start creating entities from
# files that create none today.
ENTITY_FIELDS: list[tuple[tuple[str, ...], str]] = [
    (ENTITY_KEYS[kind], kind)
    for kind in (
        Entity.Kind.PERSON,
        Entity.Kind.ORGANIZATION,
        Entity.Kind.PLACE,
        Entity.Kind.EVENT,
    )
]


def entity_key(kind: str) -> str:
    """The ninjs 2.x property a story's entities of `kind` are written under."""
    return ENTITY_KEYS[kind][0]


# The ninjs versions the API writes; 2.2 unless a partner asks for another.
NINJS_VERSIONS = ("2.2", "3.1")
DEFAULT_NINJS_VERSION = "2.2"
NINJS_31_SCHEMA = "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json"

# ninjs 2.x property name -> ninjs 3.x name, at any depth (a body's
# `contenttype`, an association's `versioncreated`). Names not listed are the
# same in both.
NINJS_3_NAMES: dict[str, str] = {
    "representationtype": "representationType",
    "firstcreated": "firstCreated",
    "versioncreated": "versionCreated",
    "contentcreated": "contentCreated",
    "embargoed": "embargoedUntil",
    "pubstatus": "pubStatus",
    "copyrightholder": "copyrightHolder",
    "copyrightnotice": "copyrightNotice",
    "usageterms": "usageTerms",
    "ednote": "edNote",
    "infosources": "infoSources",
    "altids": "altIds",
    "trustindicators": "trustIndicators",
    "contenttype": "contentType",
    "charcount": "charCount",
    "wordcount": "wordCount",
    "sizeinbytes": "sizeInBytes",
    "aspectratio": "aspectRatio",
    "videocodec": "videoCodec",
    "framerate": "frameRate",
    "scantype": "scanType",
    "transportprotocol": "transportProtocol",
    "digitalsourcetype": "digitalSourceType",
    "rightsinfo": "rightsInfo",
}
NINJS_2_NAMES: dict[str, str] = {new: old for old, new in NINJS_3_NAMES.items()}


def to_ninjs3(item: Any) -> Any:
    """A ninjs 2.2 item (or any part of one) with its ninjs 3.x names."""
    return _renamed(item, NINJS_3_NAMES)


def from_ninjs3(item: Any) -> Any:
    """A ninjs 3.x item with its ninjs 2.x names; a 2.x item is unchanged."""
    return _renamed(item, NINJS_2_NAMES)


def _renamed(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {names.get(key, key): _renamed(v, names) for key, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    return value
