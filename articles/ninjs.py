"""How a story's parts are named in IPTC ninjs ("news in JSON"), shared by the
importer (`articles.importers.ninjs`, which reads them) and the API's ninjs
serializer (`articles.api.serializers.NinjsSerializer`, which writes them).

See https://iptc.org/std/ninjs/ and docs/partners.md.
"""

from __future__ import annotations

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
