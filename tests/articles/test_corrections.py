"""Corrections and updates: a dated correction or clarification shows on the
story, in the feeds and the API and on /corrections/; "Updated" means the text
readers read changed, or a correction was added."""

from __future__ import annotations

import datetime
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Correction
from articles.services import publish_article
from tests.articles.test_admin import management_form, story_form
from tests.factories import ArticleFactory, CorrectionFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XSS = '<script>alert("x")</script>'


def hours_ago(hours: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


def page(client, article: Article) -> str:
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


class TestUpdated:
    def test_a_story_published_once_is_not_updated(self, client):
        """A story published once, at a go-live time before its publication,
        shows no "Updated"."""
        article = ArticleFactory(draft=True)
        publish_article(article=article, at=hours_ago(3))

        assert "Updated" not in page(client, article)
        assert Article.objects.get(pk=article.pk).revised_at is None

    def test_publishing_again_is_not_an_update(self, client):
        """Publishing a published story again, its text unchanged, is no update."""
        article = ArticleFactory(go_live_at=hours_ago(3))
        publish_article(article=Article.objects.get(pk=article.pk))

        assert "Updated" not in page(client, article)

    @pytest.mark.parametrize("field", ["headline", "dek", "body"])
    def test_a_changed_text_is_an_update(self, client, field):
        """Changing the headline, standfirst or body of a published story shows
        "Updated" with the time of the change, and moves its modified time."""
        article = Article.objects.get(pk=ArticleFactory(go_live_at=hours_ago(3)).pk)
        setattr(article, field, "<p>Changed.</p>" if field == "body" else "Changed")
        before = timezone.now()
        article.save()

        article.refresh_from_db()
        assert article.text_changed_at >= before
        assert article.revised_at == article.text_changed_at
        html = page(client, article)
        assert "Updated" in html
        assert 'property="article:modified_time"' in html

    def test_other_edits_are_not_updates(self, client):
        """A new byline, dateline or tag, or a save that changes nothing, is no
        update to readers."""
        article = Article.objects.get(pk=ArticleFactory(go_live_at=hours_ago(3)).pk)
        article.byline, article.dateline = "B. Reporter", "PARIS"
        article.save()
        article.tags.add("Budget")
        article.save()

        assert Article.objects.get(pk=article.pk).text_changed_at is None
        assert "Updated" not in page(client, article)

    @pytest.mark.parametrize("state", ["draft", "scheduled"])
    def test_edits_before_publication_are_not_updates(self, state):
        """Editing a draft or a story not yet live, and then publishing it, is
        its first publication, not an update."""
        article = Article.objects.get(pk=ArticleFactory(**{state: True}).pk)
        article.headline = "Rewritten before anyone read it"
        article.save()
        publish_article(article=article)

        assert Article.objects.get(pk=article.pk).text_changed_at is None

    def test_a_save_from_a_partly_loaded_story(self):
        """A story saved as loaded is no update, even with its body left out of
        the query; a body set on it is one."""
        article = ArticleFactory(go_live_at=hours_ago(3))
        loaded = Article.objects.get(pk=article.pk)
        loaded.save()
        assert Article.objects.get(pk=article.pk).text_changed_at is None
        loaded = Article.objects.defer("body").get(pk=article.pk)
        loaded.body = "<p>A new paragraph.</p>"
        loaded.save()
        assert Article.objects.get(pk=article.pk).text_changed_at is not None


class TestStoryPage:
    def test_a_correction_shows_escaped_under_the_story(self, client):
        """A correction shows on its story, escaped, and the story is updated
        at its date."""
        article = ArticleFactory(go_live_at=hours_ago(5))
        CorrectionFactory(
            article=article,
            kind=Correction.Kind.CLARIFICATION,
            text=f"The mayor spoke {XSS} on Tuesday.",
            published_at=hours_ago(1),
        )

        html = page(client, article)
        assert "Clarification" in html
        assert "The mayor spoke &lt;script&gt;" in html
        assert XSS not in html
        assert "Updated" in html
        stored = Article.objects.get(pk=article.pk)
        assert stored.corrected_at == stored.revised_at

    def test_the_story_page_costs_no_query_for_no_corrections(self, client, settings):
        """A story without corrections costs one query fewer than one with."""
        settings.PAGE_CACHE_SECONDS = 0  # rendering is measured, not a cache hit
        plain = ArticleFactory()
        corrected = ArticleFactory()
        CorrectionFactory.create_batch(3, article=corrected)
        client.get(plain.get_absolute_url())  # warm the cached navigation
        with CaptureQueriesContext(connection) as without:
            client.get(plain.get_absolute_url())
        with CaptureQueriesContext(connection) as with_three:
            client.get(corrected.get_absolute_url())
        assert len(with_three) == len(without) + 1

    def test_deleting_the_last_correction_undoes_the_update(self, client):
        """Deleting a story's only correction takes its "Updated" away."""
        article = ArticleFactory()
        correction = CorrectionFactory(article=article)
        correction.delete()

        assert Article.objects.get(pk=article.pk).corrected_at is None
        assert "Updated" not in page(client, article)

    def test_saving_the_story_after_adding_a_correction_keeps_it(self):
        """A story saved after a correction was added through it keeps the
        correction's date."""
        article = ArticleFactory()
        article.corrections.create(text="The bridge is 40 m long, not 400 m.")
        article.byline = "C. Reporter"
        article.save()

        assert Article.objects.get(pk=article.pk).corrected_at is not None

    def test_correction_text_is_cleaned(self):
        """A correction's text is stored without control characters."""
        correction = CorrectionFactory(text="Wrong\x1b date\x00.\r\nRight one.")
        correction.refresh_from_db()
        assert correction.text == "Wrong date.\nRight one."


class TestAdmin:
    def test_an_editor_adds_a_correction_on_the_story_form(self, editor_client, editor):
        """The story form has a corrections inline; a correction added there is
        saved cleaned, with its editor."""
        response = editor_client.post(
            "/admin/articles/article/add/",
            story_form(
                **management_form("corrections", total=1),
                **{
                    "corrections-0-kind": "correction",
                    "corrections-0-published_at_0": timezone.localdate().isoformat(),
                    "corrections-0-published_at_1": "00:00:00",
                    "corrections-0-text": "The vote was\x07 12 to 9.",
                },
            ),
        )

        assert response.status_code == 302, response.context["errors"]
        correction = Correction.objects.get()
        assert correction.text == "The vote was 12 to 9."
        assert correction.created_by == editor

    def test_a_correction_cannot_be_dated_in_the_future(self, editor_client):
        """A correction dated tomorrow is refused with a message."""
        tomorrow = timezone.localdate() + datetime.timedelta(days=2)
        response = editor_client.post(
            "/admin/articles/article/add/",
            story_form(
                **management_form("corrections", total=1),
                **{
                    "corrections-0-kind": "correction",
                    "corrections-0-published_at_0": tomorrow.isoformat(),
                    "corrections-0-published_at_1": "00:00:00",
                    "corrections-0-text": "Too early.",
                },
            ),
        )

        assert response.status_code == 200
        assert "cannot be dated in the future" in response.content.decode()
        assert not Correction.objects.exists()


class TestCorrectionsPage:
    def test_lists_corrections_of_published_stories_newest_first(
        self, client, unpublished
    ):
        """/corrections/ lists corrections of published stories, newest first,
        each linking to its story; those of hidden stories never appear."""
        older = CorrectionFactory(published_at=hours_ago(2), text="Older one.")
        newer = CorrectionFactory(published_at=hours_ago(1), text="Newer one.")
        for story in unpublished.values():
            CorrectionFactory(article=story, text="Hidden correction must not leak")

        response = client.get("/corrections/")

        assert response.status_code == 200
        assert list(response.context["object_list"]) == [newer, older]
        html = response.content.decode()
        assert newer.article.get_absolute_url() in html
        assert "Hidden correction" not in html
        for story in unpublished.values():
            assert story.headline not in html

    @pytest.mark.parametrize("count", [1, 30])
    def test_query_count_is_constant(
        self, client, django_assert_max_num_queries, count
    ):
        """The corrections page costs the same queries for 1 correction or 30."""
        CorrectionFactory.create_batch(count)
        with django_assert_max_num_queries(4):
            assert client.get("/corrections/").status_code == 200

    def test_the_feed_lists_corrections_escaped(self, client, unpublished):
        """/corrections/feed/ lists corrections of published stories, escaped."""
        CorrectionFactory(text=f"Fixed {XSS}.")
        CorrectionFactory(article=unpublished["draft"], text="Hidden must not leak")

        response = client.get("/corrections/feed/")

        assert response.status_code == 200
        [item] = ElementTree.fromstring(response.content).iter("item")
        assert item.findtext("description") == f"Fixed {XSS}.".replace(
            "<", "&lt;"
        ).replace(">", "&gt;").replace('"', "&quot;")
        assert "Hidden" not in response.content.decode()


class TestFeeds:
    def test_the_item_carries_its_corrections(self, client):
        """A story's feed item describes its corrections, escaped."""
        article = ArticleFactory(dek="The standfirst.")
        CorrectionFactory(article=article, text=f"Name spelt wrong {XSS}.")

        root = ElementTree.fromstring(client.get("/feed/").content)
        [item] = root.iter("item")
        description = item.findtext("description")
        assert description.startswith("The standfirst.<p><strong>Correction</strong>")
        assert "Name spelt wrong &lt;script&gt;" in description
        assert "<script>" not in description

    def test_the_atom_entry_is_updated_by_a_correction_only(self, client):
        """An Atom entry's updated time is its go-live time until a correction
        (or a changed text) moves it on."""
        plain = ArticleFactory(headline="Plain", go_live_at=hours_ago(5))
        Article.objects.filter(pk=plain.pk).update(updated_at=hours_ago(1))
        corrected = ArticleFactory(headline="Corrected", go_live_at=hours_ago(5))
        correction = CorrectionFactory(article=corrected, published_at=hours_ago(2))

        root = ElementTree.fromstring(client.get("/feed/atom/").content)
        updated = {
            entry.findtext(f"{ATOM}title"): entry.findtext(f"{ATOM}updated")
            for entry in root.iter(f"{ATOM}entry")
        }
        assert updated["Plain"] == plain.go_live_at.isoformat()
        assert updated["Corrected"] == correction.published_at.isoformat()

    @pytest.mark.parametrize("count", [1, 30])
    def test_query_count_is_constant_with_corrections(
        self, client, django_assert_max_num_queries, count
    ):
        """A feed of corrected stories costs the same queries for 1 or 30."""
        for article in ArticleFactory.create_batch(count):
            CorrectionFactory.create_batch(2, article=article)
        # Stories, their entities, tags, authors and corrections; + 1, the
        # schedule lookup of the first page after the cache is cleared.
        with django_assert_max_num_queries(5 + 1):
            assert client.get("/feed/").status_code == 200


class TestAPI:
    def test_the_story_carries_its_corrections(self, partner_client):
        """A story in the API lists its corrections oldest first, with a
        `revised_at` at the latest."""
        article = ArticleFactory()
        first = CorrectionFactory(article=article, published_at=hours_ago(2))
        second = CorrectionFactory(
            article=article,
            kind=Correction.Kind.CLARIFICATION,
            published_at=hours_ago(1),
        )

        data = partner_client.get(f"/api/v1/articles/{article.pk}/").json()

        assert [c["text"] for c in data["corrections"]] == [first.text, second.text]
        assert data["corrections"][1]["kind"] == "clarification"
        assert data["revised_at"] == data["corrections"][1]["published_at"]
        listed = partner_client.get("/api/v1/articles/").json()["results"][0]
        assert listed["corrections"] == data["corrections"]

    def test_a_story_never_revised_has_none(self, partner_client):
        """A story never revised has no corrections and a null `revised_at`."""
        article = ArticleFactory()
        data = partner_client.get(f"/api/v1/articles/{article.pk}/").json()
        assert data["corrections"] == []
        assert data["revised_at"] is None

    @pytest.mark.parametrize("count", [1, 30])
    def test_list_query_count_is_constant_with_corrections(
        self, partner_client, django_assert_max_num_queries, count
    ):
        """A page of corrected stories costs one query more than a page without
        corrections, however many stories it holds."""
        for article in ArticleFactory.create_batch(count):
            CorrectionFactory.create_batch(2, article=article)

        # key, usage, whether the partner sees embargoed stories, Last-Modified,
        # stories with sections, entity links, tags, authors, corrections
        with django_assert_max_num_queries(9):
            response = partner_client.get("/api/v1/articles/", {"page_size": 100})
        assert len(response.json()["results"]) == count

    def test_a_correction_moves_last_modified_on(self, partner_client):
        """Adding a correction gives a client's old Last-Modified and ETag the
        new story, not a 304."""
        article = ArticleFactory(go_live_at=hours_ago(5))
        Article.objects.filter(pk=article.pk).update(updated_at=hours_ago(3))
        url = f"/api/v1/articles/{article.pk}/"
        first = partner_client.get(url)

        CorrectionFactory(article=article)

        by_date = partner_client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        by_etag = partner_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert by_date.status_code == by_etag.status_code == 200
        assert len(by_date.json()["corrections"]) == 1

    def test_a_correction_is_a_change_for_partners(self, partner_client):
        """A correction puts its story at the end of the partners' change feed."""
        article = ArticleFactory(go_live_at=hours_ago(5))
        Article.objects.filter(pk=article.pk).update(updated_at=hours_ago(4))
        later = ArticleFactory(go_live_at=hours_ago(2))
        CorrectionFactory(article=article)

        changes = partner_client.get("/api/v1/changes/").json()["results"]
        assert [change["id"] for change in changes] == [later.pk, article.pk]


def test_the_sitemap_lastmod_is_the_last_revision(client):
    """A corrected story's sitemap lastmod is its correction's date."""
    article = ArticleFactory(go_live_at=hours_ago(24 * 5))
    correction = CorrectionFactory(article=article, published_at=hours_ago(24))

    root = ElementTree.fromstring(client.get("/sitemap-articles.xml").content)
    [url] = [
        url
        for url in root.iter(f"{SITEMAP}url")
        if url.findtext(f"{SITEMAP}loc").endswith(article.get_absolute_url())
    ]
    assert (
        url.findtext(f"{SITEMAP}lastmod") == correction.published_at.date().isoformat()
    )
