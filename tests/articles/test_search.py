"""The readers' search (/search/) and the stored search vector (README,
"Search"). Runs on SQLite and PostgreSQL; ranking, languages and highlighting
are PostgreSQL's and run there only."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from articles import revisions
from articles.models import Article
from articles.search import (
    MAX_QUERY_LENGTH,
    SEARCH_BODY_CHARS,
    config_for,
    highlight,
)
from tests.api.test_articles import made_up_words
from tests.factories import (
    AliasFactory,
    ArticleFactory,
    EntityFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

URL = "/search/"
PAGE_SIZE = 20
# Session, sections for the navigation and the form, parsing the query and
# picking its candidates (PostgreSQL), the count, the page, its sections and
# entities, the entities named like the query, snippets.
SEARCH_QUERIES = 12
API_SEARCH_QUERIES = 12

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def found(response) -> list[int]:
    return [story.pk for story in response.context["object_list"]]


def search(client, q: str, **params):
    return client.get(URL, {"q": q, **params})


# Finding stories


def test_finds_a_story_by_a_word_of_its_headline_standfirst_or_body(client):
    """A word of the headline, the standfirst or the body finds the story."""
    by_headline = ArticleFactory(headline="Lighthouse keeper retires")
    by_dek = ArticleFactory(dek="The lighthouse closes after a century.")
    by_body = ArticleFactory(body="<p>She kept the lighthouse for years.</p>")
    ArticleFactory(headline="Harbour ferries return")

    response = search(client, "lighthouse")

    assert response.status_code == 200
    assert sorted(found(response)) == sorted([by_headline.pk, by_dek.pk, by_body.pk])
    assert "Lighthouse keeper retires" in response.text
    assert "Harbour ferries" not in response.text


def test_every_page_has_a_search_box_in_its_header(client):
    """The header of every page holds a search form pointing at /search/."""
    story = ArticleFactory()
    for path in ("/", story.get_absolute_url(), "/entities/", URL):
        text = client.get(path).text
        assert 'role="search"' in text
        assert 'action="/search/"' in text


def test_no_query_shows_the_empty_form(client, django_assert_max_num_queries):
    """Without a query the page explains the syntax and lists nothing."""
    ArticleFactory(headline="Lighthouse keeper retires")
    with django_assert_max_num_queries(4):
        response = client.get(URL)
    assert response.status_code == 200
    assert found(response) == []
    assert "Put a phrase in quotes" in response.text


@pytest.mark.parametrize("state", ["draft", "withdrawn", "scheduled", "expired"])
def test_never_finds_a_hidden_story(client, unpublished, state):
    """A draft, withdrawn, scheduled or expired story is never found."""
    live = ArticleFactory(headline="Live story about the harbour")
    hidden = unpublished[state]
    Article.objects.filter(pk=hidden.pk).update(
        headline=f"{hidden.headline} about the harbour"
    )

    response = search(client, "harbour")

    assert found(response) == [live.pk]
    assert "must not leak" not in response.text


def test_unpublished_changes_are_not_searchable_until_published(client, editor):
    """A live story's staged edit is not searched; published, it is, and the old
    text no longer is."""
    story = ArticleFactory(headline="Talks resume in Geneva", dek="Delegates return.")
    revisions.record_revision(story, by=editor, note="Published")
    story = Article.objects.get(pk=story.pk)
    revision = revisions.stage_changes(
        story,
        content=revisions.content_with(
            story, headline="Ceasefire agreed in Vienna", body="<p>Quayside.</p>"
        ),
        by=editor,
    )

    assert found(search(client, "Vienna")) == []
    assert found(search(client, "quayside")) == []
    assert found(search(client, "Geneva")) == [story.pk]
    assert "Ceasefire" not in search(client, "Geneva").text

    revisions.publish_revision(revision=revision, by=editor)

    assert found(search(client, "Vienna")) == [story.pk]
    assert found(search(client, "quayside")) == [story.pk]
    assert found(search(client, "Geneva")) == []


def test_an_edit_saved_to_the_row_is_searchable_at_once(client):
    """Saving a story (a draft published, a headline changed) updates what the
    search finds, however the row is written."""
    story = ArticleFactory(draft=True, headline="Budget talks stall")
    assert found(search(client, "budget")) == []

    story.status = Article.Status.PUBLISHED
    story.save()
    assert found(search(client, "budget")) == [story.pk]

    Article.objects.filter(pk=story.pk).update(headline="Ferry timetable changes")
    assert found(search(client, "budget")) == []
    assert found(search(client, "ferry")) == [story.pk]


# Filters and pages


def test_filters_by_section(client):
    """?section= keeps the stories of that section."""
    sport = SectionFactory(name="Sport", slug="sport")
    in_sport = ArticleFactory(headline="Harbour regatta", section=sport)
    ArticleFactory(headline="Harbour dredging")

    response = search(client, "harbour", section="sport")

    assert found(response) == [in_sport.pk]


def test_filters_by_entity(client):
    """?entity= keeps the stories tagged with that entity."""
    council = EntityFactory(name="Harbour Council", slug="harbour-council")
    tagged = ArticleFactory(headline="Harbour dues rise", entities=[council])
    ArticleFactory(headline="Harbour dredging")

    response = search(client, "harbour", entity="harbour-council")

    assert found(response) == [tagged.pk]
    assert "Only stories about" in response.text


def test_filters_by_date_range(client):
    """?start= and ?end= (dates, both included) keep stories published then."""
    ArticleFactory(headline="Harbour story, old", go_live_at=days_ago(30))
    middle = ArticleFactory(headline="Harbour story, middle", go_live_at=days_ago(10))
    ArticleFactory(headline="Harbour story, new", go_live_at=days_ago(1))
    start = timezone.localdate(days_ago(12)).isoformat()
    end = timezone.localdate(days_ago(8)).isoformat()

    response = search(client, "harbour", start=start, end=end)

    assert found(response) == [middle.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"section": "no-such-section"},
        {"entity": "no-such-entity"},
        {"start": "yesterday"},
        {"start": "2026-05-02", "end": "2026-05-01"},
    ],
)
def test_a_filter_naming_nothing_is_a_400_with_the_form(client, params):
    """A filter naming no section, entity or date answers 400 with a message."""
    ArticleFactory(headline="Harbour dredging")
    response = search(client, "harbour", **params)
    assert response.status_code == 400
    assert found(response) == []
    assert 'class="form-errors"' in response.text


def test_an_entity_only_hidden_stories_carry_is_unknown(client, unpublished):
    """Filtering by an entity only a draft carries is a 400, naming nothing."""
    secret = EntityFactory(name="Secret entity", slug="secret-entity")
    unpublished["draft"].entities.add(secret)
    response = search(client, "story", entity="secret-entity")
    assert response.status_code == 400
    assert "Secret entity" not in response.text


def test_results_are_paged_and_pages_keep_the_query(client):
    """Results come PAGE_SIZE at a time; page links keep the query and filters."""
    stories = [
        ArticleFactory(headline=f"Harbour story {n}", go_live_at=days_ago(n))
        for n in range(PAGE_SIZE + 5)
    ]

    first = search(client, "harbour", section="world")
    second = search(client, "harbour", section="world", page=2)

    assert len(found(first)) == PAGE_SIZE
    assert len(found(second)) == 5
    assert set(found(first)) | set(found(second)) == {story.pk for story in stories}
    assert "?q=harbour&amp;section=world&amp;page=2" in first.text
    assert "25 stories match" in first.text


def test_search_page_query_count_is_constant(client, django_assert_max_num_queries):
    """A full page of results costs the same few queries as one result."""
    council = EntityFactory(name="Harbour Council")
    for n in range(PAGE_SIZE + 3):
        ArticleFactory(headline=f"Harbour story {n}", entities=[council])
    with django_assert_max_num_queries(SEARCH_QUERIES):
        response = search(client, "harbour")
    assert len(found(response)) == PAGE_SIZE
    assert response.context["entities"] == [council]


def test_api_search_query_count(partner_client, django_assert_max_num_queries):
    """The API's q= costs a constant few queries for a full page."""
    for n in range(30):
        ArticleFactory(headline=f"Harbour story {n}")
    with django_assert_max_num_queries(API_SEARCH_QUERIES):
        response = partner_client.get("/api/v1/articles/", {"q": "harbour"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 20


# Entities named like the query


def test_entities_named_like_the_query_are_shown_above_the_results(client):
    """An entity whose name or alias matches the query is shown, linked; one
    only hidden stories carry is not."""
    putin = EntityFactory(name="Vladimir Putin", slug="vladimir-putin")
    AliasFactory(entity=putin, name="Putin")
    kremlin = EntityFactory(name="Kremlin", slug="kremlin")
    AliasFactory(entity=kremlin, name="Putin's office")
    hidden = EntityFactory(name="Putin's double", slug="putins-double")
    ArticleFactory(headline="Putin speaks", entities=[putin, kremlin])
    ArticleFactory(draft=True, headline="Draft", entities=[hidden])

    response = search(client, "putin")

    assert response.context["entities"] == [putin, kremlin]
    assert 'href="/entities/vladimir-putin/"' in response.text
    assert "double" not in response.text


# Bad input


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced quote',
        '"""',
        "harbour & | ! <-> :* ( )",
        "-",
        "or or or",
        "' OR 1=1; DROP TABLE articles_article; --",
        "🚢 ferry ünïcödé 港口",
        "\u202e\ufeff",
        "a" * MAX_QUERY_LENGTH,
        "<script>alert(1)</script>",
        "%",
        "_",
        "\\",
    ],
)
def test_odd_queries_answer_a_normal_page(client, q):
    """Quotes, operators, SQL, a NUL byte, Unicode and markup are searched
    for as words: a normal page, escaped."""
    ArticleFactory(headline="Harbour ferry")
    response = search(client, q)
    assert response.status_code == 200
    assert "<script>alert" not in response.text


@pytest.mark.parametrize("q", ["harb\x00our", "\x00", "\x1b[31m"])
def test_a_control_character_is_a_400_page_not_a_500(client, q):
    """A NUL byte or another control character in the query is refused with a
    400 page (no search reads it: PostgreSQL refuses NUL in any query)."""
    ArticleFactory(headline="Harbour ferry")
    response = search(client, q)
    assert response.status_code == 400
    assert "a character no address uses" in response.text


def test_an_over_long_query_is_a_400_with_a_message(client):
    """A 100 KB query answers 400 saying how long a query may be."""
    response = search(client, "harbour " * 12_800)
    assert response.status_code == 400
    assert f"at most {MAX_QUERY_LENGTH} characters" in response.text
    assert len(response.content) < 50_000


def test_an_over_long_api_query_is_a_400(partner_client):
    response = partner_client.get("/api/v1/articles/", {"q": "x" * 100_000})
    assert response.status_code == 400
    assert "q" in response.json()


def test_a_huge_body_is_searchable(client):
    """A 2.7 MB body (past PostgreSQL's 1 MB tsvector) saves, and its story is
    found by the start of its body and its headline."""
    body = "<p>lighthouse " + " ".join(made_up_words(340_000)) + " quayside</p>"
    assert len(body) > 2_700_000
    huge = ArticleFactory(headline="Archive dump", body=body)
    other = ArticleFactory(body="<p>The lighthouse keeper retired.</p>")

    lighthouse = search(client, "lighthouse")

    assert lighthouse.status_code == 200
    assert sorted(found(lighthouse)) == sorted([huge.pk, other.pk])
    assert found(search(client, "archive dump")) == [huge.pk]
    if connection.vendor == "postgresql":
        # Words past SEARCH_BODY_CHARS are not indexed (docs/partners.md).
        assert len(body) - len("quayside</p>") > SEARCH_BODY_CHARS
        assert found(search(client, "quayside")) == []


# PostgreSQL: ranking, languages, highlighting


@on_postgresql
def test_a_headline_match_ranks_above_a_body_match(client):
    """The headline weighs most, then the standfirst, then the body, whatever
    the dates."""
    by_body = ArticleFactory(
        body="<p>The lighthouse keeper retired.</p>", go_live_at=days_ago(0.1)
    )
    by_dek = ArticleFactory(
        dek="A lighthouse keeper looks back.", go_live_at=days_ago(1)
    )
    by_headline = ArticleFactory(
        headline="Lighthouse keeper retires", go_live_at=days_ago(2)
    )

    response = search(client, "lighthouse keeper")

    assert found(response) == [by_headline.pk, by_dek.pk, by_body.pk]


@pytest.fixture
def two_candidates(monkeypatch):
    """A search ranks only the newest two matches."""
    monkeypatch.setattr("articles.models.SEARCH_CANDIDATES", 2)
    monkeypatch.setattr("articles.views.SEARCH_CANDIDATES", 2)


@on_postgresql
def test_only_the_newest_matches_are_ranked(client, two_candidates):
    """Of many matches, the newest few are ranked, best first: an older,
    better match is not shown, and the count says more stories match."""
    ArticleFactory(headline="Lighthouse keeper retires", go_live_at=days_ago(9))
    newer = ArticleFactory(
        body="<p>The lighthouse keeper retired.</p>", go_live_at=days_ago(1)
    )
    newest = ArticleFactory(
        dek="A lighthouse keeper looks back.", go_live_at=days_ago(0.1)
    )

    response = search(client, "lighthouse keeper")

    assert found(response) == [newest.pk, newer.pk]
    assert "More than 2 stories match" in response.text


@on_postgresql
def test_filters_apply_before_the_newest_matches_are_chosen(client, two_candidates):
    """A section or date filter reaches matches older than the newest few."""
    archive = SectionFactory(name="Archive", slug="archive")
    old = ArticleFactory(
        headline="Harbour treaty", section=archive, go_live_at=days_ago(40)
    )
    for n in range(3):
        ArticleFactory(headline=f"Harbour regatta {n}", go_live_at=days_ago(n))
    end = timezone.localdate(days_ago(30)).isoformat()

    assert found(search(client, "harbour", section="archive")) == [old.pk]
    assert found(search(client, "harbour", end=end)) == [old.pk]


@on_postgresql
def test_api_search_filters_apply_before_the_newest_matches_are_chosen(
    partner_client, two_candidates
):
    """The API's other filters narrow the archive before q= picks the newest
    matches."""
    archive = SectionFactory(name="Archive", slug="archive")
    old = ArticleFactory(
        headline="Harbour treaty", section=archive, go_live_at=days_ago(40)
    )
    for n in range(3):
        ArticleFactory(headline=f"Harbour regatta {n}", go_live_at=days_ago(n))

    response = partner_client.get(
        "/api/v1/articles/", {"q": "harbour", "section": "archive"}
    )

    assert [story["id"] for story in response.json()["results"]] == [old.pk]
    everything = partner_client.get("/api/v1/articles/", {"q": "harbour"})
    assert len(everything.json()["results"]) == 2


@on_postgresql
def test_a_query_of_stop_words_only_finds_nothing(client):
    """A query PostgreSQL finds no word in answers an empty result page."""
    ArticleFactory(headline="The end of it")

    response = search(client, "the of")

    assert response.status_code == 200
    assert found(response) == []


@on_postgresql
def test_websearch_syntax(client):
    """Quotes make a phrase and a minus sign leaves a word out."""
    wanted = ArticleFactory(headline="Prime minister visits the port")
    ArticleFactory(headline="Prime minister visits the airport fire")
    ArticleFactory(headline="The minister's prime concern")

    assert found(search(client, '"prime minister" -fire')) == [wanted.pk]


def test_config_for_maps_languages_to_postgresql_configurations():
    assert config_for("en") == "english"
    assert config_for("en-GB") == "english"
    assert config_for("pt_BR") == "portuguese"
    assert config_for("FR") == "french"
    assert config_for("tlh") == "simple"
    assert config_for("") == "simple"


@on_postgresql
def test_each_story_is_stemmed_in_its_own_language(client):
    """An English story is found by another form of its words, a French one by
    French stemming, and a story in an unknown language by its exact words."""
    english = ArticleFactory(headline="Ferries running again", language="en-GB")
    french = ArticleFactory(headline="Les élections municipales", language="fr")
    klingon = ArticleFactory(headline="Qapla batlh", language="tlh")

    assert found(search(client, "ferry runs")) == [english.pk]
    assert found(search(client, "élection")) == [french.pk]
    assert found(search(client, "batlh")) == [klingon.pk]
    assert found(search(client, "batl")) == []
    vectors = dict(
        Article.objects.filter(pk__in=[english.pk, french.pk]).values_list(
            "pk", "search_vector"
        )
    )
    assert "'ferri':1A" in vectors[english.pk]
    assert "'élect':2A" in vectors[french.pk]


@on_postgresql
def test_snippets_highlight_the_matched_words_and_escape_the_rest(client):
    """The snippet marks the words matched and escapes the story's text."""
    ArticleFactory(
        headline="Port news",
        dek="Tom & Jerry <b>watch</b>",
        body="<p>The <em>lighthouse</em> keeper &amp; his dog retired.</p>",
    )

    response = search(client, "lighthouse")

    snippet = response.context["object_list"][0].snippet
    assert "<mark>lighthouse</mark>" in snippet
    assert "keeper &amp; his dog" in snippet
    assert "<b>" not in snippet
    assert "<em>" not in snippet
    assert "Jerry watch … The <mark>lighthouse</mark>" in snippet
    assert "<mark>lighthouse</mark>" in response.text


def test_highlight_escapes_text_and_balances_marks():
    assert (
        highlight("a \x02<b>\x03 & \x02c")
        == "a <mark>&lt;b&gt;</mark> &amp; <mark>c</mark>"
    )
    assert highlight("\x03x\x02\x02y") == "x<mark>y</mark>"
