from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import quote

from django.db import models
from django.urls import reverse as django_reverse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.reverse import reverse
from taggit.models import Tag

from articles.api.pictures import (
    load_pictures,
    picture_association,
    picture_json,
)
from articles.bylines import byline_of
from articles.html import html_to_text
from articles.models import (
    Article,
    ArticleAuthor,
    ArticleEntity,
    Correction,
    DeletedArticle,
    Section,
    TaggedArticle,
    Thread,
)
from articles.ninjs import NINJS_31_SCHEMA, entity_key, to_ninjs3
from entities.models import Entity, wikidata_entity_uri
from newsroom.api.fields import (
    LINK_PLACEHOLDER,
    DateTimeField,
    LinkField,
    api_link,
    filtered_list_link,
)
from newsroom.api.filters import comma_list

# Fields a list leaves out unless asked for with ?expand=.
EXPANDABLE = ("body",)


def web_link(context: dict, article: Article) -> str:
    """`article.get_absolute_url()`, reversed once per day of a page rather than
    once per story: the site address holds the story's date and slug."""
    day = timezone.localdate(article.go_live_at or article.created_at)
    templates = context.setdefault("web_templates", {})
    if (template := templates.get(day)) is None:
        stand_in = Article(
            slug=LINK_PLACEHOLDER,
            go_live_at=article.go_live_at,
            created_at=article.created_at,
        )
        template = templates[day] = stand_in.get_absolute_url()
    path = template.replace(LINK_PLACEHOLDER, quote(article.slug, safe=""))
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


def article_uri(article: Article) -> str:
    """The story's permanent name, whatever its slug or date become."""
    return f"urn:newsroom:article:{article.pk}"


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


class EntityLink(NamedTuple):
    """An entity as tagged on a story, read as a plain row."""

    entity_id: int
    name: str
    slug: str
    kind: str
    wikidata_id: str
    relevance: str


class TagLink(NamedTuple):
    name: str
    slug: str


class AuthorCredit(NamedTuple):
    """An author as credited on a story, read as a plain row."""

    name: str
    slug: str
    role: str


class CorrectionNote(NamedTuple):
    """A correction as shown on its story, read as a plain row."""

    kind: str
    text: str
    published_at: datetime.datetime


def load_relations(articles: Iterable[Article]) -> None:
    """Give each story of a page its `entity_list`, `tag_list`, `author_list`
    and `correction_list`: three queries for the whole page, read as plain
    rows, because building model instances for a page's links would cost more
    than the rest of the page, and a fourth when a story of the page has
    corrections."""
    by_id = {article.pk: article for article in articles}
    corrected = []
    for article in by_id.values():
        article.entity_list, article.tag_list, article.correction_list = [], [], []
        article.author_list = []
        if "corrected_at" in article.get_deferred_fields() or article.corrected_at:
            corrected.append(article.pk)
    if corrected:
        corrections = (
            Correction.objects.filter(article_id__in=corrected)
            .order_by("published_at", "pk")
            .values_list("article_id", "kind", "text", "published_at")
        )
        for article_id, *correction in corrections:
            by_id[article_id].correction_list.append(CorrectionNote(*correction))
    links = (
        ArticleEntity.objects.filter(content_object_id__in=by_id)
        .order_by("tag__kind", "tag__name", "tag_id")
        .values_list(
            "content_object_id",
            "tag_id",
            "tag__name",
            "tag__slug",
            "tag__kind",
            "tag__wikidata_id",
            "relevance",
        )
    )
    for article_id, *link in links:
        by_id[article_id].entity_list.append(EntityLink(*link))
    tags = (
        TaggedArticle.objects.filter(content_object_id__in=by_id)
        .order_by("tag__name", "tag_id")
        .values_list("content_object_id", "tag__name", "tag__slug")
    )
    for article_id, *tag in tags:
        by_id[article_id].tag_list.append(TagLink(*tag))
    authors = (
        ArticleAuthor.objects.filter(article_id__in=by_id)
        .order_by("position", "pk")
        .values_list("article_id", "author__name", "author__slug", "author__role")
    )
    for article_id, *author in authors:
        by_id[article_id].author_list.append(AuthorCredit(*author))
    # One more query when a story of the page has pictures.
    load_pictures(by_id.values())


class SectionSerializer(serializers.ModelSerializer):
    url = LinkField("api:section-detail", lookup_field="slug")
    articles_url = serializers.SerializerMethodField()

    class Meta:
        model = Section
        fields = ["url", "name", "slug", "description", "articles_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_articles_url(self, section: Section) -> str:
        return filtered_list_link(
            self.root.context, "api:article-list", section=section.slug
        )

    def to_representation(self, section: Section) -> dict:
        # Written out: it runs for every story of a page, and going field by
        # field through DRF costs more than the page's queries.
        return {
            "url": api_link(
                self.root.context, "api:section-detail", section.slug, "slug"
            ),
            "name": section.name,
            "slug": section.slug,
            "description": section.description,
            "articles_url": self.get_articles_url(section),
        }


class ThreadLinkSerializer(serializers.ModelSerializer):
    """The developing story a story belongs to, as named on the story."""

    url = LinkField("api:thread-detail", lookup_field="slug")

    class Meta:
        model = Thread
        fields = ["slug", "title", "url"]
        read_only_fields = fields

    def to_representation(self, thread: Thread) -> dict:
        # Written out like SectionSerializer's: it runs for every story of a page.
        return {
            "slug": thread.slug,
            "title": thread.title,
            "url": api_link(
                self.root.context, "api:thread-detail", thread.slug, "slug"
            ),
        }


class ArticleEntitySerializer(serializers.ModelSerializer):
    """An entity as tagged on one story, with whether the story is about it."""

    name = serializers.CharField(source="tag.name", read_only=True)
    slug = serializers.CharField(source="tag.slug", read_only=True)
    kind = serializers.ChoiceField(
        source="tag.kind", choices=Entity.Kind.choices, read_only=True
    )
    wikidata_id = serializers.CharField(source="tag.wikidata_id", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ArticleEntity
        fields = ["name", "slug", "kind", "relevance", "wikidata_id", "url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, link: EntityLink) -> str:
        return api_link(self.root.context, "api:entity-detail", link.slug, "slug")

    def to_representation(self, link: EntityLink) -> dict:
        # Written out like SectionSerializer's: several per story of a page.
        return {
            "name": link.name,
            "slug": link.slug,
            "kind": link.kind,
            "relevance": link.relevance,
            "wikidata_id": link.wikidata_id,
            "url": self.get_url(link),
        }


class CorrectionSerializer(serializers.ModelSerializer):
    """A dated correction or clarification to a story, oldest first."""

    published_at = DateTimeField(read_only=True)

    class Meta:
        model = Correction
        fields = ["kind", "text", "published_at"]
        read_only_fields = fields

    def to_representation(self, correction: CorrectionNote) -> dict:
        # Written out like SectionSerializer's: it runs for every story of a page.
        return {
            "kind": correction.kind,
            "text": correction.text,
            "published_at": self.fields["published_at"].to_representation(
                correction.published_at
            ),
        }


class ArticleAuthorSerializer(serializers.ModelSerializer):
    """An author credited on a story, in the byline's order."""

    name = serializers.CharField(source="author.name", read_only=True)
    slug = serializers.CharField(source="author.slug", read_only=True)
    role = serializers.CharField(source="author.role", read_only=True)
    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = ArticleAuthor
        fields = ["name", "slug", "role", "url", "web_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, author: AuthorCredit) -> str:
        return api_link(self.root.context, "api:author-detail", author.slug, "slug")

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, author: AuthorCredit) -> str:
        path = django_reverse("articles:author", kwargs={"slug": author.slug})
        request = self.root.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def to_representation(self, author: AuthorCredit) -> dict:
        # Written out like SectionSerializer's: several per story of a page.
        return {
            "name": author.name,
            "slug": author.slug,
            "role": author.role,
            "url": self.get_url(author),
            "web_url": self.get_web_url(author),
        }


_STRING = {"type": "string"}
PICTURES_SCHEMA = {
    "type": "array",
    "description": "Its pictures: the lead picture first, then those in its "
    "body, each with its stored renditions (a picture whose renditions are not "
    "made yet is left out).",
    "items": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "uri": _STRING,
            "role": {"type": "string", "enum": ["lead", "figure"]},
            "alt_text": _STRING,
            "caption": _STRING,
            "credit": _STRING,
            "copyright": _STRING,
            "usage_terms": _STRING,
            "width": {"type": "integer"},
            "height": {"type": "integer"},
            "renditions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "url": {"type": "string", "format": "uri"},
                        "ratio": {"type": "string", "enum": ["original", "16:9"]},
                        "width": {"type": "integer"},
                        "height": {"type": "integer"},
                        "mime_type": _STRING,
                    },
                },
            },
        },
    },
}


class ArticleSerializer(serializers.ModelSerializer):
    """A published story. Which fields are present depends on `fields=` and
    `expand=`; `id` always is."""

    url = LinkField("api:article-detail")
    uri = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    section = SectionSerializer(read_only=True, allow_null=True)
    entities = ArticleEntitySerializer(source="entity_list", many=True, read_only=True)
    authors = ArticleAuthorSerializer(
        source="author_list",
        many=True,
        read_only=True,
        help_text="Its authors in the byline's order; empty for agency copy, "
        "whose `byline` is free text.",
    )
    tags = serializers.SerializerMethodField()
    pictures = serializers.SerializerMethodField()
    thread = ThreadLinkSerializer(
        read_only=True,
        allow_null=True,
        help_text="The developing story it belongs to; null for most stories.",
    )
    published_at = DateTimeField(source="go_live_at", read_only=True)
    source_url = serializers.SerializerMethodField()
    corrections = CorrectionSerializer(
        source="correction_list", many=True, read_only=True
    )
    revised_at = DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When readers last saw the story change after its first "
        "publication: its headline, standfirst or body edited, or a correction "
        "added; null if neither. `updated_at` is any edit.",
    )

    embargoed_until = DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="Only for a partner granted the story early: the time it goes "
        "public, before which it must not be published. Null for a public story.",
    )

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
    }

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
        return web_link(self.root.context, article)

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
        return [tag.name for tag in article.tag_list]

    @extend_schema_field(PICTURES_SCHEMA)
    def get_pictures(self, article: Article) -> list[dict]:
        request = self.root.context.get("request")
        return [picture_json(picture, request) for picture in article.picture_list]

    def to_representation(self, article: Article) -> dict:
        # Written out for the fields every story has: a page of 100 stories runs
        # this 100 times, and DRF's generic walk through each field's source
        # costs more than the page's queries. Subclasses' extra fields take the
        # generic way.
        fields = self.fields
        data = {}
        for name, field in fields.items():
            value = _FAST_FIELDS.get(name)
            if value is not None:
                data[name] = value(field, article)
                continue
            attribute = field.get_attribute(article)
            data[name] = (
                None if attribute is None else field.to_representation(attribute)
            )
        return data


def _nullable(field, value):
    return None if value is None else field.to_representation(value)


_FAST_FIELDS = {
    "id": lambda field, article: article.pk,
    "uri": lambda field, article: article_uri(article),
    "url": lambda field, article: field.to_representation(article),
    "web_url": lambda field, article: web_link(field.root.context, article),
    "headline": lambda field, article: article.headline,
    "slug": lambda field, article: article.slug,
    "dek": lambda field, article: article.dek,
    "body": lambda field, article: article.body,
    "byline": lambda field, article: article.byline,
    "authors": lambda field, article: field.to_representation(article.author_list),
    "dateline": lambda field, article: article.dateline,
    "language": lambda field, article: article.language,
    "section": lambda field, article: _nullable(field, article.section),
    "entities": lambda field, article: field.to_representation(article.entity_list),
    "tags": lambda field, article: [tag.name for tag in article.tag_list],
    "pictures": lambda field, article: [
        picture_json(picture, field.root.context.get("request"))
        for picture in article.picture_list
    ],
    "thread": lambda field, article: _nullable(field, article.thread),
    "source_name": lambda field, article: article.source_name,
    "source_url": lambda field, article: article.source_url or None,
    "published_at": lambda field, article: _nullable(field, article.go_live_at),
    "first_published_at": lambda field, article: _nullable(
        field, article.first_published_at
    ),
    "last_published_at": lambda field, article: _nullable(
        field, article.last_published_at
    ),
    "revised_at": lambda field, article: _nullable(field, article.revised_at),
    "updated_at": lambda field, article: _nullable(field, article.updated_at),
    "corrections": lambda field, article: field.to_representation(
        article.correction_list
    ),
    "embargoed_until": lambda field, article: _nullable(field, article.embargoed_until),
}


class TagSerializer(serializers.ModelSerializer):
    """A topic tag that at least one published story carries."""

    url = LinkField("api:tag-detail", lookup_field="slug")
    article_count = serializers.IntegerField(
        read_only=True, help_text="How many published stories carry it."
    )
    articles_url = serializers.SerializerMethodField()

    class Meta:
        model = Tag
        fields = ["url", "name", "slug", "article_count", "articles_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_articles_url(self, tag: Tag) -> str:
        return filtered_list_link(self.root.context, "api:article-list", tag=tag.slug)


class ThreadStorySerializer(serializers.ModelSerializer):
    """A published story in a thread's timeline."""

    url = LinkField("api:article-detail")
    web_url = serializers.SerializerMethodField()
    published_at = DateTimeField(source="go_live_at", read_only=True)

    class Meta:
        model = Article
        fields = ["id", "url", "web_url", "headline", "published_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, article: Article) -> str:
        return web_link(self.root.context, article)


class ThreadSerializer(serializers.ModelSerializer):
    """A developing story that at least one published story belongs to."""

    url = LinkField("api:thread-detail", lookup_field="slug")
    web_url = serializers.SerializerMethodField()
    story_count = serializers.IntegerField(
        read_only=True, help_text="How many published stories it holds."
    )
    articles_url = serializers.SerializerMethodField()

    class Meta:
        model = Thread
        fields = [
            "url",
            "web_url",
            "title",
            "slug",
            "description",
            "story_count",
            "articles_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, thread: Thread) -> str:
        path = thread.get_absolute_url()
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(OpenApiTypes.URI)
    def get_articles_url(self, thread: Thread) -> str:
        return filtered_list_link(
            self.root.context, "api:article-list", thread=thread.slug
        )


class ThreadDetailSerializer(ThreadSerializer):
    """A thread with its published stories, oldest first."""

    stories = ThreadStorySerializer(
        source="timeline_stories", many=True, read_only=True
    )

    class Meta(ThreadSerializer.Meta):
        fields = [*ThreadSerializer.Meta.fields, "stories"]
        read_only_fields = fields


class ChangeSerializer(serializers.ModelSerializer):
    """One story's latest change for partners who mirror us: published (fetch
    it), withdrawn (take it down) or deleted (a `DeletedArticle` tombstone:
    take it down for good). Only a published story carries its address."""

    uri = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    time = DateTimeField(source="changed_at", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = ["id", "uri", "status", "time", "url"]
        read_only_fields = fields

    def get_uri(self, article: Article | DeletedArticle) -> str:
        if isinstance(article, DeletedArticle):
            return article.uri
        return article_uri(article)

    @extend_schema_field(
        {
            "type": "string",
            "enum": ["published", "withdrawn", "deleted"],
            "readOnly": True,
        }
    )
    def get_status(self, article: Article | DeletedArticle) -> str:
        if isinstance(article, DeletedArticle):
            return "deleted"
        return "published" if article.live else "withdrawn"

    @extend_schema_field(
        {
            "type": "string",
            "format": "uri",
            "nullable": True,
            "readOnly": True,
            "description": "The story in the API; null once withdrawn or deleted.",
        }
    )
    def get_url(self, article: Article | DeletedArticle) -> str | None:
        if isinstance(article, DeletedArticle) or not article.live:
            return None
        return reverse(
            "api:article-detail",
            kwargs={"pk": article.pk},
            request=self.context.get("request"),
        )


class NinjsSerializer(serializers.BaseSerializer):
    """A story as an IPTC ninjs 2.2 news item (see docs/partners.md), with the
    names in `articles.ninjs` that the importer reads back."""

    def to_representation(self, article: Article) -> dict:
        request = self.context.get("request")
        detail = self.context.get("detail", True)
        with_body = detail or "body" in (self.context.get("fields") or ())
        when = DateTimeField().to_representation
        item = {
            "uri": article_uri(article),
            "type": "text",
            "representationtype": "full" if with_body else "partial",
            "version": str(int(article.updated_at.timestamp())),
            # When readers could first see it: the news item did not exist for
            # anyone outside the newsroom before (a draft's age is not shown).
            "firstcreated": when(article.first_published_at or article.go_live_at),
            "versioncreated": when(article.updated_at),
            "pubstatus": "usable",
            "language": article.language,
            "headlines": [{"role": "main", "value": article.headline}],
        }
        if (until := article.embargoed_until) is not None:
            # Only a partner granted it early gets a story before this time.
            item["embargoed"] = when(until)
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
        if by := byline_of(author.name for author in article.author_list):
            item["by"] = by
        elif article.byline:
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
        if subjects := [self.subject(tag, request) for tag in article.tag_list]:
            item["subjects"] = subjects
        for link in article.entity_list:
            item.setdefault(entity_key(link.kind), []).append(self.entity(link))
        associations = [
            picture_association(picture, position, request)
            for position, picture in enumerate(article.picture_list, start=1)
        ]
        if (related := self.context.get("related")) is not None and related:
            associations += [
                {
                    "name": f"related{n}",
                    "uri": article_uri(story),
                    "type": "text",
                    "headlines": [{"role": "main", "value": story.headline}],
                    "versioncreated": when(story.updated_at),
                }
                for n, story in enumerate(related, start=1)
            ]
        if associations:
            item["associations"] = associations
        return item

    @staticmethod
    def subject(tag: TagLink, request: Request | None) -> dict:
        subject = {"name": tag.name, "literal": tag.slug}
        if request is not None:
            path = django_reverse("articles:tag", kwargs={"slug": tag.slug})
            subject["uri"] = request.build_absolute_uri(path)
        return subject

    @staticmethod
    def entity(link: EntityLink) -> dict:
        entity = {
            "name": link.name,
            "rel": link.relevance,
            "literal": link.slug,
        }
        if link.wikidata_id:
            entity["uri"] = wikidata_entity_uri(link.wikidata_id)
        return entity


class Ninjs31Serializer(NinjsSerializer):
    """A story as an IPTC ninjs 3.1 news item: the 2.2 item with its 3.x names
    (`articles.ninjs.NINJS_3_NAMES`) and the `standard` it conforms to."""

    def to_representation(self, article: Article) -> dict:
        return to_ninjs3(super().to_representation(article)) | {
            "standard": {"name": "ninjs", "version": "3.1", "schema": NINJS_31_SCHEMA}
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
                "description": "Its pictures (type picture, the lead picture "
                "first, named leadimage), then related stories (type text, "
                "detail only).",
                "items": {
                    "type": "object",
                    "required": ["name", "uri"],
                    "properties": {
                        "name": string,
                        "uri": string,
                        "type": {"type": "string", "enum": ["picture", "text"]},
                        "version": string,
                        "by": string,
                        "headlines": texts(),
                        "descriptions": texts(),
                        "copyrightnotice": string,
                        "usageterms": string,
                        "renditions": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "name": string,
                                    "href": uri,
                                    "contenttype": string,
                                    "width": {"type": "integer"},
                                    "height": {"type": "integer"},
                                },
                            },
                        },
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
