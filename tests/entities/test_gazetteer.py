from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from entities.gazetteer import (
    GazetteerError,
    country_records,
    load_countries,
    load_gazetteer,
)
from entities.matcher import get_matcher
from entities.models import Alias, Entity
from tests.factories import AliasFactory, ArticleFactory, EntityFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
CSV = DATA / "gazetteer.csv"
JSON = DATA / "gazetteer.json"
HEADER = "name,kind,aliases,description,wikidata_id\n"


def aliases_of(name: str) -> list[str]:
    return sorted(
        Alias.objects.filter(entity__name=name).values_list("name", flat=True)
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_loads_entities_and_aliases():
    """Each CSV row becomes an entity of its kind, with its aliases and details."""
    result = load_gazetteer(path=CSV)
    assert (result.created, result.aliases_added) == (5, 8)
    putin = Entity.objects.get(name="Vladimir Putin")
    assert (putin.kind, putin.wikidata_id, putin.description) == (
        "person",
        "Q7747",
        "President of Russia.",
    )
    assert aliases_of("Vladimir Putin") == ["President Putin", "Putin"]
    assert Entity.objects.get(name="Wadi Barada Valley").kind == "place"
    assert aliases_of("UN Security Council") == [
        "Security Council",
        "UNSC",
        "United Nations Security Council",
    ]
    assert set(Alias.objects.values_list("kind", flat=True)) == {
        "person",
        "organization",
    }


def test_json_loads_entities_and_aliases():
    """Each JSON object becomes an entity; null and missing keys are empty."""
    result = load_gazetteer(path=JSON)
    assert (result.created, result.aliases_added) == (3, 2)
    assert Entity.objects.get(name="Hezbollah").wikidata_id == ""
    assert aliases_of("Damascus") == ["Dimashq"]
    assert Entity.objects.get(name="Hassan Rouhani").description.startswith(
        "President of Iran"
    )


def test_second_load_changes_nothing():
    """Loading the same file again creates no entity and no alias."""
    load_gazetteer(path=CSV)
    entities, aliases = Entity.objects.count(), Alias.objects.count()
    result = load_gazetteer(path=CSV)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 5)
    assert result.aliases_added == 0
    assert (Entity.objects.count(), Alias.objects.count()) == (entities, aliases)


def test_later_load_updates_and_adds_aliases(tmp_path):
    """A known entity gets the new description and extra aliases, keeping the old."""
    putin = EntityFactory(name="Vladimir Putin", kind="person", description="Old.")
    AliasFactory(entity=putin, name="V. Putin")
    path = write(tmp_path, "more.csv", HEADER + "Vladimir Putin,person,Putin,New.,\n")
    result = load_gazetteer(path=path)
    assert (result.created, result.updated, result.aliases_added) == (0, 1, 1)
    putin.refresh_from_db()
    assert putin.description == "New."
    assert aliases_of("Vladimir Putin") == ["Putin", "V. Putin"]


def test_empty_value_keeps_stored_details(tmp_path):
    """An empty description or Wikidata ID in a file does not erase the stored one."""
    EntityFactory(name="Vladimir Putin", kind="person", description="Kept.")
    load_gazetteer(path=write(tmp_path, "a.csv", HEADER + "Vladimir Putin,person,,,\n"))
    assert Entity.objects.get(name="Vladimir Putin").description == "Kept."


def test_same_name_may_be_two_kinds(tmp_path):
    """Georgia the place and Georgia the person are two entities."""
    path = write(
        tmp_path,
        "georgia.csv",
        HEADER + "Georgia,place,Sakartvelo,,\nGeorgia,person,Georgia May,,\n",
    )
    assert load_gazetteer(path=path).created == 2
    assert sorted(Entity.objects.values_list("kind", flat=True)) == ["person", "place"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Kremlin,building,,,", "kind “building” is not one of person, organization"),
        (",place,Nowhere,,", "the name is missing"),
        ("Putin,person,,,7747", "“7747” is not a Wikidata ID"),
        ("Putin,person,,", "expected 5 columns"),
        ("Putin,person,,,,extra", "expected 5 columns"),
    ],
)
def test_malformed_csv_row_loads_nothing(tmp_path, row, message):
    """A bad row is reported with its file and line, and the file loads nothing."""
    text = (
        HEADER
        + 'Syria,place,,"A description\nover two lines",\n'
        + "Iran,place,,,\n"
        + row
        + "\n"
    )
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(GazetteerError) as caught:
        load_gazetteer(path=path)
    (error,) = caught.value.messages
    assert error.startswith(f"{path}:5: ")
    assert message in error
    assert not Entity.objects.exists()


def test_every_bad_row_is_reported(tmp_path):
    """All the malformed rows are listed, not just the first."""
    path = write(tmp_path, "bad.csv", HEADER + ",place,,,\nSyria,country,,,\n")
    with pytest.raises(GazetteerError) as caught:
        load_gazetteer(path=path)
    assert [m.split(": ")[0] for m in caught.value.messages] == [
        f"{path}:2",
        f"{path}:3",
    ]


def test_wrong_header_is_refused(tmp_path):
    """A CSV file without the expected header loads nothing."""
    path = write(tmp_path, "bad.csv", "title,type\nSyria,place\n")
    with pytest.raises(GazetteerError, match=r"bad\.csv:1: the header must name"):
        load_gazetteer(path=path)


def test_bad_json_is_reported_with_its_line(tmp_path):
    """JSON that does not parse is reported with the line of the fault."""
    path = write(
        tmp_path, "bad.json", '[\n  {"name": "Syria", "kind": "place"},\n  {"name"}\n]'
    )
    with pytest.raises(GazetteerError, match=r"bad\.json:3: invalid JSON"):
        load_gazetteer(path=path)


def test_malformed_json_object_loads_nothing(tmp_path):
    """An invalid object is reported with the line it starts on; nothing loads."""
    items = [
        {"name": "Syria", "kind": "place"},
        {"name": "Iran", "kind": "place", "aliases": "Persia"},
        {"name": "Iraq", "kind": "country"},
    ]
    path = write(tmp_path, "bad.json", json.dumps(items, indent=2))
    with pytest.raises(GazetteerError) as caught:
        load_gazetteer(path=path)
    assert caught.value.messages == [
        f"{path}:6: “aliases” must be a list of strings",
        f"{path}:11: kind “country” is not one of person, organization, place, "
        "event, other",
    ]
    assert not Entity.objects.exists()


def test_alias_of_another_entity_is_refused(tmp_path):
    """An alias already naming another entity of the kind is refused, naming both."""
    un = EntityFactory(name="United Nations", kind="organization")
    AliasFactory(entity=un, name="UN")
    path = write(
        tmp_path,
        "clash.csv",
        HEADER + "Syria,place,,,\nUnion Nationale,organization,UN,,\n",
    )
    with pytest.raises(GazetteerError) as caught:
        load_gazetteer(path=path)
    assert caught.value.messages == [
        f"{path}:3: alias “UN” of “Union Nationale” is already an alias of "
        "“United Nations”"
    ]
    assert not Entity.objects.filter(name__in=["Syria", "Union Nationale"]).exists()


def test_alias_equal_to_another_entitys_name_is_refused(tmp_path):
    """An alias that is another entity's name (same kind) is refused, naming both."""
    EntityFactory(name="Security Council", kind="organization")
    path = write(
        tmp_path,
        "clash.csv",
        HEADER + "UN Security Council,organization,UNSC|Security Council,,\n",
    )
    with pytest.raises(GazetteerError, match="“Security Council” of “UN Security"):
        load_gazetteer(path=path)
    assert not Alias.objects.exists()


def test_name_equal_to_another_entitys_alias_is_refused(tmp_path):
    """A new entity named like another's alias would make that name ambiguous."""
    council = EntityFactory(name="UN Security Council", kind="organization")
    AliasFactory(entity=council, name="Security Council")
    path = write(tmp_path, "clash.csv", HEADER + "Security Council,organization,,,\n")
    with pytest.raises(GazetteerError, match="is already an alias of “UN Security"):
        load_gazetteer(path=path)


def test_alias_clash_within_a_file_is_refused(tmp_path):
    """Two rows giving the same alias are refused, naming both and both lines."""
    path = write(
        tmp_path,
        "clash.csv",
        HEADER
        + "United Nations,organization,UN,,\nUnion Nationale,organization,UN,,\n",
    )
    with pytest.raises(GazetteerError) as caught:
        load_gazetteer(path=path)
    assert caught.value.messages == [
        f"{path}:3: alias “UN” of “Union Nationale” is also an alias of "
        "“United Nations” on line 2"
    ]


def test_same_alias_for_different_kinds_is_allowed(tmp_path):
    """Aliases are unique per kind only: "Jordan" the place and the person."""
    path = write(
        tmp_path,
        "ok.csv",
        HEADER + "Hashemite Kingdom,place,Jordan,,\nMichael Jordan,person,Jordan,,\n",
    )
    assert load_gazetteer(path=path).aliases_added == 2


def test_loading_invalidates_the_matcher():
    """Names loaded from a file are matched straight away."""
    assert get_matcher().find("Free Syrian Army") == []
    load_gazetteer(path=CSV)
    assert [m.alias for m in get_matcher().find("the Free Syrian Army")] == [
        "Free Syrian Army"
    ]


def test_loading_rescans_the_archive_for_new_names(
    tmp_path, django_capture_on_commit_callbacks
):
    """Stories written before a load get suggestions for the entities and aliases
    it added; a second load of the same file, adding nothing, reads no story."""
    putin = EntityFactory(name="Vladimir Putin", kind="person")
    by_alias = ArticleFactory(body="<p>Putin spoke.</p>")
    by_name = ArticleFactory(headline="Harbour Trust buys the docks")
    by_both = ArticleFactory(body="<p>Vladimir Putin spoke. Putin left.</p>")
    path = write(
        tmp_path,
        "more.csv",
        HEADER + "Vladimir Putin,person,Putin,,\nHarbour Trust,organization,,,\n",
    )

    with django_capture_on_commit_callbacks(execute=True):
        load_gazetteer(path=path)

    trust = Entity.objects.get(name="Harbour Trust")
    # A story found by the new alias is matched whole, the old name too.
    assert set(putin.suggestions.values_list("article_id", flat=True)) == {
        by_alias.pk,
        by_both.pk,
    }
    assert putin.suggestions.get(article=by_both).mention_count == 2
    assert set(trust.suggestions.values_list("article_id", flat=True)) == {by_name.pk}
    unread = ArticleFactory(body="<p>The Harbour Trust met.</p>")
    with django_capture_on_commit_callbacks(execute=True):
        load_gazetteer(path=path)
    assert not unread.suggestions.exists()


class TestCountries:
    def test_russia_with_its_iso_name(self):
        """Russia is a place with alias "Russian Federation" but not "RU"."""
        load_countries()
        russia = Entity.objects.get(name="Russia")
        assert russia.kind == "place"
        assert aliases_of("Russia") == ["Russian Federation"]
        assert not Alias.objects.filter(name__in=["RU", "RUS"]).exists()

    def test_everyday_names(self):
        """Countries carry the names news uses, and official names as aliases."""
        load_countries()
        assert Entity.objects.filter(kind="place").count() == len(country_records())
        assert "Syrian Arab Republic" in aliases_of("Syria")
        assert "Türkiye" in aliases_of("Turkey")
        assert "Islamic Republic of Iran" in aliases_of("Iran")
        assert not Alias.objects.filter(name__contains=", Republic of").exists()

    def test_idempotent_and_keeps_existing_entities(self):
        """A second run adds nothing; an existing Russia gains its aliases."""
        russia = EntityFactory(name="Russia", kind="place", description="Kept.")
        load_countries()
        result = load_countries()
        assert (result.created, result.updated, result.aliases_added) == (0, 0, 0)
        russia.refresh_from_db()
        assert russia.description == "Kept."
        assert aliases_of("Russia") == ["Russian Federation"]


class TestCommand:
    def test_loads_files(self, capsys):
        """The command loads every file named and says what it did."""
        call_command("load_gazetteer", str(CSV), str(JSON))
        out = capsys.readouterr().out
        assert f"{CSV}: 5 created" in out
        assert f"{JSON}: 3 created" in out
        assert Entity.objects.count() == 8

    def test_countries(self, capsys):
        """--countries seeds the countries as places."""
        call_command("load_gazetteer", "--countries")
        assert "countries: 249 created" in capsys.readouterr().out
        assert Entity.objects.filter(name="Russia", kind="place").exists()

    def test_bad_file_fails_and_reports(self, tmp_path, capsys):
        """A bad file is reported on stderr, loads nothing, and the command fails."""
        bad = write(tmp_path, "bad.csv", HEADER + "Kremlin,building,,,\n")
        with pytest.raises(CommandError, match="Nothing loaded from .*bad.csv"):
            call_command("load_gazetteer", str(bad), str(JSON))
        assert f"{bad}:2: kind “building”" in capsys.readouterr().err
        assert not Entity.objects.filter(name="Kremlin").exists()
        assert Entity.objects.filter(name="Damascus").exists()

    def test_nothing_to_do_is_an_error(self):
        """Without files or --countries the command fails."""
        with pytest.raises(CommandError):
            call_command("load_gazetteer")
