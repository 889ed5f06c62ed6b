"""Developing stories and related stories in the partner API.

Wire into newsroom/api.py's router:
    router.register("threads", ThreadViewSet, basename="thread")
and add `RelatedStoriesMixin` to the article viewset's bases for
/api/v1/articles/{id}/related/.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from articles.models import Article, Thread
from articles.related import RELATED_LIMIT, related_entries


class ThreadStorySerializer(serializers.ModelSerializer):
    url = serializers.URLField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Article
        fields = ["id", "headline", "url", "go_live_at"]


class ThreadSerializer(serializers.ModelSerializer):
    url = serializers.URLField(source="get_absolute_url", read_only=True)
    story_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Thread
        fields = ["id", "title", "slug", "description", "url", "story_count"]


class ThreadDetailSerializer(ThreadSerializer):
    stories = ThreadStorySerializer(source="public_stories", many=True)

    class Meta(ThreadSerializer.Meta):
        fields = [*ThreadSerializer.Meta.fields, "stories"]


class ThreadViewSet(viewsets.ReadOnlyModelViewSet):
    """Developing stories that have at least one published story; a thread's
    detail lists its published stories oldest first."""

    lookup_field = "slug"

    def get_queryset(self):
        published = Article.objects.published()
        return (
            Thread.objects.annotate(
                story_count=Count(
                    "stories", filter=Q(stories__in=published), distinct=True
                )
            )
            .filter(story_count__gt=0)
            .prefetch_related(
                Prefetch(
                    "stories",
                    queryset=published.order_by("go_live_at", "pk"),
                    to_attr="public_stories",
                )
            )
            .order_by("-created_at", "-pk")
        )

    def get_serializer_class(self):
        return ThreadDetailSerializer if self.action == "retrieve" else ThreadSerializer


class RelatedStorySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="article.pk")
    headline = serializers.CharField(source="article.headline")
    url = serializers.URLField(source="article.get_absolute_url")
    go_live_at = serializers.DateTimeField(source="article.go_live_at")
    picked = serializers.BooleanField(help_text="An editor's pick, shown first.")
    score = serializers.FloatField(allow_null=True)
    shared = serializers.JSONField(
        help_text='{"entities": [{"id", "name", "weight"}], "tags": [{"name", '
        '"weight"}]}: what the two stories share, strongest first.'
    )


class RelatedStoriesMixin:
    """Adds /articles/{id}/related/ to an article viewset whose queryset holds
    only published stories."""

    @action(detail=True, methods=["get"], serializer_class=RelatedStorySerializer)
    def related(self, request, *args, **kwargs):
        article = self.get_object()
        entries = related_entries(article, RELATED_LIMIT)
        return Response(RelatedStorySerializer(entries, many=True).data)
