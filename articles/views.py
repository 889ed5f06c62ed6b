from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView

from articles import revisions, services
from articles.caching import tag_list_page, tag_story_page
from articles.forms import SearchForm
from articles.models import (
    AUTHORS_PREFETCH,
    LEAD_SLOT,
    LISTED_RENDITIONS_PREFETCH,
    Article,
    ArticleEntity,
    Author,
    Correction,
    PreviewLink,
    Section,
    Thread,
)
from articles.search import (
    SEARCH_CANDIDATES,
    highlight,
    search_query,
    snippet_expression,
)
from articles.sitemaps import news_stories
from entities.models import KIND_PLURALS, Entity
from newsroom.views import CappedPaginator, PublicPageMixin
from related.serving import related_articles

PAGE_SIZE = 20
THREAD_NEIGHBOURS = 3
# Entities named like the query, shown above the search results.
SEARCH_ENTITIES = 5
# Shorter queries name too many entities to be worth showing.
SEARCH_ENTITY_MIN_CHARS = 3


class HomeView(PublicPageMixin, ListView):
    """The front page: the editor's lead and featured stories (`FrontPage`)
    at the top of its first page, then the latest published stories without
    them. With no live lead picked, the newest story leads."""

    template_name = "articles/article_list.html"
    paginate_by = PAGE_SIZE

    def get(self, request, *args, **kwargs):
        published = Article.objects.published().select_related("section", "lead_image")
        self.picks = list(published.front_page_picks())
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        # The entities of the picks and of the page's stories in one query
        # (get_context_data), rather than for_listing's one each.
        stories = Article.objects.published().select_related("section", "lead_image")
        return stories.exclude(pk__in=[story.pk for story in self.picks]).newest_first()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rest = list(context["object_list"])
        top = []
        if context["page_obj"].number == 1:
            top = self.picks
            if not top or top[0].front_page_slot != LEAD_SLOT:
                top = rest[:1] + top
                rest = rest[1:]
        shown = [*top, *rest]
        prefetch_related_objects(
            shown, "entities", AUTHORS_PREFETCH, LISTED_RENDITIONS_PREFETCH
        )
        context.update(top_stories=top, stories=rest, shown=shown)
        tag_list_page(self.request, "home", stories=shown)
        return context


def with_page_relations(queryset):
    """Everything the story page shows about its story, loaded in bulk."""
    return queryset.select_related("section", "thread", "lead_image").prefetch_related(
        "lead_image__renditions",
        Prefetch(
            "entity_links",
            queryset=ArticleEntity.objects.select_related("tag").order_by(
                "tag__kind", "tag__name"
            ),
        ),
        "tags",
        AUTHORS_PREFETCH,
    )


class ArticleDetailView(PublicPageMixin, DetailView):
    """A published story at /yyyy/mm/dd/slug/."""

    def get_queryset(self):
        return with_page_relations(Article.objects.published())

    def get(self, request, *args, **kwargs):
        try:
            self.object = self.get_object()
        except Http404:
            if gone := Article.objects.gone().filter(slug=kwargs["slug"]).first():
                return gone_page(request, gone)
            raise
        if request.path != self.object.get_absolute_url():
            return redirect(self.object, permanent=True)
        context = self.get_context_data(object=self.object)
        shown = [
            *context.get("thread_earlier", ()),
            *context.get("thread_latest", ()),
            *context["related"],
        ]
        tag_story_page(request, self.object, shown)
        return self.render_to_response(context)

    def get_canonical_path(self) -> str | None:
        return self.object.get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        context["entity_groups"] = group_entities(article)
        neighbours = thread_neighbours(article)
        context.update(neighbours)
        # A story in the thread boxes is not listed again under related stories,
        # even as an editor's pick; the next related story takes its place.
        shown = [story.pk for stories in neighbours.values() for story in stories]
        context["related"] = related_articles(article, leave_out=shown)
        context["source_link"] = web_link(article.source_url)
        return context


def gone_page(request: HttpRequest, article: Article) -> HttpResponse:
    """410 for a story withdrawn or expired: a notice naming nothing of it.

    Never cached, here or by a CDN or browser (the page cache stores only
    200s): republished, the story is back at the same address at once."""
    response = TemplateResponse(
        request,
        "articles/article_gone.html",
        {"withdrawn": article.status == Article.Status.WITHDRAWN},
        status=410,
    )
    add_never_cache_headers(response)
    return response


def private_page(response: HttpResponse) -> HttpResponse:
    """Keep a preview out of search engines, caches and other sites' logs."""
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@method_decorator([never_cache, staff_member_required], name="dispatch")
class ArticlePreviewView(ArticleDetailView):
    """Any story, draft or not, as a reader would see it; for staff who may
    change that story."""

    template_name = "articles/article_detail.html"

    def get_queryset(self):
        return with_page_relations(Article.objects.all())

    def get_canonical_path(self) -> str | None:
        return None

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not services.may_change_article(request.user, self.object):
            raise PermissionDenied(
                "Previewing this story needs permission to change it."
            )
        # A live story with unpublished changes previews the changes.
        staged = self.object.staged_revision
        self.object = revisions.staged_copy(self.object, staged)
        response = self.render_to_response(
            self.get_context_data(
                object=self.object, preview=True, preview_revision=staged
            )
        )
        return private_page(response)


@method_decorator(never_cache, name="dispatch")
class SharedPreviewView(ArticleDetailView):
    """A story before it is published, for anyone holding one of its preview
    links; the story's public page once it is live."""

    template_name = "articles/article_detail.html"

    def get(self, request, *args, **kwargs):
        link = get_object_or_404(
            PreviewLink.objects.select_related("article", "revision"),
            token=kwargs["token"],
        )
        article, revision = link.article, link.revision
        # Once what the link shows is what readers see, it leads to the page:
        # a draft that went live, or changes to a live story since published.
        if article.is_live and (revision is None or revision.published_at):
            return redirect(article)
        if not link.is_active or article.status == Article.Status.WITHDRAWN:
            response = TemplateResponse(
                request, "articles/previewlink_gone.html", {"link": link}, status=410
            )
            return private_page(response)
        self.object = with_page_relations(Article.objects.all()).get(pk=link.article_id)
        self.object = revisions.staged_copy(self.object, revision)
        response = self.render_to_response(
            self.get_context_data(
                object=self.object,
                preview=True,
                preview_link=link,
                preview_revision=revision,
            )
        )
        return private_page(response)

    def get_canonical_path(self) -> str | None:
        return None


def thread_neighbours(article: Article, size: int = THREAD_NEIGHBOURS) -> dict:
    """The published stories just before and the latest after `article` in its
    thread, as `thread_earlier` (oldest first) and `thread_latest` (newest first).

    Two queries at most, however long the thread.
    """
    if article.thread_id is None or article.go_live_at is None:
        return {}
    stories = (
        Article.objects.published()
        .filter(thread_id=article.thread_id)
        .exclude(pk=article.pk)
        .select_related("section")
    )
    when = article.go_live_at
    before = Q(go_live_at__lt=when) | Q(go_live_at=when, pk__lt=article.pk)
    earlier = list(stories.filter(before).newest_first()[:size])
    latest = list(stories.exclude(before).newest_first()[:size])
    return {"thread_earlier": earlier[::-1], "thread_latest": latest}


def group_entities(article: Article) -> list[tuple[str, list[ArticleEntity]]]:
    """The story's entity links grouped by kind, in the order kinds are declared.

    Uses the story's prefetched `entity_links` (with their entities).
    """
    by_kind: dict[str, list[ArticleEntity]] = {}
    for link in article.entity_links.all():
        by_kind.setdefault(link.tag.kind, []).append(link)
    return [
        (KIND_PLURALS[kind], by_kind[kind])
        for kind in Entity.Kind.values
        if kind in by_kind
    ]


def web_link(url: str) -> str:
    """`url` if it is safe to put in an href (http or https), else ""."""
    return url if urlsplit(url).scheme in {"http", "https"} else ""


class SectionDetailView(PublicPageMixin, ListView):
    """A section's front page: its published stories, newest first."""

    template_name = "articles/section_detail.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.section = get_object_or_404(
            Section.objects.visible(), slug=self.kwargs["slug"]
        )
        published = Article.objects.published().filter(section=self.section)
        return published.for_listing().newest_first()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(section=self.section, **kwargs)
        tag_list_page(
            self.request, f"section:{self.section.pk}", stories=context["object_list"]
        )
        return context


class TagDetailView(PublicPageMixin, ListView):
    """A topic tag's page: its published stories, newest first."""

    template_name = "articles/tag_detail.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        published = Article.objects.published()
        # A tag that only drafts carry has no public page.
        self.tag = get_object_or_404(published.tags(), slug=self.kwargs["slug"])
        published = published.filter(tag_links__tag=self.tag)
        return published.for_listing().newest_first()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(tag=self.tag, **kwargs)
        pk = self.tag.pk
        tag_list_page(
            self.request, f"tag:{pk}", f"tag-name:{pk}", stories=context["object_list"]
        )
        return context


class AuthorDetailView(PublicPageMixin, ListView):
    """An author's page: who they are, and their published stories, newest
    first. An author with none has no page yet."""

    template_name = "articles/author_detail.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.author = get_object_or_404(
            Author.objects.with_published_stories()
            .select_related("photo")
            .prefetch_related("links", "photo__renditions"),
            slug=self.kwargs["slug"],
        )
        return self.author.stories().for_listing()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(author=self.author, **kwargs)
        tag_list_page(
            self.request, f"author:{self.author.pk}", stories=context["object_list"]
        )
        return context


class ThreadDetailView(PublicPageMixin, ListView):
    """A developing story's timeline: its published stories, oldest first."""

    template_name = "articles/thread_detail.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.thread = get_object_or_404(
            Thread.objects.with_published_stories(), slug=self.kwargs["slug"]
        )
        return (
            self.thread.timeline()
            .select_related("lead_image")
            .prefetch_related("entities", AUTHORS_PREFETCH, LISTED_RENDITIONS_PREFETCH)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(thread=self.thread, **kwargs)
        pk = self.thread.pk
        tag_list_page(
            self.request,
            f"thread:{pk}",
            f"thread-name:{pk}",
            stories=context["object_list"],
        )
        return context


class CorrectionListView(PublicPageMixin, ListView):
    """Every correction and clarification to a published story, newest first."""

    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return Correction.objects.public()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tag_list_page(self.request, "corrections")
        return context


class SearchPaginator(CappedPaginator):
    """Counts matches without ranking them: how many there are (up to the
    cap) does not depend on their order. On PostgreSQL a search holds at most
    `SEARCH_CANDIDATES` stories (`ArticleQuerySet.search`), its own cap."""

    @cached_property
    def count(self) -> int:
        matches = self.object_list.order_by().values("pk")
        return matches[: self.per_page * self.max_pages].count()

    @property
    def capped(self) -> bool:
        return super().capped or (
            connection.vendor == "postgresql" and self.count == SEARCH_CANDIDATES
        )


class SearchView(PublicPageMixin, ListView):
    """The readers' search: published stories matching ?q=, best first, with
    highlighted snippets, filters, and the entities named like the query.

    A query too long or a filter naming nothing answers 400 with the form's
    message; any other input is searched for as words.
    """

    template_name = "articles/search.html"
    paginate_by = PAGE_SIZE
    paginator_class = SearchPaginator

    def get(self, request, *args, **kwargs):
        self.form = SearchForm(request.GET)
        response = super().get(request, *args, **kwargs)
        if not self.form.is_valid():
            response.status_code = 400
        return response

    def get_queryset(self):
        if not self.form.is_valid() or not self.form.cleaned_data["q"].strip():
            return Article.objects.none()
        # Snippets come from their own query, for the page's stories only.
        return self.form.stories().for_listing().defer("body")

    def get_canonical_path(self) -> str | None:
        # Result pages are not for search engines (noindex in the template).
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(form=self.form, **kwargs)
        valid = self.form.is_valid()
        query = self.form.cleaned_data["q"].strip() if valid else ""
        context["query"] = query
        page = context["page_obj"]
        context["entities"] = (
            list(
                Entity.objects.with_published_stories().matching(query)[
                    :SEARCH_ENTITIES
                ]
            )
            if len(query) >= SEARCH_ENTITY_MIN_CHARS and page.number == 1
            else []
        )
        add_snippets(page.object_list, query)
        return context


def add_snippets(stories, query: str) -> None:
    """Give each of `stories` a `snippet`: where the text matches `query`, its
    words highlighted (PostgreSQL; one query for the page). Elsewhere none, and
    the template shows the standfirst."""
    stories = list(stories)
    if not stories or not query or connection.vendor != "postgresql":
        return
    snippets = dict(
        Article.objects.filter(pk__in=[story.pk for story in stories])
        .order_by()
        .annotate(snippet=snippet_expression(search_query(query)))
        .values_list("pk", "snippet")
    )
    for story in stories:
        story.snippet = highlight(snippets.get(story.pk) or "")


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Keep crawlers out of the admin and previews; point them at the sitemap
    index and the news sitemap."""
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('admin:index')}",
        "Disallow: /preview/",
        "Sitemap: "
        + request.build_absolute_uri(reverse("django.contrib.sitemaps.views.index")),
        f"Sitemap: {request.build_absolute_uri(reverse('news_sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_GET
def news_sitemap(request: HttpRequest) -> HttpResponse:
    """The Google News sitemap: the stories that went live in the last two
    days, with their headline, language and publication time."""
    stories = [
        (request.build_absolute_uri(story.get_absolute_url()), story)
        for story in news_stories(timezone.now())
    ]
    return TemplateResponse(
        request,
        "sitemaps/news.xml",
        {"stories": stories, "publication": settings.SITE_NAME},
        content_type="application/xml",
    )
