from __future__ import annotations

import pytest
from django.template import Context, Template

from articles.models import Article
from articles.views import with_page_relations
from entities.linking import link_first_mentions
from entities.matcher import invalidate_matcher
from entities.models import Entity
from tests.factories import AliasFactory, ArticleFactory, EntityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def putin():
    entity = EntityFactory(name="Vladimir Putin", slug="vladimir-putin")
    AliasFactory(entity=entity, name="Putin")
    invalidate_matcher()
    return entity


@pytest.fixture
def geneva():
    entity = EntityFactory(name="Geneva", slug="geneva", kind=Entity.Kind.PLACE)
    invalidate_matcher()
    return entity


def link(url: str, text: str) -> str:
    return f'<a class="entity-link" href="{url}">{text}</a>'


def test_first_mention_of_each_entity_is_linked_once(putin, geneva):
    """Only the first mention of each entity becomes a link."""
    html = "<p>Putin flew to Geneva.</p><p>Vladimir Putin left Geneva; Putin slept.</p>"

    out = link_first_mentions(html, {putin.pk: "/p/", geneva.pk: "/g/"})

    assert out == (
        f"<p>{link('/p/', 'Putin')} flew to {link('/g/', 'Geneva')}.</p>"
        "<p>Vladimir Putin left Geneva; Putin slept.</p>"
    )


def test_mention_inside_inline_markup_is_linked(putin):
    """A first mention inside bold text is linked where it stands."""
    out = link_first_mentions(
        "<p>Talks with <strong>Putin</strong>'s aides.</p>", {putin.pk: "/p/"}
    )

    assert out == f"<p>Talks with <strong>{link('/p/', 'Putin')}</strong>'s aides.</p>"


def test_text_inside_an_existing_link_is_not_linked(putin):
    """A mention inside an editor's own link is left alone; the next one is linked."""
    html = (
        '<p>See <a href="https://example.org/">what <em>Putin</em> said</a>.</p>'
        "<p>Putin denied it.</p>"
    )

    out = link_first_mentions(html, {putin.pk: "/p/"})

    assert out == (
        '<p>See <a href="https://example.org/">what <em>Putin</em> said</a>.</p>'
        f"<p>{link('/p/', 'Putin')} denied it.</p>"
    )


def test_attributes_are_never_rewritten(putin):
    """An alias inside an href or title attribute stays exactly as written."""
    html = (
        '<p title="Vladimir Putin">Quote from '
        '<a href="https://example.org/Putin?q=Vladimir Putin" title="Putin">'
        "a source</a> about Putin.</p>"
    )

    out = link_first_mentions(html, {putin.pk: "/p/"})

    assert out == (
        '<p title="Vladimir Putin">Quote from '
        '<a href="https://example.org/Putin?q=Vladimir Putin" title="Putin">'
        f"a source</a> about {link('/p/', 'Putin')}.</p>"
    )


def test_special_characters_in_text_stay_escaped(putin):
    """Ampersands and angle brackets in the text around a link stay escaped."""
    html = '<p>1 &lt; 2 &amp; "Putin" &gt; 0, it\'s AT&amp;T.</p>'

    out = link_first_mentions(html, {putin.pk: "/p/"})

    assert out == (
        f"<p>1 &lt; 2 &amp; &quot;{link('/p/', 'Putin')}&quot; &gt; 0, "
        "it&#x27;s AT&amp;T.</p>"
    )
    assert "<2" not in out
    assert "<p>" in out


def test_entity_name_with_markup_characters_is_escaped():
    """An entity whose name holds &, < or a quote is linked with the name escaped."""
    att = EntityFactory(name="AT&T", slug="att", kind=Entity.Kind.ORGANIZATION)
    odd = EntityFactory(name='The "A<B" Group', slug="ab", kind=Entity.Kind.OTHER)
    invalidate_matcher()
    html = '<p>AT&amp;T bought The "A&lt;B" Group.</p>'

    out = link_first_mentions(html, {att.pk: "/att/", odd.pk: "/ab/"})

    assert out == (
        f"<p>{link('/att/', 'AT&amp;T')} bought "
        f"{link('/ab/', 'The &quot;A&lt;B&quot; Group')}.</p>"
    )


def test_url_is_escaped():
    """An entity address is escaped inside the href attribute."""
    entity = EntityFactory(name="Geneva")
    invalidate_matcher()

    out = link_first_mentions("<p>Geneva</p>", {entity.pk: '/g/?a=1&b="2"'})

    assert (
        out
        == '<p><a class="entity-link" href="/g/?a=1&amp;b=&quot;2&quot;">Geneva</a></p>'
    )


def test_only_entities_given_are_linked(putin, geneva):
    """An entity the gazetteer knows but the story is not tagged with stays text."""
    out = link_first_mentions("<p>Putin flew to Geneva.</p>", {geneva.pk: "/g/"})

    assert out == f"<p>Putin flew to {link('/g/', 'Geneva')}.</p>"


def test_nothing_to_link_returns_the_body_unchanged(putin):
    """With no entities, or none mentioned, the body comes back as it was."""
    html = "<p>1 &lt; 2 &amp; Putin.</p>"

    assert link_first_mentions(html, {}) == html
    assert link_first_mentions("<p>No one &amp; nothing.</p>", {putin.pk: "/p/"}) == (
        "<p>No one &amp; nothing.</p>"
    )
    assert link_first_mentions("", {putin.pk: "/p/"}) == ""


def test_alias_shared_by_two_tagged_entities_is_printed_once():
    """A name two tagged entities share is linked once and its text not repeated."""
    place = EntityFactory(name="Georgia", slug="georgia", kind=Entity.Kind.PLACE)
    person = EntityFactory(name="Georgia", slug="georgia-2", kind=Entity.Kind.PERSON)
    invalidate_matcher()

    out = link_first_mentions(
        "<p>Georgia voted.</p>", {place.pk: "/place/", person.pk: "/person/"}
    )

    assert out.count("Georgia") == 1
    assert out.endswith(" voted.</p>")


def render_linked_body(article: Article) -> str:
    template = Template("{% load entity_links %}{{ article|linked_body }}")
    return template.render(Context({"article": article}))


def test_linked_body_links_the_storys_entities(putin, geneva):
    """The template filter links the entities the story is tagged with."""
    article = ArticleFactory(body="<p>Putin flew to Geneva.</p>", entities=[putin])

    out = render_linked_body(with_page_relations(Article.objects).get(pk=article.pk))

    assert out == f"<p>{link(putin.get_absolute_url(), 'Putin')} flew to Geneva.</p>"


def test_article_page_links_tagged_entities_and_keeps_the_body(putin, geneva, client):
    """The public page links first mentions; the stored body is not changed."""
    body = "<p>Putin flew to Geneva &amp; back.</p><p>Putin slept.</p>"
    article = ArticleFactory(body=body, entities=[putin, geneva])
    stored = Article.objects.get(pk=article.pk).body

    response = client.get(article.get_absolute_url())

    content = response.content.decode()
    assert f"<p>{link(putin.get_absolute_url(), 'Putin')} flew to " in content
    assert f"{link(geneva.get_absolute_url(), 'Geneva')} &amp; back.</p>" in content
    assert "<p>Putin slept.</p>" in content
    assert content.count('class="entity-link"') == 2
    assert Article.objects.get(pk=article.pk).body == stored == body


def test_untagged_gazetteer_entity_is_not_linked_on_the_page(putin, geneva, client):
    """A known entity the story is not tagged with is not linked for readers."""
    article = ArticleFactory(body="<p>Putin flew to Geneva.</p>", entities=[geneva])

    content = client.get(article.get_absolute_url()).content.decode()

    assert "<p>Putin flew to " in content
    assert putin.get_absolute_url() not in content


@pytest.mark.parametrize("count", [1, 10])
def test_article_page_query_count(client, django_assert_max_num_queries, count):
    """The story page costs the same queries with 1 or 10 linked entities."""
    entities = [EntityFactory(name=f"Person Number{n}") for n in range(count)]
    for entity in entities:
        AliasFactory(entity=entity, name=f"Number{entity.pk}")
    invalidate_matcher()
    body = "".join(f"<p>Number{entity.pk} spoke.</p>" for entity in entities)
    article = ArticleFactory(body=body, entities=entities)

    with django_assert_max_num_queries(11):  # with its authors
        response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert response.content.decode().count('class="entity-link"') == count
