from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse as django_reverse
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.reverse import reverse

from articles.html import html_to_text
from articles.models import Article, ArticleEntity, Section
from entities.models import Entity

# Fields a list leaves out unless asked for with ?expand=.
EXPANDABLE = ("body",)


def article_list_url(request: Request | None, **filters: str) -> str:
    """The address of the story list narrowed by `filters` (entity=, section=)."""
    return f"{reverse('api:article-list', request=request)}?{urlencode(filters)}"


def article_uri(article: Article) -> str:
    """The story's permanent name, whatever its slug or date become."""
    return f"urn:newsroom:article:{article.pk}"


def comma_list(request: Request, param: str) -> list[str]:
    """The values of a comma-separated parameter; 400 when it is given empty."""
    values = []
    for raw in request.query_params.getlist(param):
        values.extend(value.strip() for value in raw.split(",") if value.strip())
    if param in request.query_params and not values:
        raise ValidationError({param: ["Give a value or leave the parameter out."]})
    return values


def chosen_fields(request: Request, *, detail: bool) -> list[str]:
    """The story fields a response carries: those named by `fields=`, else all
    of them but the body in a list; plus those named by `expand=`; `id` always.
    Raises a 400 naming any unknown field."""
    available = ArticleSerializer.Meta.fields
    expand = comma_list(request, "expand")
    if unknown := [name for name in expand if name not in EXPANDABLE]:
        raise ValidationError(
            {
                "expand": [
                    f"Only {', '.join(EXPANDABLE)} can be expanded, not {unknown[0]}."
                ]
            }
        )
    fields = comma_list(request, "fields")
    if unknown := [name for name in fields if name not in available]:
        raise ValidationError(
            {"fields": [f"No field is called “{name}”." for name in unknown]}
        )
    if fields:
        wanted = {"id", *fields, *expand}
    elif detail:
        wanted = set(available)
    else:
        wanted = {name for name in available if name not in EXPANDABLE} | set(expand)
    return [name for name in available if name in wanted]


class SectionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:section-detail", lookup_field="slug"
    )
    articles_url = serializers.SerializerMethodField()

    class Meta:
        model = Section
        fields = ["url", "name", "slug", "description", "articles_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_articles_url(self, section: Section) -> str:
        return article_list_url(self.context.get("request"), section=section.slug)


class ArticleEntitySerializer(serializers.ModelSerializer):
    """An entity as tagged on one story, with whether the story is about it."""

    name = serializers.CharField(source="tag.name", read_only=True)
    slug = serializers.CharField(source="tag.slug", read_only=True)
    kind = serializers.ChoiceField(
        source="tag.kind", choices=Entity.Kind.choices, read_only=True
    )
    wikidata_id = serializers.CharField(source="tag.wikidata_id", read_only=True)
    url = serializers.HyperlinkedRelatedField(
        source="tag",
        view_name="api:entity-detail",
        lookup_field="slug",
        read_only=True,
    )

    class Meta:
        model = ArticleEntity
        fields = ["name", "slug", "kind", "relevance", "wikidata_id", "url"]
        read_only_fields = fields


class ArticleSerializer(serializers.ModelSerializer):
    """A published story. Which fields are present depends on `fields=` and
    `expand=`; `id` always is."""

    url = serializers.HyperlinkedIdentityField(view_name="api:article-detail")
    uri = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    section = SectionSerializer(read_only=True, allow_null=True)
    entities = ArticleEntitySerializer(source="entity_links", many=True, read_only=True)
    tags = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(source="go_live_at", read_only=True)
    source_url = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "uri",
            "url",
            "web_url",
            "headline",
            "slug",
            "dek",
            "body",
            "byline",
            "dateline",
            "language",
            "section",
            "entities",
            "tags",
            "source_name",
            "source_url",
            "published_at",
            "first_published_at",
            "last_published_at",
            "updated_at",
        ]
        read_only_fields = fields

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if (chosen := self.context.get("fields")) is not None:
            for name in set(ArticleSerializer.Meta.fields) - set(chosen):
                self.fields.pop(name)

    def get_uri(self, article: Article) -> str:
        return article_uri(article)

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, article: Article) -> str:
        request = self.context.get("request")
        path = article.get_absolute_url()
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(
        {
            "type": "string",
            "format": "uri",
            "nullable": True,
            "description": "Where an imported story came from; null for our own.",
        }
    )
    def get_source_url(self, article: Article) -> str | None:
        return article.source_url or None

    def get_tags(self, article: Article) -> list[str]:
        # Sorted here rather than in SQL so the prefetched tags are used as they are.
        return sorted(tag.name for tag in article.tags.all())


class RelatedArticleSerializer(ArticleSerializer):
    """A story to read next: an editor's pick, or a suggestion with its score;
    with the entities it shares with the first story."""

    picked = serializers.BooleanField(
        read_only=True, help_text="An editor's pick; picks come first."
    )
    score = serializers.FloatField(
        source="related_score",
        read_only=True,
        allow_null=True,
        help_text="How strongly it relates; null for an editor's pick.",
    )
    shared_entities = serializers.SerializerMethodField(
        help_text="Slugs of the entities both stories are tagged with."
    )

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "picked", "score", "shared_entities"]
        read_only_fields = fields

    def get_shared_entities(self, article: Article) -> list[str]:
        shared = self.context.get("entity_ids", set())
        return sorted(
            link.tag.slug
            for link in article.entity_links.all()
            if link.tag_id in shared
        )


class ChangeSerializer(serializers.ModelSerializer):
    """One story's latest change for partners who mirror us: published (fetch
    it) or withdrawn (take it down). A withdrawn story carries no content."""

    uri = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    time = serializers.DateTimeField(source="changed_at", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = ["id", "uri", "status", "time", "url"]
        read_only_fields = fields

    def get_uri(self, article: Article) -> str:
        return article_uri(article)

    @extend_schema_field(
        {"type": "string", "enum": ["published", "withdrawn"], "readOnly": True}
    )
    def get_status(self, article: Article) -> str:
        return "published" if article.live else "withdrawn"

    @extend_schema_field(
        {
            "type": "string",
            "format": "uri",
            "nullable": True,
            "readOnly": True,
            "description": "The story in the API; null once withdrawn.",
        }
    )
    def get_url(self, article: Article) -> str | None:
        if not article.live:
            return None
        return reverse(
            "api:article-detail",
            kwargs={"pk": article.pk},
            request=self.context.get("request"),
        )


class NinjsSerializer(serializers.BaseSerializer):
    """A story as an IPTC ninjs 2.2 news item (see docs/partners.md)."""

    def to_representation(self, article: Article) -> dict:
        request = self.context.get("request")
        detail = self.context.get("detail", True)
        with_body = detail or "body" in (self.context.get("fields") or ())
        when = serializers.DateTimeField().to_representation
        item = {
            "uri": article_uri(article),
            "type": "text",
            "representationtype": "full" if with_body else "partial",
            "version": str(int(article.updated_at.timestamp())),
            "firstcreated": when(article.created_at),
            "versioncreated": when(article.updated_at),
            "pubstatus": "usable",
            "language": article.language,
            "headlines": [{"role": "main", "value": article.headline}],
        }
        if article.dek:
            item["descriptions"] = [{"role": "summary", "value": article.dek}]
        if with_body and article.body:
            text = html_to_text(article.body)
            counts = {"charcount": len(text), "wordcount": len(text.split())}
            item["bodies"] = [
                {"role": "main", "contenttype": "text/html", "value": article.body}
                | counts,
                {"role": "main", "contenttype": "text/plain", "value": text} | counts,
            ]
        if article.byline:
            item["by"] = article.byline
        if article.dateline:
            item["located"] = article.dateline
        if article.source_name or article.source_url:
            source = {"role": "source"}
            if article.source_name:
                source["name"] = article.source_name
            if article.source_url:
                source["uri"] = article.source_url
            item["infosources"] = [source]
        if subjects := [
            self.subject(tag, request)
            for tag in sorted(article.tags.all(), key=lambda tag: tag.name)
        ]:
            item["subjects"] = subjects
        for link in article.entity_links.all():
            item.setdefault(NINJS_ENTITY_KEYS[link.tag.kind], []).append(
                self.entity(link)
            )
        if (related := self.context.get("related")) is not None and related:
            item["associations"] = [
                {
                    "name": f"related{n}",
                    "uri": article_uri(story),
                    "type": "text",
                    "headlines": [{"role": "main", "value": story.headline}],
                    "versioncreated": when(story.updated_at),
                }
                for n, story in enumerate(related, start=1)
            ]
        return item

    @staticmethod
    def subject(tag, request: Request | None) -> dict:
        subject = {"name": tag.name, "literal": tag.slug}
        if request is not None:
            path = django_reverse("articles:tag", kwargs={"slug": tag.slug})
            subject["uri"] = request.build_absolute_uri(path)
        return subject

    @staticmethod
    def entity(link: ArticleEntity) -> dict:
        entity = {
            "name": link.tag.name,
            "rel": link.relevance,
            "literal": link.tag.slug,
        }
        if link.tag.wikidata_id:
            entity["uri"] = f"http://www.wikidata.org/entity/{link.tag.wikidata_id}"
        return entity


NINJS_ENTITY_KEYS = {
    Entity.Kind.PERSON: "people",
    Entity.Kind.ORGANIZATION: "organisations",
    Entity.Kind.PLACE: "places",
    Entity.Kind.EVENT: "events",
    Entity.Kind.OTHER: "objects",
}


def _ninjs_openapi_schema() -> dict:
    """The part of ninjs 2.2 this API fills in, as an OpenAPI 3.0 schema."""
    string = {"type": "string"}
    uri = {"type": "string", "format": "uri"}
    time = {"type": "string", "format": "date-time"}

    def texts(*extra: str) -> dict:
        properties = {"role": string, "contenttype": string, "value": string}
        properties |= {name: {"type": "integer"} for name in extra}
        return {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["value"],
                "properties": properties,
            },
        }

    thing = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "name": string,
                "rel": {"type": "string", "enum": ArticleEntity.Relevance.values},
                "uri": {**uri, "description": "The Wikidata entity, when known."},
                "literal": {**string, "description": "The entity's slug in this API."},
            },
        },
    }
    return {
        "type": "object",
        "description": "An IPTC ninjs 2.2 news item "
        "(https://iptc.org/std/ninjs/). Send `Accept: application/ninjs+json` "
        "or `?format=ninjs`.",
        "required": [
            "uri",
            "type",
            "representationtype",
            "version",
            "firstcreated",
            "versioncreated",
            "pubstatus",
            "language",
            "headlines",
        ],
        "properties": {
            "uri": {**string, "description": "urn:newsroom:article:<id>"},
            "type": {"type": "string", "enum": ["text"]},
            "representationtype": {"type": "string", "enum": ["full", "partial"]},
            "version": string,
            "firstcreated": time,
            "versioncreated": time,
            "pubstatus": {"type": "string", "enum": ["usable"]},
            "language": string,
            "headlines": texts(),
            "descriptions": texts(),
            "bodies": texts("charcount", "wordcount"),
            "by": string,
            "located": string,
            "infosources": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"role": string, "name": string, "uri": string},
                },
            },
            "subjects": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": string, "literal": string, "uri": uri},
                },
            },
            "people": thing,
            "organisations": thing,
            "places": thing,
            "events": thing,
            "objects": thing,
            "associations": {
                "type": "array",
                "description": "Related stories (detail only).",
                "items": {
                    "type": "object",
                    "required": ["name", "uri"],
                    "properties": {
                        "name": string,
                        "uri": string,
                        "type": string,
                        "headlines": texts(),
                        "versioncreated": time,
                    },
                },
            },
        },
    }


class NinjsSchema(OpenApiSerializerExtension):
    target_class = NinjsSerializer

    def map_serializer(self, auto_schema, direction) -> dict:
        return _ninjs_openapi_schema()

    def get_name(self, auto_schema, direction) -> str:
        return "Ninjs"


class ArticleSchema(OpenApiSerializerExtension):
    """Only `id` is sure to be present: `fields=` and `expand=` choose the rest."""

    target_class = ArticleSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction) -> dict:
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["required"] = ["id"]
        return schema
