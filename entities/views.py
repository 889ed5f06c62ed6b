from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import ListView

from articles.models import Article
from entities.models import Entity


class EntityListView(ListView):
    """Every entity with at least one published story, by kind."""

    template_name = "entities/entity_list.html"
    paginate_by = 100

    def get_queryset(self):
        published = Article.objects.published()
        return (
            Entity.objects.annotate(
                story_count=Count(
                    "article_links",
                    filter=Q(article_links__content_object__in=published),
                )
            )
            .filter(story_count__gt=0)
            .order_by("kind", "name")
        )


class EntityDetailView(ListView):
    """An entity's page: who or what it is, and every published story about it."""

    template_name = "entities/entity_detail.html"
    paginate_by = 20

    def get_queryset(self):
        self.entity = get_object_or_404(Entity, slug=self.kwargs["slug"])
        return (
            Article.objects.published()
            .filter(entity_links__tag=self.entity)
            .for_listing()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(entity=self.entity, **kwargs)
        if not context["paginator"].count:
            # An entity known only from drafts could give an embargoed story away.
            raise Http404("No published story is tagged with this entity.")
        return context
