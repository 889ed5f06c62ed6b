from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

import pytest
from django.utils import timezone

from articles.importers import Outcome, import_files, parse_file
from articles.models import Article, ArticleAuthor, ArticleEntity
from entities.models import Entity
from tests.factories import (
    AuthorFactory,
    EntityFactory,
    SectionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NINJS_EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "ninjs" / "examples"
NINJS_31_EXAMPLES = NINJS_EXAMPLES.parent / "3.1" / "examples"

HEADLINE = (
    "Netanyahu and Putin discuss “continued security coordination in this sphere”"
)


def ninjs(**fields) -> tuple[str, bytes]:
    document = {
        "uri": "urn:newsml:example.org:20250301:story",
        "headlines": [{"role": "main", "value": "Harbour reopens after storm"}],
        "bodies": [{"contenttype": "text/html", "value": "<p>Boats are back.</p>"}],
        **fields,
    }
    return "story.json", json.dumps(document).encode()


def only_article() -> Article:
    [article] = Article.objects.all()
    return article


def test_real_story_parses_headline_publication_dek_and_body(story_file):
    """The sample story keeps its headline, publication, dek and 8 paragraphs."""
    [story] = parse_file(story_file.name, story_file.read_bytes())

    assert story.headline == HEADLINE
    assert story.source_name == "Behold Israel"
    assert story.dek.startswith("PM speaks with Putin for second time this week")
    assert story.dek.endswith("to try to end “Syrian crisis”")
    assert story.body_html.count("<p>") == 8
    assert story.body_html.startswith("<p>Prime Minister Netanyahu spoke with")
    assert "According to the Prime Minister’s Office “Prime Minister" in (
        story.body_html
    )
    assert story.source_key.startswith("sha256:")


def test_real_story_imports_as_a_draft_with_curly_quotes_intact(story_file):
    """Importing the sample story makes one draft whose text survives untouched."""
    report = import_files([(story_file.name, story_file.read_bytes())])

    assert report.summary() == "1 created, 0 updated, 0 rejected"
    article = only_article()
    assert article.headline == HEADLINE
    assert article.source_name == "Behold Israel"
    assert article.dek.startswith("PM speaks with Putin")
    assert article.body.count("<p>") == 8
    assert "“Syrian crisis”" in article.dek
    assert "Assad’s Regime" in article.body
    assert article.status == Article.Status.DRAFT


def test_layout_without_publication_line_imports():
    """A headline, a blank line and paragraphs import with no dek or source."""
    data = b"Harbour reopens after storm\n\nBoats are back.\n\nThe quay is dry.\n"

    [story] = parse_file("harbour.txt", data)

    assert story.headline == "Harbour reopens after storm"
    assert story.source_name == ""
    assert story.dek == ""
    assert story.body_html == "<p>Boats are back.</p>\n<p>The quay is dry.</p>"


def test_two_blank_lines_make_a_dek_without_publication_line():
    """A first paragraph followed by two blank lines is the dek in either layout."""
    data = b"Harbour reopens\n\nThe short version.\n\n\nBoats are back.\n"

    [story] = parse_file("harbour.txt", data)

    assert story.dek == "The short version."
    assert story.body_html == "<p>Boats are back.</p>"


def test_crlf_bom_and_markup_are_handled():
    """Windows line endings and a BOM are read; text is escaped, not trusted."""
    data = "\ufeffFish & chips | The Gazette\r\n\r\nFish & chips\r\n\r\n".encode()
    data += b"Cod <b>costs</b> more & more.\r\n\r\nIt's \xe2\x80\x9cdear\xe2\x80\x9d."

    [story] = parse_file("fish.txt", data)

    assert story.headline == "Fish & chips"
    assert story.source_name == "The Gazette"
    assert story.body_html == (
        "<p>Cod &lt;b&gt;costs&lt;/b&gt; more &amp; more.</p>\n<p>It's “dear”.</p>"
    )


def test_reimport_updates_the_same_story(story_file):
    """Importing a file twice leaves one story and reports it updated."""
    files = [(story_file.name, story_file.read_bytes())]
    import_files(files)
    first = only_article()

    report = import_files(files)

    assert [outcome.result for outcome in report.outcomes] == [Outcome.UPDATED]
    assert report.summary() == "0 created, 1 updated, 0 rejected"
    assert only_article().pk == first.pk


def test_reimport_changes_the_text_but_keeps_the_slug():
    """A corrected file updates the story's text under its original address."""
    import_files([("a.txt", b"Harbour reopens | Gazette\n\nBoats are back.")])
    slug = only_article().slug

    import_files([("a.txt", b"Harbour reopens | Gazette\n\nFerries are back.")])

    article = only_article()
    assert article.body == "<p>Ferries are back.</p>"
    assert article.slug == slug


@pytest.mark.parametrize(
    ("name", "data", "where", "reason"),
    [
        ("empty.txt", b"", "empty.txt", "empty"),
        ("blank.txt", b"\xef\xbb\xbf \r\n\r\n", "blank.txt", "empty"),
        ("latin1.txt", b"Caf\xe9 opens\n\nBody.", "latin1.txt, line 1", "UTF-8"),
        ("nohead.txt", b" | Gazette\n\nBody.", "nohead.txt, line 1", "no headline"),
        (
            "broken.json",
            b'{\n  "uri": "x",\n}',
            "broken.json, line 3, column 1",
            "JSON",
        ),
        ("nohead.json", b'{"uri": "x", "bodies": []}', "nohead.json", "no headline"),
    ],
)
def test_malformed_file_is_rejected_and_the_rest_import(name, data, where, reason):
    """A bad file is reported by name, line and reason; good files still import."""
    report = import_files(
        [
            ("good-1.txt", b"First good story\n\nBody."),
            (name, data),
            ("good-2.txt", b"Second good story\n\nBody."),
        ]
    )

    [rejected] = [o for o in report.outcomes if o.result == Outcome.REJECTED]
    assert rejected.where == where
    assert reason in rejected.reason
    assert str(rejected).startswith(f"rejected {where}: ")
    assert report.summary() == "2 created, 0 updated, 1 rejected"
    assert set(Article.objects.values_list("headline", flat=True)) == {
        "First good story",
        "Second good story",
    }


def test_story_that_does_not_fit_leaves_nothing_behind():
    """A story the model refuses is rejected with nothing of it written."""
    name, data = ninjs(
        headlines=[{"value": "x" * 301}],
        subjects=[{"name": "Storms"}],
        people=[{"name": "Ada Lovelace"}],
    )

    report = import_files([(name, data)])

    [outcome] = report.outcomes
    assert outcome.result == Outcome.REJECTED
    assert "headline" in outcome.reason
    assert "300 characters" in outcome.reason
    assert not Article.objects.exists()
    assert not Entity.objects.exists()


@pytest.fixture
def ninjs_examples():
    if not NINJS_EXAMPLES.is_dir():
        pytest.skip("../shared/ninjs is not present")
    return sorted(NINJS_EXAMPLES.glob("*.json"))


def test_all_official_ninjs_examples_import(ninjs_examples):
    """Every official ninjs 2.2 example imports; two share a URI, so one updates."""
    report = import_files((path.name, path.read_bytes()) for path in ninjs_examples)

    assert report.rejected == 0, [str(o) for o in report.outcomes]
    assert report.created + report.updated == len(ninjs_examples)
    assert Article.objects.count() == report.created
    article = Article.objects.get(
        source_key="http://ninjs.example.com/newsitems/20130709med123"
    )
    assert article.headline == "Captain of wrecked cruise ship on trial in Italy"
    assert article.byline == "Paulo Santalucia and Frances d'Emilio"
    assert article.dateline == "Grossetto, Italy"
    assert article.body.count("<p>") == 4


def test_complex_ninjs_example_brings_its_entities(ninjs_examples):
    """People, organisations and places in a ninjs example become entities."""
    path = NINJS_EXAMPLES / "005_complex_text_article.json"
    import_files([(path.name, path.read_bytes())])

    links = {
        (link.tag.name, link.tag.kind, link.relevance, link.tag.wikidata_id)
        for link in only_article().entity_links.select_related("tag")
    }
    assert ("Francesco Schettino", "person", "about", "Q4421821") in links
    assert ("Costa Crociere SpA", "organization", "mentions", "") in links
    assert ("Italy", "place", "mentions", "") in links
    assert len(links) == 5


@pytest.fixture
def ninjs_31_examples():
    if not NINJS_31_EXAMPLES.is_dir():
        pytest.skip("../shared/ninjs/3.1 is not present")
    return sorted(NINJS_31_EXAMPLES.glob("*.json"))


def imported() -> list[tuple]:
    return sorted(
        (
            article.source_key,
            article.headline,
            article.dek,
            article.body,
            article.byline,
            article.dateline,
            tuple(sorted(article.entities.values_list("name", "kind"))),
        )
        for article in Article.objects.all()
    )


def test_official_ninjs_31_examples_import(ninjs_31_examples):
    """Every official ninjs 3.1 example with a headline (or, for an event, a
    title) imports, its camel-case names read; the renditions example, which
    has neither, is refused saying so. Two examples share a URI."""
    report = import_files((path.name, path.read_bytes()) for path in ninjs_31_examples)

    by_name = {outcome.name: outcome for outcome in report.outcomes}
    rejected = by_name.pop("002_renditions_example.json")
    assert rejected.result == Outcome.REJECTED
    assert rejected.reason == "no headline (ninjs “headlines”, “headline” or “title”)"
    assert {outcome.result for outcome in by_name.values()} <= {
        Outcome.CREATED,
        Outcome.UPDATED,
    }, [str(outcome) for outcome in by_name.values()]
    assert Article.objects.count() == report.created == len(by_name) - 1
    article = Article.objects.get(
        source_key="http://ninjs.example.com/newsitems/20130709med123"
    )
    assert article.headline == "Captain of wrecked cruise ship on trial in Italy"
    assert article.dateline == "Grossetto, Italy"
    # "contentType": "application/xhtml+xml" is read as the HTML body.
    assert article.body.count("<p>") == 4
    assert ("Francesco Schettino", "person") in article.entities.values_list(
        "name", "kind"
    )
    event = Article.objects.get(
        source_key="urn:nato.int:2023-nato-summit-press-conference"
    )
    assert event.headline == "2023 NATO Summit Press Conference"
    photo = Article.objects.get(
        source_key="http://ninjs.example.com/newsitems/20130709simpPh123"
    )
    assert photo.dek.startswith("The Costa Concordia cruise ship lies on its side")


def test_ninjs_31_examples_import_idempotently(ninjs_31_examples):
    """Importing the 3.1 examples again creates nothing and changes nothing."""
    files = [(path.name, path.read_bytes()) for path in ninjs_31_examples]
    import_files(files)
    first = imported()

    again = import_files(files)

    assert again.created == 0
    assert imported() == first


def test_ninjs_31_names_are_read():
    """embargoedUntil, versionCreated, contentType and infoSources, as 3.1
    spells them, are read as their 2.x names are."""
    name, data = (
        "story.json",
        json.dumps(
            {
                "uri": "urn:example:31",
                "headlines": [{"value": "Camel case"}],
                "embargoedUntil": "2025-03-01T09:00:00Z",
                "versionCreated": "2025-03-02T09:00:00Z",
                "bodies": [{"contentType": "text/html", "value": "<p>Hi</p>"}],
                "infoSources": [{"name": "Wire"}],
                "subjects": [{"name": "Weather"}],
            }
        ).encode(),
    )
    [story] = parse_file(name, data)

    assert story.published_at == datetime.datetime(2025, 3, 1, 9, tzinfo=datetime.UTC)
    assert story.body_html == "<p>Hi</p>"
    assert story.source_name == "Wire"
    assert story.tags == ["Weather"]


def test_ninjs_html_body_is_sanitised_and_language_kept():
    """A ninjs HTML body loses scripts and handlers; a German story stays German."""
    name, data = ninjs(
        language="de",
        bodies=[
            {
                "contenttype": "text/html",
                "value": '<p onclick="steal()">Hallo</p><script>alert(1)</script>',
            }
        ],
    )

    import_files([(name, data)])

    article = only_article()
    assert article.body == "<p>Hallo</p>"
    assert "script" not in article.body
    assert "onclick" not in article.body
    assert article.language == "de"


def test_english_variants_are_stored_as_english():
    """en-GB and en-US import as the default language, en."""
    import_files([ninjs(language="en-GB")])

    assert only_article().language == "en"


def test_ninjs_subjects_and_entities_become_tags_and_entities():
    """Subjects become topic tags; people, organisations and places entities."""
    existing = EntityFactory(name="Port Authority", kind=Entity.Kind.ORGANIZATION)
    name, data = ninjs(
        subjects=[{"name": "Weather"}, {"name": "Shipping"}, {"uri": "x"}],
        people=[
            {
                "name": "Ada Harbourmaster",
                "rel": "about",
                "uri": "http://www.wikidata.org/entity/Q42",
            }
        ],
        organisations=[{"name": "port authority", "rel": "mentions"}],
        places=[{"name": "Dover", "uri": "http://www.wikidata.org/entity/nonsense"}],
    )

    import_files([(name, data)])

    article = only_article()
    assert set(article.tags.names()) == {"Weather", "Shipping"}
    links = {link.tag.name: link for link in article.entity_links.select_related("tag")}
    assert links["Ada Harbourmaster"].relevance == ArticleEntity.Relevance.ABOUT
    assert links["Ada Harbourmaster"].tag.kind == Entity.Kind.PERSON
    assert links["Ada Harbourmaster"].tag.wikidata_id == "Q42"
    assert links["Port Authority"].tag == existing
    assert links["Port Authority"].relevance == ArticleEntity.Relevance.MENTIONS
    assert links["Dover"].tag.kind == Entity.Kind.PLACE
    assert links["Dover"].tag.wikidata_id == ""
    assert Entity.objects.count() == 3


def test_entity_is_found_by_wikidata_id_before_name():
    """An entity with the story's Wikidata ID is used whatever it is called."""
    putin = EntityFactory(name="Vladimir Putin", wikidata_id="Q7747")

    import_files(
        [
            ninjs(
                people=[{"name": "Putin", "uri": "https://www.wikidata.org/wiki/Q7747"}]
            )
        ]
    )

    assert list(only_article().entities.all()) == [putin]


def test_ninjs_1_fields_are_understood():
    """The ninjs 1.x names headline, description_text, body_html and byline work."""
    document = {
        "uri": "urn:example:1",
        "headline": "Old-style story",
        "description_text": "A standfirst.",
        "body_html": "<p>Body.</p>",
        "byline": "A. Writer",
    }

    import_files([("old.json", json.dumps(document).encode())])

    article = only_article()
    assert (article.headline, article.dek, article.body, article.byline) == (
        "Old-style story",
        "A standfirst.",
        "<p>Body.</p>",
        "A. Writer",
    )


def test_ninjs_list_imports_each_story():
    """A file holding a list of ninjs objects imports every one of them."""
    documents = [
        {"uri": f"urn:example:{n}", "headline": f"Story {n}", "body_text": "Body."}
        for n in range(3)
    ]

    report = import_files([("many.json", json.dumps(documents).encode())])

    assert report.summary() == "3 created, 0 updated, 0 rejected"


def test_ninjs_without_uri_is_keyed_by_headline():
    """Without a URI, importing the same ninjs story twice still updates it."""
    document = json.dumps({"headline": "No URI here", "body_text": "Body."}).encode()

    import_files([("a.json", document)])
    report = import_files([("a.json", document)])

    assert report.updated == 1
    assert only_article().source_key.startswith("sha256:")


def test_published_ninjs_goes_live_at_its_first_created_time():
    """Published without a go-live time, a ninjs story uses its firstcreated."""
    name, data = ninjs(
        firstcreated="2025-03-01T09:00:00Z", versioncreated="2025-03-02T09:00:00Z"
    )

    import_files([(name, data)], status=Article.Status.PUBLISHED)

    article = only_article()
    assert article.status == Article.Status.PUBLISHED
    assert article.go_live_at == datetime.datetime(2025, 3, 1, 9, tzinfo=datetime.UTC)
    assert article.is_live


def test_given_go_live_time_wins_over_the_source():
    """An explicit go-live time beats the ninjs dates."""
    at = timezone.now() + datetime.timedelta(days=1)

    import_files(
        [ninjs(firstcreated="2025-03-01T09:00:00Z")],
        status=Article.Status.PUBLISHED,
        published_at=at,
    )

    article = only_article()
    assert article.go_live_at == at
    assert article.is_scheduled


def test_draft_reimport_does_not_unpublish():
    """Re-importing as a draft updates a published story but leaves it published."""
    import_files([ninjs()], status=Article.Status.PUBLISHED)

    import_files([ninjs()], status=Article.Status.DRAFT)

    assert only_article().is_live


def test_section_is_set_when_given():
    """The chosen section is applied to imported stories."""
    section = SectionFactory(name="Business", slug="business")

    import_files([ninjs()], section=section)

    assert only_article().section == section


def test_user_without_publishing_rights_cannot_import_published():
    """Importing as published needs the publish permission."""
    user = UserFactory(is_staff=True)

    report = import_files([ninjs()], status=Article.Status.PUBLISHED, by=user)

    assert report.rejected == 1
    assert "may not publish" in report.outcomes[0].reason
    assert not Article.objects.exists()


GOOD = ("good.txt", b"A good story\n\nBody.")


def deep_json(levels: int) -> bytes:
    """A ninjs story carrying arrays nested `levels` deep in all."""
    return (
        b'{"headline": "Deep", "extra": '
        + b"[" * (levels - 1)
        + b"]" * (levels - 1)
        + b"}"
    )


def test_ninjs_list_rejects_the_bad_story_and_imports_the_others():
    """In a ninjs list each story stands alone: a bad one is reported by its
    place, the others import."""
    data = b'[{"headline": "A"}, {}, {"headline": "C"}]'

    report = import_files([("list.json", data)])

    assert report.summary() == "2 created, 0 updated, 1 rejected"
    [rejected] = [o for o in report.outcomes if o.result == Outcome.REJECTED]
    assert str(rejected) == (
        "rejected list.json: story 2: no headline "
        "(ninjs “headlines”, “headline” or “title”)"
    )
    assert set(Article.objects.values_list("headline", flat=True)) == {"A", "C"}


def test_deeply_nested_json_is_refused_with_the_limit_and_the_run_goes_on():
    """JSON nested past MAX_JSON_DEPTH is refused before it is parsed, naming the
    limit; the next file still imports."""
    report = import_files([("deep.json", b"[" * 100_000 + b"]" * 100_000), GOOD])

    rejected, good = report.outcomes
    assert rejected.result == Outcome.REJECTED
    assert rejected.reason == (
        "the JSON is nested deeper than the limit of 32 levels (MAX_JSON_DEPTH)"
    )
    assert good.result == Outcome.CREATED


def test_json_depth_limit_is_exact(settings):
    """A story nested exactly MAX_JSON_DEPTH deep imports; one level more does not."""
    settings.MAX_JSON_DEPTH = 8

    report = import_files([("ok.json", deep_json(8)), ("deep.json", deep_json(9))])

    assert [o.result for o in report.outcomes] == ["created", "rejected"]
    assert "limit of 8 levels" in report.outcomes[1].reason


def test_brackets_inside_strings_do_not_count_as_nesting():
    """Brackets in a JSON string are text, not levels."""
    data = json.dumps({"headline": "Brackets", "body_text": "[" * 500}).encode()

    [outcome] = import_files([("ok.json", data)]).outcomes

    assert outcome.result == Outcome.CREATED


def test_lone_surrogate_is_removed_and_reported():
    """A lone surrogate escape is stripped from every text field and named in
    the report; the story imports (the database would refuse it)."""
    data = (
        b'{"headline": "Harbour \\ud800 reopens", "body_text": "Boats\\udfff back.",'
        b' "subjects": [{"name": "Ports\\ud800"}]}'
    )

    [outcome] = import_files([("wire.json", data)]).outcomes

    assert outcome.result == Outcome.CREATED
    assert outcome.warnings == [
        "headline: removed U+D800 lone surrogate",
        "body_html: removed U+DFFF lone surrogate",
        "tags: removed U+D800 lone surrogate",
    ]
    article = only_article()
    assert article.headline == "Harbour reopens"
    assert article.body == "<p>Boats back.</p>"
    assert list(article.tags.names()) == ["Ports"]
    assert article.source_key.startswith("sha256:")


def test_escape_character_is_stripped_and_reported_with_file_and_field():
    """An ESC in a headline (it would break every feed) is removed, and the
    warning names the file, the story and the field."""
    data = b"Harbour\x1b[0m reopens | Gazette\n\nBoats\x07 are back."

    report = import_files([("wire.txt", data)])

    [outcome] = report.outcomes
    assert outcome.result == Outcome.CREATED
    assert outcome.warning_lines() == [
        "warning  wire.txt: “Harbour[0m reopens”: headline: removed U+001B",
        "warning  wire.txt: “Harbour[0m reopens”: body_html: removed U+0007",
    ]
    assert report.summary() == "1 created, 0 updated, 0 rejected, 2 warnings"
    assert "\x1b" not in only_article().headline


def test_a_cleaned_story_is_keyed_by_its_clean_text():
    """Re-importing the corrected file updates the story the dirty one made."""
    import_files([("a.txt", b"Harbour\x1b reopens\n\nBoats.")])

    report = import_files([("a.txt", b"Harbour reopens\n\nBoats.")])

    assert report.summary() == "0 created, 1 updated, 0 rejected"


def test_html_headline_and_description_become_text_never_markup():
    """HTML-typed ninjs headlines and descriptions lose their tags, including
    tags written as entities, which would otherwise reach feeds as markup."""
    name, data = ninjs(
        headlines=[
            {
                "role": "main",
                "contenttype": "text/html",
                "value": "&lt;script&gt;alert(1)&lt;/script&gt;Harbour "
                "<b>reopens</b> &amp; more",
            }
        ],
        descriptions=[
            {
                "role": "summary",
                "contenttype": "text/html",
                "value": "<p>Boats &lt;img src=x onerror=alert(1)&gt;are back</p>",
            }
        ],
    )

    [story] = parse_file(name, data)

    assert story.headline == "alert(1)Harbour reopens & more"
    assert story.dek == "Boats are back"


def test_duplicate_uri_in_one_file_is_reported():
    """Two stories with the same uri in one file: the first imports, the second
    is rejected by its place, instead of silently overwriting the first."""
    items = [
        {"uri": "urn:x:1", "headline": "First"},
        {"uri": "urn:x:2", "headline": "Other"},
        {"uri": "urn:x:1", "headline": "Second"},
    ]

    report = import_files([("feed.json", json.dumps(items).encode())])

    assert report.summary() == "2 created, 0 updated, 1 rejected"
    assert report.outcomes[2].reason == (
        "story 3 “Second”: a duplicate of story 1 “First” in this file (both are "
        "urn:x:1); only the first is imported"
    )
    assert Article.objects.get(source_key="urn:x:1").headline == "First"


def test_unreadable_file_is_reported_and_the_rest_import(tmp_path):
    """A file that cannot be read (no permission, a broken link, a folder) is
    rejected with the reason the system gave; the other files import."""
    locked = tmp_path / "locked.txt"
    locked.write_bytes(b"Locked\n\nBody.")
    locked.chmod(0)
    broken = tmp_path / "broken.txt"
    broken.symlink_to(tmp_path / "gone.txt")
    folder = tmp_path / "folder.json"
    folder.mkdir()
    files = [(str(p), p) for p in (broken, folder)] + [GOOD]
    if not os.access(locked, os.R_OK):  # root reads it anyway
        files.insert(0, (str(locked), locked))

    report = import_files(files)

    reasons = {o.name: o.reason for o in report.outcomes if o.result == "rejected"}
    assert reasons[str(broken)] == "cannot be read: No such file or directory"
    assert reasons[str(folder)] == "cannot be read: Is a directory"
    if str(locked) in dict(files):
        assert reasons[str(locked)] == "cannot be read: Permission denied"
    assert report.created == 1


def test_file_over_the_upload_limit_is_refused_with_the_limit(settings):
    """A file larger than MAX_UPLOAD_BYTES is refused before it is read."""
    settings.MAX_UPLOAD_BYTES = 1024

    report = import_files([("big.txt", b"Big\n\n" + b"x" * 2000), GOOD])

    assert report.outcomes[0].reason == (
        "the file is 2.0 KB, over the limit of 1.0 KB (MAX_UPLOAD_BYTES)"
    )
    assert report.outcomes[1].result == Outcome.CREATED


def test_story_over_the_body_limit_is_refused_by_name(settings):
    """A body longer than MAX_BODY_CHARS is refused, in either format, naming the
    story and the limit."""
    settings.MAX_BODY_CHARS = 1000
    long_text = "Word " * 300
    plain = f"Too long\n\n{long_text}\n\n{long_text}".encode()
    name, data = ninjs(bodies=[{"contenttype": "text/plain", "value": long_text * 2}])

    report = import_files([("long.txt", plain), (name, data), GOOD])

    assert str(report.outcomes[0]) == (
        "rejected long.txt, line 3: the story is longer than the limit of 1,000 "
        "characters (MAX_BODY_CHARS)"
    )
    assert report.outcomes[1].reason == (
        "“Harbour reopens after storm”: the body is 3,006 characters long, over "
        "the limit of 1,000 (MAX_BODY_CHARS)"
    )
    assert report.outcomes[2].result == Outcome.CREATED
    assert Article.objects.count() == 1


def test_a_two_megabyte_paragraph_parses_whole(settings):
    """A paragraph of 2 MB over 40,000 lines comes out as one paragraph (the
    parser joins lines once, in linear time)."""
    settings.MAX_BODY_CHARS = 3_000_000
    lines = [f"line {n} of a long paragraph without a break" for n in range(45_000)]
    data = ("Long read\n\n" + "\n".join(lines) + "\n").encode()
    assert len(data) > 2_000_000

    [story] = parse_file("long.txt", data)

    assert story.body_html == "<p>" + " ".join(lines) + "</p>"


def test_a_story_that_fails_to_save_for_any_reason_is_reported(monkeypatch):
    """Whatever a story's save raises, it is rejected by name and reason, and
    the run goes on."""
    from articles.importers import run

    real = run.import_story

    def fail_for_boom(*, story, **options):
        if story.headline == "Boom":
            raise UnicodeEncodeError("utf-8", "x", 0, 1, "surrogates not allowed")
        return real(story=story, **options)

    monkeypatch.setattr(run, "import_story", fail_for_boom)

    report = import_files([("boom.txt", b"Boom\n\nBody."), GOOD])

    assert report.outcomes[0].reason.startswith(
        "“Boom”: cannot be saved: UnicodeEncodeError"
    )
    assert report.outcomes[1].result == Outcome.CREATED


def credited_names(article: Article) -> list[str]:
    return [link.author.name for link in article.author_links.order_by("position")]


def test_ninjs_by_is_matched_to_authors_by_name():
    """ninjs `by` names known authors (whole name, any case, split on "and" and
    commas) credited in order; unknown names stay only in the byline."""
    AuthorFactory(name="Nadia Hollis")
    AuthorFactory(name="Owen Pryce")

    import_files([ninjs(by="owen pryce, Nadia Hollis and Reuters")])

    article = only_article()
    assert credited_names(article) == ["Owen Pryce", "Nadia Hollis"]
    assert article.byline == "owen pryce, Nadia Hollis and Reuters"


def test_a_byline_naming_no_author_stays_free_text():
    AuthorFactory(name="Nadia Hollis")

    import_files([ninjs(by="Staff and agencies")])

    article = only_article()
    assert credited_names(article) == []
    assert article.byline == "Staff and agencies"


def test_a_plain_text_import_byline_is_matched_to_authors():
    """The byline given to plain-text files (`--byline`, the admin's field) is
    matched the same way."""
    AuthorFactory(name="Nadia Hollis")
    data = b"Harbour reopens after storm\n\nBoats are back.\n"

    import_files([("harbour.txt", data)], byline="By Nadia Hollis")

    assert credited_names(only_article()) == ["Nadia Hollis"]


def test_reimport_keeps_the_authors_an_editor_chose():
    AuthorFactory(name="Nadia Hollis")
    owen = AuthorFactory(name="Owen Pryce")
    import_files([ninjs(by="Nadia Hollis")])
    article = only_article()
    article.author_links.all().delete()
    ArticleAuthor.objects.create(article=article, author=owen)

    import_files([ninjs(by="Nadia Hollis")])

    assert credited_names(only_article()) == ["Owen Pryce"]
