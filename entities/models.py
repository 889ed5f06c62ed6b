from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from taggit.models import NaturalKeyManager, TagBase

from articles.choices import Relevance
from articles.models import Article
from newsroom.reversing import cached_reverse

# A Wikidata item ID: Q and a number without leading zeros, e.g. Q42. The one
# spelling of it; the validator, the database constraint, the gazetteer loader
# and the ninjs importer all use it.
WIKIDATA_ID_PATTERN = r"Q[1-9][0-9]*"
# Wikidata's linked-data URI (ninjs "uri") or its page URL, http or https.
_WIKIDATA_URI = re.compile(
    rf"^https?://(?:www\.)?wikidata\.org/(?:entity|wiki)/({WIKIDATA_ID_PATTERN})/?$"
)

wikidata_id_validator = RegexValidator(
    rf"^{WIKIDATA_ID_PATTERN}$", "A Wikidata ID is Q followed by digits, e.g. Q42."
)


def is_wikidata_id(value: str) -> bool:
    """Whether `value` is a Wikidata item ID such as Q42."""
    return re.fullmatch(WIKIDATA_ID_PATTERN, value) is not None


def wikidata_entity_uri(wikidata_id: str) -> str:
    """The linked-data URI of a Wikidata item, as ninjs and RDF name it."""
    return f"http://www.wikidata.org/entity/{wikidata_id}"


def wikidata_page_url(wikidata_id: str) -> str:
    """The address of a Wikidata item's page, for people to read."""
    return f"https://www.wikidata.org/wiki/{wikidata_id}"


def wikidata_id_from_uri(uri: str) -> str:
    """The item ID in a Wikidata entity URI or page URL, or "" for anything else."""
    match = _WIKIDATA_URI.match(uri)
    return match[1] if match else ""


class EntityQuerySet(models.QuerySet):
    def with_published_stories(self) -> EntityQuerySet:
        """Entities tagged on at least one published story. Any other is unknown
        to readers and partners: its name could give an embargoed story away.

        One EXISTS per entity, stopping at its first story; counting every
        entity's stories at once would read every link in the archive.
        """
        return self.filter(
            models.Exists(Article.objects.published().links_per_entity())
        )

    def matching(self, text: str) -> EntityQuerySet:
        """Entities whose name or one of whose aliases contains `text`, in any
        case: those named exactly `text` first, then by name. The readers'
        search shows them above its results."""
        text = text.strip()
        if not text:
            return self.none()

        # Aliases as one IN (SELECT ...) each, which PostgreSQL hashes once,
        # rather than an EXISTS per entity.
        def aliased(**lookup):
            return models.Q(pk__in=Alias.objects.filter(**lookup).values("entity"))

        exact = models.Q(name__iexact=text) | aliased(name__iexact=text)
        return (
            self.filter(models.Q(name__icontains=text) | aliased(name__icontains=text))
            .annotate(
                exact=models.ExpressionWrapper(
                    exact, output_field=models.BooleanField()
                )
            )
            .order_by("-exact", "name", "pk")
        )


class Entity(TagBase):
    """A person, organisation, place, event or other thing that stories are about."""

    class Kind(models.TextChoices):
        """What an entity is: the value is the word the API, data files and
        imports use (`organization`), the label what the site and the admin
        show ("Organisation"). docs/partners.md lists both (a test keeps it in
        step); never rename a value, it is stored and partners filter by it."""

        PERSON = "person", "Person"
        ORGANIZATION = "organization", "Organisation"
        PLACE = "place", "Place"
        EVENT = "event", "Event"
        OTHER = "other", "Other"

    # TagBase makes names unique across all tags; two entities of different kinds
    # may share a name (Georgia the place, Georgia the person).
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.OTHER)
    description = models.TextField(blank=True)
    wikidata_id = models.CharField(
        "Wikidata ID",
        max_length=20,
        blank=True,
        validators=[wikidata_id_validator],
        help_text="For example Q7747 for Vladimir Putin.",
    )
    always_confirm = models.BooleanField(
        default=False,
        help_text="Confirm this entity on a story as soon as it is detected, "
        "without waiting for an editor.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Taggit's manager, for natural keys, with the queryset's methods.
    objects = NaturalKeyManager.from_queryset(EntityQuerySet)()

    class Meta:
        verbose_name = "entity"
        verbose_name_plural = "entities"
        ordering = ["name"]
        indexes = [
            # The API's entity list pages through entities in this order, and
            # its Last-Modified is the newest edit: both read from index ends
            # rather than every entity.
            models.Index(fields=["name", "id"], name="entity_name_order"),
            models.Index(fields=["updated_at"], name="entity_updated_at"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="entity_unique_name"),
            models.UniqueConstraint(
                fields=["wikidata_id"],
                condition=~models.Q(wikidata_id=""),
                name="entity_unique_wikidata_id",
            ),
            models.CheckConstraint(
                condition=models.Q(wikidata_id="")
                | models.Q(wikidata_id__regex=rf"^{WIKIDATA_ID_PATTERN}$"),
                name="entity_wikidata_id_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        # Aliases carry their entity's kind so the database can keep them unique
        # per kind.
        self.aliases.exclude(kind=self.kind).update(kind=self.kind)

    def get_absolute_url(self) -> str:
        return cached_reverse("entities:detail", slug=self.slug)

    @property
    def wikidata_url(self) -> str:
        if not self.wikidata_id:
            return ""
        return wikidata_page_url(self.wikidata_id)


# How a list of entities of each kind is headed on the site.
KIND_PLURALS = {
    Entity.Kind.PERSON: "People",
    Entity.Kind.ORGANIZATION: "Organisations",
    Entity.Kind.PLACE: "Places",
    Entity.Kind.EVENT: "Events",
    Entity.Kind.OTHER: "Other",
}


class Alias(models.Model):
    """Another name a story may use for an entity ("Netanyahu", "UNSC")."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Entity.Kind, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "aliases"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "name"], name="alias_unique_per_kind"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.kind = self.entity.kind
        super().save(*args, **kwargs)

    def clean(self) -> None:
        try:
            # In the admin's inline the entity may be new and not saved yet.
            entity = self.entity
        except Alias.entity.RelatedObjectDoesNotExist:
            return
        self.kind = entity.kind
        clash = (
            Alias.objects.filter(kind=self.kind, name=self.name)
            .exclude(pk=self.pk)
            .select_related("entity")
            .first()
        )
        if clash is not None and clash.entity_id != entity.pk:
            raise ValidationError(
                {
                    "name": f"“{self.name}” is already an alias of "
                    f"“{clash.entity.name}”; it cannot also name "
                    f"“{entity.name}”."
                }
            )
        named = (
            Entity.objects.filter(kind=self.kind, name=self.name)
            .exclude(pk=entity.pk)
            .first()
        )
        if named is not None:
            raise ValidationError(
                {
                    "name": f"“{self.name}” is the name of “{named.name}” "
                    f"({named.get_kind_display().lower()}); it cannot also name "
                    f"“{entity.name}”."
                }
            )


class EntityRedirect(models.Model):
    """An old entity address that now points at the entity it was merged into."""

    old_slug = models.CharField(max_length=200, unique=True)
    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="redirects"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.old_slug} → {self.entity.slug}"


class Suggestion(models.Model):
    """An entity the matcher found in a story, waiting for an editor to decide."""

    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    class Field(models.TextChoices):
        HEADLINE = "headline", "Headline"
        DEK = "dek", "Standfirst"
        BODY = "body", "Body"

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="suggestions"
    )
    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="suggestions"
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.SUGGESTED)
    relevance = models.CharField(
        max_length=16, choices=Relevance, default=Relevance.MENTIONS
    )
    mention_count = models.PositiveIntegerField(default=1)
    first_field = models.CharField(max_length=16, choices=Field, default=Field.BODY)
    first_offset = models.PositiveIntegerField(default=0)
    alias = models.CharField(
        max_length=200, blank=True, help_text="The words the story used."
    )
    updated_at = models.DateTimeField(auto_now=True)

    # What detecting the entity again in the story may change.
    detection_fields = (
        "mention_count",
        "first_field",
        "first_offset",
        "relevance",
        "alias",
        "status",
    )

    class Meta:
        ordering = ["-mention_count", "entity__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "entity"], name="suggestion_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity} in {self.article} ({self.get_status_display()})"

    @property
    def awaits_editor(self) -> bool:
        """Neither confirmed nor rejected yet: detection may still confirm it."""
        return self.status == self.Status.SUGGESTED

    def record_finding(
        self,
        *,
        count: int,
        first_field: str,
        first_offset: int,
        relevance: str,
        alias: str,
    ) -> bool:
        """Keep what the matcher found (a `matcher.Detection`'s fields) without
        touching the status or saving; whether anything changed."""
        before = self._finding()
        self.mention_count = count
        self.first_field = first_field
        self.first_offset = first_offset
        self.relevance = relevance
        self.alias = alias[: self._meta.get_field("alias").max_length]
        return self._finding() != before

    def _finding(self) -> tuple:
        return (
            self.mention_count,
            self.first_field,
            self.first_offset,
            self.relevance,
            self.alias,
        )


class Candidate(models.Model):
    """A name the gazetteer does not know yet, offered to the editor as an entity."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="candidates"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(
        "guessed kind", max_length=16, choices=Entity.Kind, default=Entity.Kind.OTHER
    )
    mention_count = models.PositiveIntegerField(default=1)
    dismissed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-mention_count", "name"]
        constraints = [
            models.UniqueConstraint(fields=["article", "name"], name="candidate_unique")
        ]

    def __str__(self) -> str:
        return self.name
