"""Load people, organisations and places in bulk: from CSV or JSON, or countries.

A file is checked whole before anything is written, and written in one
transaction: a bad row, or an alias that would name two entities, loads nothing
from that file. Loading is idempotent: entities are matched by kind and name,
a description or Wikidata ID given in the file replaces the stored one (an empty
one leaves it alone), and aliases are added, never duplicated or removed.

CSV: a header row `name,kind,aliases,description,wikidata_id` (name and kind
required, the others optional, any order), aliases separated by "|".
JSON: a list of objects with those keys, aliases a list of strings.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from collections.abc import Callable, Iterable
from operator import itemgetter
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from entities.matcher import invalidate_matcher
from entities.models import Alias, Entity, is_wikidata_id
from entities.services import rescan_archive_later

COLUMNS = ("name", "kind", "aliases", "description", "wikidata_id")
REQUIRED = ("name", "kind")
NAME_LENGTH = Entity._meta.get_field("name").max_length
ALIAS_LENGTH = Alias._meta.get_field("name").max_length
# Room left in the slug column for the "_n" that tells namesakes apart.
SLUG_BASE_LENGTH = Entity._meta.get_field("slug").max_length - 10

# The name English-language news uses, where ISO 3166 does not ("Russian
# Federation", "Türkiye", "Congo, The Democratic Republic of the").
COUNTRY_NAMES = {
    "BN": "Brunei",
    "CD": "Democratic Republic of the Congo",
    "FM": "Micronesia",
    "PS": "Palestine",
    "RU": "Russia",
    "TR": "Turkey",
    "VA": "Vatican City",
    "VG": "British Virgin Islands",
    "VI": "U.S. Virgin Islands",
}
COUNTRY_ALIASES = {
    "CD": ["DR Congo"],
    "CI": ["Ivory Coast"],
    "GB": ["Britain", "Great Britain"],
}
# "Korea, Republic of", "Virgin Islands, U.S.": catalogue forms that running text
# never uses.
CATALOGUE_FORM = re.compile(r", .*\bof\b|, (?:British|U\.S\.)$")
# "Saint Martin (French part)", "Holy See (Vatican City State)".
PARENTHESIS = re.compile(r"\s*\([^)]*\)$")


class GazetteerError(Exception):
    """Input that was refused; `messages` say where ("file:line: ...") and why."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclasses.dataclass
class Record:
    """One entity as an input file describes it."""

    name: str
    kind: str
    aliases: list[str] = dataclasses.field(default_factory=list)
    description: str = ""
    wikidata_id: str = ""
    line: int = 0


@dataclasses.dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    aliases_added: int = 0
    # The entities created or given aliases, and those new names: what the
    # archive rescan looks for.
    new_name_entity_ids: set[int] = dataclasses.field(default_factory=set, repr=False)
    new_names: set[str] = dataclasses.field(default_factory=set, repr=False)

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.aliases_added} aliases added"
        )


def load_gazetteer(*, path: Path) -> LoadResult:
    """Load one CSV or JSON file, all of it or, on any error, none of it.

    Raises GazetteerError listing every problem found, each with its line.
    """
    return load_records(records=read_gazetteer(path=path), source=str(path))


def load_countries() -> LoadResult:
    """Add every ISO 3166 country as a place, with its other names as aliases."""
    return load_records(records=country_records(), source="pycountry")


def read_gazetteer(*, path: Path) -> list[Record]:
    """The records in a CSV or JSON file; GazetteerError if any is malformed."""
    readers = {".csv": _read_csv, ".json": _read_json}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise GazetteerError([f"{path}: not a .csv or .json file"])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise GazetteerError([f"{path}: {error.strerror}"]) from error
    except UnicodeDecodeError as error:
        raise GazetteerError([f"{path}: not UTF-8 ({error.reason})"]) from error
    records, problems = reader(text)
    problems += [
        (record.line, problem)
        for record in records
        for problem in _problems(_clean(record))
    ]
    if problems:
        raise GazetteerError(_messages(str(path), problems))
    return records


def country_records() -> list[Record]:
    """A place record per ISO 3166 country; ISO codes are not aliases."""
    import pycountry

    records = []
    for country in pycountry.countries:
        code = country.alpha_2
        names = [
            COUNTRY_NAMES.get(code),
            getattr(country, "common_name", None),
            country.name,
            getattr(country, "official_name", None),
            *COUNTRY_ALIASES.get(code, []),
        ]
        names = [
            PARENTHESIS.sub("", name.removeprefix("the "))
            for name in names
            if name and not CATALOGUE_FORM.search(name)
        ]
        records.append(Record(name=names[0], kind=Entity.Kind.PLACE, aliases=names[1:]))
    return records


@transaction.atomic
def load_records(*, records: Iterable[Record], source: str) -> LoadResult:
    """Check `records` against each other and the database, then write them all.

    Raises GazetteerError, having written nothing, if a record is invalid or
    an alias (or name) would name two entities of the same kind.
    """
    records = [_clean(record) for record in records]
    problems = [(r.line, problem) for r in records for problem in _problems(r)]
    if problems:
        raise GazetteerError(_messages(source, problems))
    state = _State.load({record.kind for record in records})
    problems = list(state.clashes(records))
    if problems:
        raise GazetteerError(_messages(source, problems))
    result = state.write(records)
    invalidate_matcher()
    rescan_archive_later(entity_ids=result.new_name_entity_ids, names=result.new_names)
    return result


def _messages(source: str, problems: list[tuple[int, str]]) -> list[str]:
    return [
        f"{source}:{line}: {problem}"
        for line, problem in sorted(problems, key=itemgetter(0))
    ]


def _clean(record: Record) -> Record:
    name = " ".join(record.name.split())
    aliases = []
    for alias in record.aliases:
        alias = " ".join(alias.split())
        if alias and alias != name and alias not in aliases:
            aliases.append(alias)
    return dataclasses.replace(
        record,
        name=name,
        kind=record.kind.strip(),
        aliases=aliases,
        description=record.description.strip(),
        wikidata_id=record.wikidata_id.strip(),
    )


def _problems(record: Record) -> list[str]:
    problems = []
    if not record.name:
        problems.append("the name is missing")
    elif len(record.name) > NAME_LENGTH:
        problems.append(f"the name is longer than {NAME_LENGTH} characters")
    if record.kind not in Entity.Kind.values:
        problems.append(
            f"kind “{record.kind}” is not one of {', '.join(Entity.Kind.values)}"
        )
    if record.wikidata_id and not is_wikidata_id(record.wikidata_id):
        problems.append(
            f"“{record.wikidata_id}” is not a Wikidata ID (Q followed by digits)"
        )
    problems += [
        f"alias “{alias[:40]}…” is longer than {ALIAS_LENGTH} characters"
        for alias in record.aliases
        if len(alias) > ALIAS_LENGTH
    ]
    return problems


@dataclasses.dataclass
class _State:
    """What the database holds for the kinds being loaded, keyed by (kind, name)."""

    entities: dict[tuple[str, str], Entity]
    aliases: dict[tuple[str, str], str]
    wikidata: dict[str, tuple[str, str]]
    slugs: set[str]
    slugify: Callable[[str], str] = dataclasses.field(
        default_factory=lambda: Entity().slugify
    )

    @classmethod
    def load(cls, kinds: set[str]) -> _State:
        entities = {
            (entity.kind, entity.name): entity
            for entity in Entity.objects.filter(kind__in=kinds).only(
                "kind", "name", "description", "wikidata_id"
            )
        }
        aliases = {
            (kind, name): owner
            for kind, name, owner in Alias.objects.filter(kind__in=kinds).values_list(
                "kind", "name", "entity__name"
            )
        }
        wikidata = {
            wikidata_id: (kind, name)
            for wikidata_id, kind, name in Entity.objects.exclude(
                wikidata_id=""
            ).values_list("wikidata_id", "kind", "name")
        }
        slugs = set(Entity.objects.values_list("slug", flat=True))
        return cls(entities, aliases, wikidata, slugs)

    def clashes(self, records: list[Record]) -> Iterable[tuple[int, str]]:
        """(line, message) for each name that would belong to two entities."""
        names: dict[tuple[str, str], Record] = {}
        for record in records:
            first = names.setdefault((record.kind, record.name), record)
            if first is not record:
                yield (
                    record.line,
                    f"“{record.name}” ({record.kind}) is already on line {first.line}",
                )
        given: dict[tuple[str, str], Record] = {}
        wikidata: dict[str, Record] = {}
        for record in records:
            kind, name = record.kind, record.name
            owner = self.aliases.get((kind, name))
            if owner is not None and owner != name:
                yield record.line, f"“{name}” is already an alias of “{owner}”"
            if record.wikidata_id:
                holder = self.wikidata.get(record.wikidata_id)
                if holder is not None and holder != (kind, name):
                    yield (
                        record.line,
                        f"{record.wikidata_id} of “{name}” already belongs to "
                        f"“{holder[1]}”",
                    )
                other = wikidata.setdefault(record.wikidata_id, record)
                if other is not record:
                    yield (
                        record.line,
                        f"{record.wikidata_id} of “{name}” is also given to "
                        f"“{other.name}” on line {other.line}",
                    )
            for alias in record.aliases:
                key = (kind, alias)
                owner = self.aliases.get(key)
                if owner is not None and owner != name:
                    yield (
                        record.line,
                        f"alias “{alias}” of “{name}” is already an alias of “{owner}”",
                    )
                if key in self.entities:
                    yield (
                        record.line,
                        f"alias “{alias}” of “{name}” is the name of another "
                        f"entity, “{alias}”",
                    )
                elif key in names:
                    yield (
                        record.line,
                        f"alias “{alias}” of “{name}” is the name of “{alias}” "
                        f"on line {names[key].line}",
                    )
                other = given.setdefault(key, record)
                if other is not record:
                    yield (
                        record.line,
                        f"alias “{alias}” of “{name}” is also an alias of "
                        f"“{other.name}” on line {other.line}",
                    )

    def write(self, records: list[Record]) -> LoadResult:
        result = LoadResult()
        now = timezone.now()
        new, changed = [], []
        for record in records:
            entity = self.entities.get((record.kind, record.name))
            if entity is None:
                entity = Entity(
                    name=record.name,
                    kind=record.kind,
                    slug=self._slug(record.name),
                    description=record.description,
                    wikidata_id=record.wikidata_id,
                )
                new.append(entity)
                continue
            before = (entity.description, entity.wikidata_id)
            entity.description = record.description or entity.description
            entity.wikidata_id = record.wikidata_id or entity.wikidata_id
            if (entity.description, entity.wikidata_id) != before:
                entity.updated_at = now
                changed.append(entity)
        Entity.objects.bulk_create(new, batch_size=500)
        Entity.objects.bulk_update(
            changed, ["description", "wikidata_id", "updated_at"], batch_size=500
        )
        result.created, result.updated = len(new), len(changed)
        result.unchanged = len(records) - len(new) - len(changed)

        ids = {
            (kind, name): pk
            for kind, name, pk in Entity.objects.filter(
                kind__in={r.kind for r in records}
            ).values_list("kind", "name", "pk")
        }
        aliases = [
            Alias(entity_id=ids[(r.kind, r.name)], name=alias, kind=r.kind)
            for r in records
            for alias in r.aliases
            if (r.kind, alias) not in self.aliases
        ]
        Alias.objects.bulk_create(aliases, batch_size=500)
        result.aliases_added = len(aliases)
        for entity in new:
            result.new_name_entity_ids.add(ids[(entity.kind, entity.name)])
            result.new_names.add(entity.name)
        for alias in aliases:
            result.new_name_entity_ids.add(alias.entity_id)
            result.new_names.add(alias.name)
        return result

    def _slug(self, name: str) -> str:
        # As TagBase.save() would, without a query per entity.
        base = self.slugify(name)[:SLUG_BASE_LENGTH] or "entity"
        slug, n = base, 1
        while slug in self.slugs:
            slug, n = f"{base}_{n}", n + 1
        self.slugs.add(slug)
        return slug


def _read_csv(text: str) -> tuple[list[Record], list[tuple[int, str]]]:
    records: list[Record] = []
    problems: list[tuple[int, str]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip() for column in next(reader, [])]
    except csv.Error as error:
        return [], [(1, str(error))]
    unknown = [column for column in header if column not in COLUMNS]
    missing = [column for column in REQUIRED if column not in header]
    if unknown or missing or len(set(header)) != len(header):
        return [], [
            (
                1,
                f"the header must name the columns {','.join(COLUMNS)} "
                f"(name and kind required), not {','.join(header)}",
            )
        ]
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append((line, str(error)))
            break
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(
                (
                    start,
                    f"expected {len(header)} columns ({','.join(header)}), "
                    f"found {len(row)}",
                )
            )
            continue
        values = dict(zip(header, row, strict=True))
        records.append(
            Record(
                name=values["name"],
                kind=values["kind"],
                aliases=values.get("aliases", "").split("|"),
                description=values.get("description", ""),
                wikidata_id=values.get("wikidata_id", ""),
                line=start,
            )
        )
    return records, problems


def _read_json(text: str) -> tuple[list[Record], list[tuple[int, str]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return [], [(error.lineno, f"invalid JSON: {error.msg} (column {error.colno})")]
    if not isinstance(data, list):
        return [], [(1, "expected a list of objects")]
    records: list[Record] = []
    problems: list[tuple[int, str]] = []
    for item, line in zip(data, _element_lines(text), strict=True):
        problem = _json_problem(item)
        if problem:
            problems.append((line, problem))
            continue
        records.append(
            Record(
                name=item["name"],
                kind=item["kind"],
                aliases=item.get("aliases") or [],
                description=item.get("description") or "",
                wikidata_id=item.get("wikidata_id") or "",
                line=line,
            )
        )
    return records, problems


def _json_problem(item: object) -> str:
    if not isinstance(item, dict):
        return "expected an object with name and kind"
    unknown = sorted(set(item) - set(COLUMNS))
    if unknown:
        return f"unknown keys {', '.join(unknown)}; expected {', '.join(COLUMNS)}"
    for key in ("name", "kind"):
        if not isinstance(item.get(key), str):
            return f"“{key}” must be a string"
    for key in ("description", "wikidata_id"):
        if not isinstance(item.get(key) or "", str):
            return f"“{key}” must be a string"
    aliases = item.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        return "“aliases” must be a list of strings"
    return ""


def _element_lines(text: str) -> list[int]:
    """The line on which each element of the (valid) top-level JSON array starts."""
    decoder = json.JSONDecoder()
    space = re.compile(r"[ \t\n\r]*")
    index = space.match(text).end() + 1
    line, counted = 1, 0
    lines = []
    while True:
        index = space.match(text, index).end()
        if text[index] == "]":
            return lines
        line += text.count("\n", counted, index)
        counted = index
        lines.append(line)
        _, index = decoder.raw_decode(text, index)
        index = space.match(text, index).end()
        if text[index] == ",":
            index += 1
