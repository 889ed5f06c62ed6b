from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.utils import timezone

from articles.importers import Outcome, import_files, parse_file
from articles.models import Article, ArticleEntity
from entities.models import Entity
from tests.factories import EntityFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

NINJS_EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "ninjs" / "examples"

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
        ("list.json", b'[{"headline": "A"}, {}]', "list.json", "story 2: no headline"),
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
