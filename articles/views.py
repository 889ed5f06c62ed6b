from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from articles.models import Article, ArticleEntity, Section
from articles.related import related_articles
from entities.models import Entity

PAGE_SIZE = 20


class HomeView(ListView):
    template_name = "articles/article_list.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return Article.objects.published().for_listing()


class ArticleDetailView(DetailView):
    """A published story at /yyyy/mm/dd/slug/."""

    def get_queryset(self):
        return (
            Article.objects.published()
            .select_related("section")
            .prefetch_related(
                Prefetch(
                    "entity_links",
                    queryset=ArticleEntity.objects.select_related("tag").order_by(
                        "tag__kind", "tag__name"
                    ),
                ),
                "tags",
            )
        )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if request.path != self.object.get_absolute_url():
            return redirect(self.object, permanent=True)
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        context["entity_groups"] = group_entities(article)
        context["related"] = related_articles(article)
        return context


@method_decorator(staff_member_required, name="dispatch")
class ArticlePreviewView(ArticleDetailView):
    """Any story, draft or not, as a reader would see it; staff only."""

    template_name = "articles/article_detail.html"

    def get_queryset(self):
        return Article.objects.select_related("section").prefetch_related(
            "entity_links__tag", "tags"
        )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        response = self.render_to_response(
            self.get_context_data(object=self.object, preview=True)
        )
        response["X-Robots-Tag"] = "noindex"
        return response


def group_entities(article: Article) -> list[tuple[str, list[ArticleEntity]]]:
    """The story's entity links grouped by kind, in the order kinds are declared."""
    by_kind: dict[str, list[ArticleEntity]] = {}
    for link in article.entity_links.all():
        by_kind.setdefault(link.tag.kind, []).append(link)
    labels = dict(Entity.Kind.choices)
    plural = {"person": "People", "organization": "Organisations", "place": "Places"}
    return [
        (plural.get(kind, labels[kind] + "s"), by_kind[kind])
        for kind in Entity.Kind.values
        if kind in by_kind
    ]


class SectionDetailView(ListView):
    template_name = "articles/section_detail.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return Article.objects.published().filter(section=self.section).for_listing()

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class TagDetailView(ListView):
    template_name = "articles/tag_detail.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        queryset = Article.objects.published().filter(tag_links__tag=self.tag)
        return queryset.for_listing()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(tag=self.tag, **kwargs)
        if not context["paginator"].count:
            # A tag that only drafts carry has no public page.
            raise Http404("No published story has this tag.")
        return context
