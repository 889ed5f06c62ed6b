from __future__ import annotations

import base64
import datetime

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Article, ArticleEntity
from articles.search import SEARCH_BODY_CHARS
from entities.models import Entity
from tests.factories import (
    ArticleEntityFactory,
    ArticleFactory,
    AuthorFactory,
    EntityFactory,
    SectionFactory,
    settle_public_changes,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/articles/"

LIST_FIELDS = [
    "id",
    "uri",
    "url",
    "web_url",
    "headline",
    "slug",
    "dek",
    "byline",
    "authors",
    "dateline",
    "language",
    "section",
    "entities",
    "tags",
    "pictures",
    "thread",
    "source_name",
    "source_url",
    "published_at",
    "first_published_at",
    "last_published_at",
    "revised_at",
    "updated_at",
    "corrections",
    "embargoed_until",
]


def detail_url(article) -> str:
    return f"{LIST_URL}{article.pk}/"


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def story_with_entities_and_tags(n: int, **kwargs):
    """A story with three entities (one only mentioned), two topic tags and two
    authors."""
    article = ArticleFactory(
        tags=[f"Topic {n}", "Elections"],
        authors=AuthorFactory.create_batch(2),
        **kwargs,
    )
    for entity in EntityFactory.create_batch(2):
        ArticleEntityFactory(content_object=article, tag=entity)
    ArticleEntityFactory(
        content_object=article, relevance=ArticleEntity.Relevance.MENTIONS
    )
    return article


def hours_ago(hours: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


def test_list_shape(partner_client):
    """A story in the list carries its section, entities and tags, but no body."""
    section = SectionFactory(name="Politics", slug="politics")
    article = ArticleFactory(
        headline="Parliament votes", section=section, tags=["Budget", "Elections"]
    )
    entity = EntityFactory(
        name="Ada Lovelace", kind=Entity.Kind.PERSON, wikidata_id="Q7259"
    )
    ArticleEntityFactory(
        content_object=article,
        tag=entity,
        relevance=ArticleEntity.Relevance.MENTIONS,
    )

    response = partner_client.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    [item] = body["results"]
    assert list(item) == LIST_FIELDS
    assert item["id"] == article.pk
    assert item["uri"] == f"urn:newsroom:article:{article.pk}"
    assert item["url"] == f"http://testserver{detail_url(article)}"
    assert item["web_url"] == f"http://testserver{article.get_absolute_url()}"
    assert item["headline"] == "Parliament votes"
    assert item["source_url"] is None
    assert item["section"] == {
        "url": "http://testserver/api/v1/sections/politics/",
        "name": "Politics",
        "slug": "politics",
        "description": "",
        "articles_url": "http://testserver/api/v1/articles/?section=politics",
    }
    assert item["entities"] == [
        {
            "name": "Ada Lovelace",
            "slug": entity.slug,
            "kind": "person",
            "relevance": "mentions",
            "wikidata_id": "Q7259",
            "url": f"http://testserver/api/v1/entities/{entity.slug}/",
        }
    ]
    assert item["tags"] == ["Budget", "Elections"]


def test_web_url_is_the_story_page(partner_client):
    """Each story's web_url is its page on the site, whatever its date."""
    stories = [ArticleFactory(go_live_at=hours_ago(24 * n + 1)) for n in range(3)]

    response = partner_client.get(LIST_URL)

    urls = {item["id"]: item["web_url"] for item in response.json()["results"]}
    assert urls == {
        story.pk: f"http://testserver{story.get_absolute_url()}" for story in stories
    }


def test_detail_has_the_body(partner_client):
    """A story's detail is its list entry plus the body."""
    article = story_with_entities_and_tags(1)

    listed = partner_client.get(LIST_URL).json()["results"][0]
    response = partner_client.get(detail_url(article))

    assert response.status_code == 200
    detail = response.json()
    assert detail.pop("body") == article.body
    assert detail == listed
    assert len(listed["entities"]) == 3


def test_expand_body_in_the_list(partner_client):
    """?expand=body puts the body into each listed story."""
    article = ArticleFactory()

    [item] = partner_client.get(LIST_URL, {"expand": "body"}).json()["results"]

    assert item["body"] == article.body


def test_fields_chooses_fields(partner_client):
    """?fields= narrows each story to the fields named, with its id always."""
    ArticleFactory(headline="Short")

    response = partner_client.get(LIST_URL, {"fields": "headline,published_at"})

    [item] = response.json()["results"]
    assert list(item) == ["id", "headline", "published_at"]
    assert item["headline"] == "Short"


def test_fields_and_expand_on_detail(partner_client):
    """?fields= applies to a detail too, whose body needs no expanding."""
    article = ArticleFactory()

    response = partner_client.get(detail_url(article), {"fields": "body"})

    assert response.json() == {"id": article.pk, "body": article.body}


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"fields": "headline,password"}, "fields"),
        ({"expand": "entities"}, "expand"),
        ({"fields": ""}, "fields"),
    ],
)
def test_unknown_fields_are_400(partner_client, params, param):
    """Asking for a field that does not exist is a 400 naming the parameter."""
    ArticleFactory()

    response = partner_client.get(LIST_URL, params)

    assert response.status_code == 400
    assert param in response.json()


def test_unpublished_stories_are_not_listed(partner_client, unpublished):
    """Drafts, withdrawn and scheduled stories are not listed."""
    live = ArticleFactory()

    assert ids(partner_client.get(LIST_URL)) == [live.pk]


@pytest.mark.parametrize("state", ["draft", "withdrawn", "scheduled"])
def test_detail_of_unpublished_story_is_404(partner_client, unpublished, state):
    """A story readers may not see yet, or any more, is not found."""
    response = partner_client.get(detail_url(unpublished[state]))

    assert response.status_code == 404
    assert response.json() == {"detail": "No Article matches the given query."}


@pytest.mark.parametrize("story_id", ["abc", "-1", "1.5", "9" * 30])
def test_malformed_story_id_is_400(partner_client, story_id):
    """A story id that is not a whole number is a 400, not a 404 or a 500."""
    response = partner_client.get(f"{LIST_URL}{story_id}/")

    assert response.status_code == 400
    assert response.json() == {"id": ["A story id is a whole number."]}


def test_huge_story_id_is_404(partner_client):
    """A story id past any real one is simply not found."""
    response = partner_client.get(f"{LIST_URL}{2**63 - 1}/")

    assert response.status_code == 404


class TestFilters:
    def test_by_entity(self, partner_client):
        """?entity=<slug> lists only the stories tagged with that entity."""
        entity = EntityFactory(name="Grace Hopper")
        tagged = ArticleFactory(entities=[entity])
        ArticleFactory(entities=[EntityFactory()])
        ArticleFactory(draft=True, entities=[entity])

        response = partner_client.get(LIST_URL, {"entity": entity.slug})

        assert ids(response) == [tagged.pk]

    def test_by_all_of_several_entities(self, partner_client):
        """?entity=a,b lists the stories tagged with both, by default."""
        a, b = EntityFactory.create_batch(2)
        both = ArticleFactory(entities=[a, b])
        ArticleFactory(entities=[a])
        ArticleFactory(entities=[b])

        response = partner_client.get(LIST_URL, {"entity": f"{a.slug},{b.slug}"})

        assert ids(response) == [both.pk]
        params = {"entity": f"{a.slug},{b.slug}", "entity_match": "all"}
        assert ids(partner_client.get(LIST_URL, params)) == [both.pk]

    def test_by_any_of_several_entities(self, partner_client):
        """?entity=a,b&entity_match=any lists stories tagged with either, once."""
        a, b = EntityFactory.create_batch(2)
        first = ArticleFactory(entities=[a], go_live_at=hours_ago(3))
        second = ArticleFactory(entities=[a, b], go_live_at=hours_ago(2))
        third = ArticleFactory(entities=[b], go_live_at=hours_ago(1))
        ArticleFactory()

        response = partner_client.get(
            LIST_URL, {"entity": f"{a.slug},{b.slug}", "entity_match": "any"}
        )

        assert ids(response) == [third.pk, second.pk, first.pk]

    def test_unknown_entity_is_400(self, partner_client):
        """An entity slug no published story is tagged with is a 400 that says so."""
        ArticleFactory()

        response = partner_client.get(LIST_URL, {"entity": "nobody"})

        assert response.status_code == 400
        assert response.json() == {
            "entity": ["No published story is tagged with “nobody”."]
        }

    def test_entity_of_drafts_only_answers_like_an_unknown_one(self, partner_client):
        """Naming an entity only drafts carry reveals nothing about the draft."""
        secret = EntityFactory(name="Secret source")
        ArticleFactory(draft=True, entities=[secret])

        known_only_to_drafts = partner_client.get(LIST_URL, {"entity": secret.slug})
        unknown = partner_client.get(LIST_URL, {"entity": "secret-source-2"})

        assert known_only_to_drafts.status_code == unknown.status_code == 400
        assert "Secret" not in known_only_to_drafts.content.decode()

    def test_by_section(self, partner_client):
        """?section=<slug> lists only the stories in that section."""
        sport = SectionFactory(name="Sport", slug="sport")
        in_sport = ArticleFactory(section=sport)
        ArticleFactory()

        assert ids(partner_client.get(LIST_URL, {"section": "sport"})) == [in_sport.pk]

    def test_unknown_section_is_400(self, partner_client):
        """A section slug that does not exist is a 400."""
        response = partner_client.get(LIST_URL, {"section": "nowhere"})

        assert response.status_code == 400
        assert "section" in response.json()

    def test_hidden_section_answers_as_an_unknown_one(self, partner_client):
        """A section only drafts use answers like one that does not exist, so its
        name cannot be confirmed by guessing."""
        secret = SectionFactory(name="Secret merger", slug="secret-merger")
        ArticleFactory(section=secret, draft=True)

        hidden = partner_client.get(LIST_URL, {"section": "secret-merger"})
        unknown = partner_client.get(LIST_URL, {"section": "nowhere"})

        assert hidden.status_code == unknown.status_code == 400

    def test_by_tag(self, partner_client):
        """?tag=<slug> lists only the stories with that topic tag."""
        tagged = ArticleFactory(tags=["Climate change"])
        ArticleFactory(tags=["Football"])

        response = partner_client.get(LIST_URL, {"tag": "climate-change"})

        assert ids(response) == [tagged.pk]

    def test_tag_of_drafts_only_is_400(self, partner_client):
        """A tag only drafts carry is unknown to partners."""
        ArticleFactory(draft=True, tags=["Merger talks"])

        response = partner_client.get(LIST_URL, {"tag": "merger-talks"})

        assert response.status_code == 400

    def test_filters_combine(self, partner_client):
        """Filters narrow one another."""
        entity = EntityFactory()
        sport = SectionFactory(name="Sport", slug="sport")
        wanted = ArticleFactory(section=sport, entities=[entity])
        ArticleFactory(entities=[entity])
        ArticleFactory(section=sport)

        response = partner_client.get(
            LIST_URL, {"entity": entity.slug, "section": "sport"}
        )

        assert ids(response) == [wanted.pk]

    def test_by_publication_time(self, partner_client):
        """published_after and published_before bound the go-live time."""
        old = ArticleFactory(go_live_at=hours_ago(48))
        middle = ArticleFactory(go_live_at=hours_ago(24))
        ArticleFactory(go_live_at=hours_ago(1))

        after = partner_client.get(
            LIST_URL, {"published_after": hours_ago(30).isoformat()}
        )
        between = partner_client.get(
            LIST_URL,
            {
                "published_after": hours_ago(30).isoformat(),
                "published_before": hours_ago(12).isoformat(),
            },
        )
        before = partner_client.get(
            LIST_URL, {"published_before": hours_ago(30).isoformat()}
        )

        assert len(ids(after)) == 2
        assert ids(between) == [middle.pk]
        assert ids(before) == [old.pk]

    def test_updated_since(self, partner_client):
        """updated_since lists stories edited since, and scheduled ones gone live."""
        edited = ArticleFactory(go_live_at=hours_ago(48))
        Article.objects.filter(pk=edited.pk).update(updated_at=hours_ago(1))
        stale = ArticleFactory(go_live_at=hours_ago(48))
        Article.objects.filter(pk=stale.pk).update(updated_at=hours_ago(48))
        went_live = ArticleFactory(go_live_at=hours_ago(1))
        Article.objects.filter(pk=went_live.pk).update(updated_at=hours_ago(72))

        response = partner_client.get(
            LIST_URL, {"updated_since": hours_ago(2).isoformat()}
        )

        assert sorted(ids(response)) == sorted([edited.pk, went_live.pk])

    @pytest.mark.parametrize(
        "params",
        [
            {"published_after": "yesterday"},
            {"published_before": "2024-02-30T10:00:00Z"},
            {"updated_since": ""},
            {"updated_since": "0001-01-01T00:00:00+01:00"},
            {"entity_match": "some"},
            {"entity": ",".join(f"e{n}" for n in range(21))},
            {"q": "x" * 201},
            {"section": "bad\x00slug"},
        ],
    )
    def test_malformed_filters_are_400(self, partner_client, params):
        """A malformed filter value is a 400 naming the parameter, never a 500."""
        ArticleFactory()

        response = partner_client.get(LIST_URL, params)

        assert response.status_code == 400
        assert set(response.json()) == set(params)

    def test_cache_buster_is_ignored(self, partner_client):
        """The cache-buster `_` that browser libraries append changes nothing."""
        article = ArticleFactory()

        response = partner_client.get(LIST_URL, {"_": "12345"})

        assert ids(response) == [article.pk]


class TestSearch:
    def test_matches_headline_standfirst_and_body(self, partner_client):
        """q finds stories by words in the headline, the standfirst or the body."""
        by_headline = ArticleFactory(headline="Harbour bridge reopens")
        by_dek = ArticleFactory(dek="The harbour bridge was shut for a year.")
        by_body = ArticleFactory(body="<p>Traffic crossed the harbour bridge.</p>")
        ArticleFactory(headline="Budget passes", body="<p>Money.</p>")

        response = partner_client.get(LIST_URL, {"q": "harbour bridge"})

        assert sorted(ids(response)) == sorted([by_headline.pk, by_dek.pk, by_body.pk])

    def test_pages_of_results(self, partner_client):
        """Search results page with cursors like any list, without repeats."""
        for n in range(5):
            ArticleFactory(
                headline=f"Harbour news {n}",
                body="<p>harbour</p>" * (n + 1),
                go_live_at=hours_ago(n + 1),
            )

        first = partner_client.get(LIST_URL, {"q": "harbour", "page_size": 2}).json()
        second = partner_client.get(first["next"]).json()
        third = partner_client.get(second["next"]).json()

        pages = [first, second, third]
        seen = [item["id"] for page in pages for item in page["results"]]
        assert len(seen) == len(set(seen)) == 5
        assert third["next"] is None

    def test_never_finds_drafts(self, partner_client):
        """A search cannot reach a draft."""
        ArticleFactory(draft=True, headline="Harbour merger")

        assert ids(partner_client.get(LIST_URL, {"q": "harbour"})) == []

    @pytest.mark.skipif(
        connection.vendor != "postgresql", reason="ranking needs PostgreSQL"
    )
    def test_best_match_first_on_postgresql(self, partner_client):
        """On PostgreSQL a headline match outranks a body match, whatever the date."""
        by_body = ArticleFactory(
            body="<p>The lighthouse keeper retired.</p>", go_live_at=hours_ago(1)
        )
        by_headline = ArticleFactory(
            headline="Lighthouse keeper retires", go_live_at=hours_ago(48)
        )

        response = partner_client.get(LIST_URL, {"q": "lighthouse keeper"})

        assert ids(response) == [by_headline.pk, by_body.pk]

    @pytest.mark.skipif(
        connection.vendor != "postgresql", reason="websearch syntax needs PostgreSQL"
    )
    def test_websearch_syntax_on_postgresql(self, partner_client):
        """On PostgreSQL q understands quotes and minus signs."""
        wanted = ArticleFactory(headline="Prime minister visits the port")
        ArticleFactory(headline="Prime minister visits the airport fire")

        response = partner_client.get(LIST_URL, {"q": '"prime minister" -fire'})

        assert ids(response) == [wanted.pk]

    @pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the tsvector size limit is PostgreSQL's; SQLite searches with LIKE",
    )
    def test_a_huge_body_of_distinct_words_does_not_break_search(self, partner_client):
        """A 2.7 MB body of distinct words (over PostgreSQL's 1 MB tsvector) is
        searched by its first SEARCH_BODY_CHARS characters; the search answers
        for every story."""
        huge = ArticleFactory(headline="Archive dump", go_live_at=hours_ago(2))
        body = "<p>lighthouse " + " ".join(made_up_words(340_000)) + " quayside</p>"
        assert len(body) > 2_700_000
        Article.objects.filter(pk=huge.pk).update(body=body)
        other = ArticleFactory(
            body="<p>The lighthouse keeper retired.</p>", go_live_at=hours_ago(1)
        )

        lighthouse = partner_client.get(LIST_URL, {"q": "lighthouse"})
        archive = partner_client.get(LIST_URL, {"q": "archive dump"})
        beyond = partner_client.get(LIST_URL, {"q": "quayside"})

        assert lighthouse.status_code == 200
        assert sorted(ids(lighthouse)) == sorted([huge.pk, other.pk])
        assert ids(archive) == [huge.pk]
        # Words past SEARCH_BODY_CHARS are not searched (docs/partners.md).
        assert len(body) - len("quayside</p>") > SEARCH_BODY_CHARS
        assert ids(beyond) == []


def made_up_words(count: int) -> list[str]:
    """`count` distinct lowercase words, none of them English."""
    letters = "bcdfghjklmnpqrstvwxz"
    words = []
    for n in range(count):
        word = ""
        while True:
            n, digit = divmod(n, len(letters))
            word += letters[digit] + "a"
            if not n:
                break
        words.append("q" + word)
    return words


class TestOrderingAndPages:
    def test_newest_first(self, partner_client):
        """Stories are listed by go-live time, newest first."""
        older = ArticleFactory(go_live_at=hours_ago(5))
        newer = ArticleFactory(go_live_at=hours_ago(1))

        assert ids(partner_client.get(LIST_URL)) == [newer.pk, older.pk]

    def test_orderings(self, partner_client):
        """ordering= sorts by publication or update time, either way."""
        first = ArticleFactory(go_live_at=hours_ago(5))
        second = ArticleFactory(go_live_at=hours_ago(1))
        Article.objects.filter(pk=second.pk).update(updated_at=hours_ago(3))
        Article.objects.filter(pk=first.pk).update(updated_at=hours_ago(2))

        def ordered(value: str) -> list[int]:
            return ids(partner_client.get(LIST_URL, {"ordering": value}))

        assert ordered("published_at") == [first.pk, second.pk]
        assert ordered("-published_at") == [second.pk, first.pk]
        assert ordered("updated_at") == [second.pk, first.pk]
        assert ordered("-updated_at") == [first.pk, second.pk]

    def test_unknown_ordering_is_400(self, partner_client):
        """An ordering that is not offered is a 400 listing the choices."""
        response = partner_client.get(LIST_URL, {"ordering": "headline"})

        assert response.status_code == 400
        assert "-published_at" in response.json()["ordering"][0]

    def test_cursor_pages(self, partner_client):
        """Pages of 20 follow one another through next links, without overlap."""
        for n in range(25):
            ArticleFactory(go_live_at=hours_ago(n + 1))

        first = partner_client.get(LIST_URL).json()
        second = partner_client.get(first["next"]).json()

        assert len(first["results"]) == 20
        assert first["previous"] is None
        assert len(second["results"]) == 5
        assert second["next"] is None
        pages = [item["id"] for item in first["results"] + second["results"]]
        assert len(set(pages)) == 25

    def test_pages_hold_still_while_stories_arrive(self, partner_client):
        """A story published between two pages neither shifts nor repeats them."""
        for n in range(4):
            ArticleFactory(go_live_at=hours_ago(n + 1))
        first = partner_client.get(LIST_URL, {"page_size": 2}).json()

        ArticleFactory(go_live_at=hours_ago(0.5))
        second = partner_client.get(first["next"]).json()

        seen = [item["id"] for item in first["results"] + second["results"]]
        assert len(set(seen)) == 4

    def test_page_size(self, partner_client):
        """page_size asks for up to 100 stories a page."""
        ArticleFactory.create_batch(3)

        response = partner_client.get(LIST_URL, {"page_size": 2})

        assert len(response.json()["results"]) == 2

    @pytest.mark.parametrize("size", ["101", "100000", "0", "-1", "ten", ""])
    def test_bad_page_size_is_400(self, partner_client, size):
        """A page size outside 1-100 is a 400 with a message, not a silent clamp."""
        response = partner_client.get(LIST_URL, {"page_size": size})

        assert response.status_code == 400
        assert response.json() == {
            "page_size": ["Ask for a whole number of results from 1 to 100."]
        }

    @pytest.mark.parametrize(
        "cursor",
        [
            "not-base64!",
            base64.b64encode(b"p=not-a-time").decode(),
            base64.b64encode(b"p=2024-01-01\x00").decode(),
        ],
    )
    def test_forged_cursor_is_400(self, partner_client, cursor):
        """A cursor that did not come from a link is a 400."""
        ArticleFactory()

        response = partner_client.get(LIST_URL, {"cursor": cursor})

        assert response.status_code == 400
        assert "cursor" in response.json()


class TestQueryCounts:
    @pytest.mark.parametrize("stories", [1, 100])
    def test_list_costs_the_same_for_1_or_100_stories(
        self, partner_client, django_assert_max_num_queries, stories
    ):
        """A page of 100 stories with entities and tags costs a handful of queries."""
        for n in range(stories):
            story_with_entities_and_tags(n)

        # key, usage, whether the partner sees embargoed stories, Last-Modified,
        # stories with sections, entity links, tags, authors
        with django_assert_max_num_queries(8):
            response = partner_client.get(LIST_URL, {"page_size": 100})

        assert response.status_code == 200
        results = response.json()["results"]
        assert len(results) == stories
        assert all(len(item["entities"]) == 3 for item in results)
        assert all(len(item["tags"]) == 2 for item in results)
        assert all(len(item["authors"]) == 2 for item in results)

    def test_filtered_list(self, partner_client, django_assert_max_num_queries):
        """Filters add one query each to look the slug up, never one per story."""
        entity = EntityFactory()
        for n in range(10):
            ArticleEntityFactory(
                content_object=story_with_entities_and_tags(n), tag=entity
            )

        # the seven above, plus the entity, section and tag look-ups
        with django_assert_max_num_queries(11):
            response = partner_client.get(
                LIST_URL,
                {"entity": entity.slug, "section": "world", "tag": "elections"},
            )

        assert len(response.json()["results"]) == 10

    def test_detail(self, partner_client, django_assert_max_num_queries):
        """A story costs the same few queries as a page of them."""
        article = story_with_entities_and_tags(1)

        # key, usage, story, entity links, tags, authors, Last-Modified's renames
        with django_assert_max_num_queries(7):
            response = partner_client.get(detail_url(article))

        assert response.status_code == 200


class TestConditionalRequests:
    def test_etag_gives_304(self, partner_client):
        """A client sending back the ETag of an unchanged list gets 304."""
        ArticleFactory()
        first = partner_client.get(LIST_URL)

        again = partner_client.get(LIST_URL, HTTP_IF_NONE_MATCH=first["ETag"])

        assert first.status_code == 200
        assert again.status_code == 304
        assert again.content == b""

    def test_last_modified_gives_304(self, partner_client):
        """A client sending back Last-Modified of an unchanged story gets 304."""
        article = ArticleFactory()
        first = partner_client.get(detail_url(article))

        again = partner_client.get(
            detail_url(article), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
        )

        assert again.status_code == 304

    def test_a_change_gives_200(self, partner_client):
        """Once a story changes, the old ETag and Last-Modified get the new list."""
        article = ArticleFactory(go_live_at=hours_ago(2))
        Article.objects.filter(pk=article.pk).update(updated_at=hours_ago(2))
        settle_public_changes()
        first = partner_client.get(LIST_URL)

        article.headline = "Corrected headline"
        article.save()
        by_etag = partner_client.get(LIST_URL, HTTP_IF_NONE_MATCH=first["ETag"])
        by_date = partner_client.get(
            LIST_URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
        )

        assert by_etag.status_code == by_date.status_code == 200
        assert by_etag.json()["results"][0]["headline"] == "Corrected headline"

    def test_withdrawal_changes_the_list_last_modified(self, partner_client):
        """Withdrawing a story moves the list's Last-Modified on, so no stale 304."""
        kept = ArticleFactory(go_live_at=hours_ago(3))
        gone = ArticleFactory(go_live_at=hours_ago(3))
        Article.objects.filter(pk__in=[kept.pk, gone.pk]).update(
            updated_at=hours_ago(3)
        )
        settle_public_changes()
        first = partner_client.get(LIST_URL)

        gone.status = Article.Status.WITHDRAWN
        gone.save()
        again = partner_client.get(
            LIST_URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
        )

        assert again.status_code == 200
        assert ids(again) == [kept.pk]

    def test_answers_vary_by_accept(self, partner_client):
        """Caches keep JSON and ninjs answers apart."""
        ArticleFactory()

        response = partner_client.get(LIST_URL)

        assert "Accept" in response["Vary"]


def test_browsable_api_for_staff(editor_client):
    """A logged-in editor can explore the API as HTML."""
    article = story_with_entities_and_tags(1)

    for url in (LIST_URL, detail_url(article), "/api/v1/"):
        response = editor_client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html")


def test_read_only(partner_client):
    """Partners cannot write through the API."""
    article = ArticleFactory()

    assert partner_client.post(LIST_URL, {"headline": "Mine"}).status_code == 405
    assert partner_client.delete(detail_url(article)).status_code == 405
