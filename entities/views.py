from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, F
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import ListView

from articles.caching import tag_list_page
from articles.models import Article, ArticleEntity
from entities.models import KIND_PLURALS, Entity, EntityRedirect
from newsroom.views import PublicPageMixin

# How many entities "Often appears with" lists.
COMPANIONS = 8
# An upper bound: the cache key changes as soon as any story does.
ASIDE_CACHE_SECONDS = 3600


class EntityListView(PublicPageMixin, ListView):
    """Every entity with at least one published story, by kind."""

    template_name = "entities/entity_list.html"
    paginate_by = 100

    def get_queryset(self):
        return Entity.objects.with_published_stories().order_by("kind", "name", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entities = context["object_list"]
        counts = dict(
            ArticleEntity.objects.filter(
                tag__in=entities, content_object__in=Article.objects.published()
            )
            .values_list("tag")
            .annotate(stories=Count("pk"))
            .order_by()
        )
        groups: dict[str, list[Entity]] = {}
        for entity in entities:
            entity.story_count = counts.get(entity.pk, 0)
            groups.setdefault(entity.kind, []).append(entity)
        context["entity_groups"] = [
            (KIND_PLURALS[kind], groups[kind])
            for kind in Entity.Kind.values
            if kind in groups
        ]
        return context


class EntityDetailView(PublicPageMixin, ListView):
    """An entity's page: who or what it is, and every published story about it."""

    template_name = "entities/entity_detail.html"
    paginate_by = 20

    def get(self, request, *args, **kwargs):
        slug = self.kwargs["slug"]
        # Its aliases are on the page twice (and in its structured data).
        self.entity = (
            Entity.objects.prefetch_related("aliases").filter(slug=slug).first()
        )
        if self.entity is None:
            # A merged entity's old address leads to the entity it became, once
            # that entity has a public page of its own.
            moved = EntityRedirect.objects.filter(old_slug=slug).first()
            public = Entity.objects.with_published_stories()
            if moved is not None and public.filter(pk=moved.entity_id).exists():
                return redirect(
                    "entities:detail", slug=moved.entity.slug, permanent=True
                )
            raise Http404("No entity has this address.")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        # Stories about the entity come before those that only mention it.
        return (
            self._published(self.entity.pk)
            .annotate(relevance=F("entity_links__relevance"))
            .for_listing()
            .newest_first("relevance")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(entity=self.entity, **kwargs)
        if not context["paginator"].count:
            # An entity known only from drafts could give an embargoed story away.
            raise Http404("No published story is tagged with this entity.")
        context.update(self._aggregates())
        pk = self.entity.pk
        tag_list_page(
            self.request,
            f"entity:{pk}",
            f"entity-name:{pk}",
            # "Often appears with" names other entities.
            *(["entity-names"] if context["companions"] else []),
            stories=context["object_list"],
        )
        return context

    def _aggregates(self) -> dict:
        """ "Often appears with" and the timeline: aggregates over every published
        story of the entity (hundreds of thousands for "Russia" in a large
        archive), cached until any story changes for readers."""
        changed = Article.objects.last_changed()
        key = f"entities:aside:{self.entity.pk}:{changed.timestamp() if changed else 0}"
        if (cached := cache.get(key)) is not None:
            return cached
        stories = self._published(self.entity.pk)
        aggregates = {
            "companions": list(
                Entity.objects.filter(article_links__content_object__in=stories)
                .exclude(pk=self.entity.pk)
                .annotate(shared=Count("article_links"))
                .order_by("-shared", "name")[:COMPANIONS]
            ),
            "timeline": list(
                stories.annotate(month=TruncMonth("go_live_at"))
                .values("month")
                .annotate(count=Count("pk"))
                .order_by("-month")
            ),
        }
        cache.set(key, aggregates, timeout=ASIDE_CACHE_SECONDS)
        return aggregates

    @staticmethod
    def _published(entity_id: int):
        return Article.objects.published().filter(entity_links__tag_id=entity_id)
