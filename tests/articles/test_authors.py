"""Authors: the model, crediting them on stories in the admin (in order, not
staged on a live story, snapshotted in revisions), and crediting bylines."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from articles import revisions, services
from articles.models import Article, ArticleAuthor, Author, AuthorLink
from tests.admin_forms import change_url, form_data
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    AuthorLinkFactory,
    RoleUserFactory,
)

pytestmark = pytest.mark.django_db

AUTHORS = "/admin/articles/author/"


def credited(article: Article) -> list[str]:
    return [
        link.author.name
        for link in ArticleAuthor.objects.filter(article=article).select_related(
            "author"
        )
    ]


def save_story(client, article: Article, button: str = "_save", **fields):
    opened = client.get(change_url(article))
    assert opened.status_code == 200
    return client.post(
        change_url(article), {**form_data(opened, **fields), button: "1"}
    )


def with_authors(*authors: Author, start: int = 0) -> dict[str, str]:
    """The authors inline's extra rows, crediting `authors` in that order."""
    rows = {}
    for n, author in enumerate(authors, start=start):
        rows[f"author_links-{n}-author"] = str(author.pk)
        rows[f"author_links-{n}-position"] = str(n)
    rows["author_links-TOTAL_FORMS"] = str(start + len(authors))
    return rows


def test_an_author_gets_a_slug_from_their_name():
    """An author saved without a slug gets one made from the name."""
    author = AuthorFactory(name="Nadia Hollis", slug="")
    assert author.slug == "nadia-hollis"
    assert author.get_absolute_url() == "/author/nadia-hollis/"


def test_author_links_are_web_addresses_only():
    """An author's link must be http or https: a javascript: address is refused."""
    link = AuthorLinkFactory.build(
        author=AuthorFactory(), url="javascript:alert(1)", label="Site"
    )
    with pytest.raises(ValidationError):
        link.full_clean()
    AuthorLinkFactory.build(
        author=link.author, url="http://example.org/", label="Site"
    ).full_clean()


def test_named_in_matches_whole_names_in_any_case_in_byline_order():
    """A byline's names are matched to authors by their whole name in any case,
    split on "and" and commas, in the byline's order; other names are left out."""
    nadia = AuthorFactory(name="Nadia Hollis")
    owen = AuthorFactory(name="Owen Pryce")
    AuthorFactory(name="Owen")

    assert Author.objects.named_in("By owen pryce, NADIA HOLLIS and agencies") == [
        owen,
        nadia,
    ]
    assert Author.objects.named_in("Nadia Holl") == []
    assert Author.objects.named_in("") == []


def test_with_published_stories_leaves_out_authors_of_hidden_stories(unpublished):
    """Only an author credited on a published story counts as public."""
    public, hidden = AuthorFactory(), AuthorFactory()
    ArticleFactory(authors=[public])
    for story in unpublished.values():
        ArticleAuthor.objects.create(article=story, author=hidden)

    assert list(Author.objects.with_published_stories()) == [public]


def test_the_author_admin_lists_and_edits_authors(editor_client):
    """Editors list authors with their story counts and add one with links."""
    author = AuthorFactory(name="Nadia Hollis")
    ArticleFactory(authors=[author])

    listing = editor_client.get(AUTHORS)
    assert listing.status_code == 200
    assert "Nadia Hollis" in listing.text

    response = editor_client.post(
        f"{AUTHORS}add/",
        {
            "name": "Owen Pryce\x1b",
            "slug": "owen-pryce",
            "role": "Sports writer",
            "bio": "Writes about football.",
            "user": "",
            "links-TOTAL_FORMS": "1",
            "links-INITIAL_FORMS": "0",
            "links-0-label": "Website",
            "links-0-url": "https://example.org/owen",
            "links-0-position": "0",
        },
    )
    assert response.status_code == 302, response.context["errors"]
    owen = Author.objects.get(slug="owen-pryce")
    assert owen.name == "Owen Pryce"  # control characters cleaned
    assert [link.url for link in owen.links.all()] == ["https://example.org/owen"]


def test_the_author_admin_refuses_a_link_that_is_not_on_the_web(editor_client):
    response = editor_client.post(
        f"{AUTHORS}add/",
        {
            "name": "Owen Pryce",
            "slug": "owen-pryce",
            "links-TOTAL_FORMS": "1",
            "links-INITIAL_FORMS": "0",
            "links-0-label": "Site",
            "links-0-url": "ftp://example.org/",
            "links-0-position": "0",
        },
    )
    assert response.status_code == 200
    assert not AuthorLink.objects.exists()


def test_the_story_form_credits_authors_in_order(editor_client):
    """Authors added on the story form are credited in their positions' order."""
    article = ArticleFactory(draft=True)
    first, second = AuthorFactory(name="Zoe First"), AuthorFactory(name="Adam Second")

    response = save_story(editor_client, article, **with_authors(first, second))

    assert response.status_code == 302, response.context["errors"]
    assert credited(article) == ["Zoe First", "Adam Second"]


def test_authors_of_a_live_story_apply_at_once_and_are_in_its_revision(
    editor_client,
):
    """On a live story, authors are not staged (like entities): readers see
    them on saving, and the revision snapshots them for the history."""
    article = ArticleFactory(headline="Talks resume")
    author = AuthorFactory(name="Nadia Hollis")

    response = save_story(
        editor_client, article, headline="Staged headline", **with_authors(author)
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "Talks resume"  # the text is staged
    assert credited(article) == ["Nadia Hollis"]  # the authors are not
    assert article.staged_revision.content["authors"] == [[author.pk, author.name]]
    assert "authors" in revisions.changed_between({}, {"authors": [[1, "A"]]})


def test_the_history_shows_a_change_of_authors(editor, editor_client):
    """The revision page lists the authors before and after, in order."""
    article = ArticleFactory(draft=True)
    revisions.record_revision(article, by=editor)
    author = AuthorFactory(name="Nadia Hollis")
    ArticleAuthor.objects.create(article=article, author=author)
    second = revisions.record_revision(article, by=editor)

    assert second.changed == ["authors"]
    page = editor_client.get(
        f"/admin/articles/article/{article.pk}/history/{second.number}/"
    )
    assert page.status_code == 200
    assert "Nadia Hollis" in page.text


def test_crediting_a_byline_links_known_authors_and_keeps_the_byline():
    """A story's byline names are credited as the authors they match; the
    byline text stays, and unknown names create no author."""
    nadia = AuthorFactory(name="Nadia Hollis")
    article = ArticleFactory(byline="Nadia Hollis and agencies")

    assert services.credit_byline_authors(article=article) == [nadia]
    article.refresh_from_db()
    assert credited(article) == ["Nadia Hollis"]
    assert article.byline == "Nadia Hollis and agencies"
    assert not Author.objects.filter(name="agencies").exists()


def test_crediting_leaves_a_story_with_authors_as_it_is():
    owen = AuthorFactory(name="Owen Pryce")
    AuthorFactory(name="Nadia Hollis")
    article = ArticleFactory(byline="Nadia Hollis", authors=[owen])

    assert services.credit_byline_authors(article=article, create=True) == []
    assert credited(article) == ["Owen Pryce"]


def test_the_admin_action_creates_authors_from_bylines(editor_client):
    """The story list's action credits each chosen story's byline, creating the
    authors not known yet, and leaves stories with authors alone."""
    known = AuthorFactory(name="Nadia Hollis")
    story = ArticleFactory(byline="By Nadia Hollis and Ben Ode")
    credited_already = ArticleFactory(byline="Someone Else", authors=[known])

    response = editor_client.post(
        "/admin/articles/article/",
        {
            "action": "credit_byline_authors",
            "_selected_action": [str(story.pk), str(credited_already.pk)],
        },
        follow=True,
    )

    assert response.status_code == 200
    assert credited(story) == ["Nadia Hollis", "Ben Ode"]
    assert Author.objects.get(name="Ben Ode").slug == "ben-ode"
    assert credited(credited_already) == ["Nadia Hollis"]
    assert not Author.objects.filter(name="Someone Else").exists()
    assert "Credited 1 story" in response.text


def test_reporters_credit_authors_but_do_not_create_them(client):
    """A reporter chooses authors on a story but has no "Create authors from
    bylines" action and cannot add an author."""
    reporter = RoleUserFactory(role="Reporter")
    client.force_login(reporter)
    AuthorFactory(name="Nadia Hollis")

    listing = client.get("/admin/articles/article/")
    assert listing.status_code == 200
    assert "credit_byline_authors" not in listing.text
    assert client.get(f"{AUTHORS}add/").status_code == 403
    found = client.get(
        "/admin/autocomplete/",
        {
            "term": "Nadia",
            "app_label": "articles",
            "model_name": "articleauthor",
            "field_name": "author",
        },
    )
    assert [item["text"] for item in found.json()["results"]] == ["Nadia Hollis"]


def test_the_story_form_offers_to_credit_its_byline(editor_client):
    """A story with a byline and no author shows the names it holds, known or
    not, and one click credits them, creating the new ones."""
    AuthorFactory(name="Nadia Hollis")
    article = ArticleFactory(draft=True, byline="Nadia Hollis and Ben Ode")

    opened = editor_client.get(change_url(article))
    assert "no author yet" in opened.text
    assert 'value="credit-byline:"' in opened.text

    response = editor_client.post(
        change_url(article), {**form_data(opened), "_action": "credit-byline:"}
    )

    assert response.status_code == 302
    assert credited(article) == ["Nadia Hollis", "Ben Ode"]
    assert (
        "Credited: Nadia Hollis, Ben Ode" in editor_client.get(change_url(article)).text
    )


def test_a_reporter_gets_no_button_to_create_authors(client):
    reporter = RoleUserFactory(role="Reporter")
    client.force_login(reporter)
    article = ArticleFactory(draft=True, byline="Ben Ode", created_by=reporter)

    opened = client.get(change_url(article))

    assert opened.status_code == 200
    assert "no author yet" in opened.text
    assert "credit-byline" not in opened.text
    refused = client.post(
        change_url(article), {**form_data(opened), "_action": "credit-byline:"}
    )
    assert refused.status_code == 403
    assert not Author.objects.exists()
