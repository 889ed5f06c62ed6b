from __future__ import annotations

import datetime
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connection, models
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from articles.models import Article
from partners.addresses import check_webhook_url

rate_validator = RegexValidator(
    r"^[1-9][0-9]{0,8}/(second|minute|hour|day)$",
    "A rate is a number of requests per second, minute, hour or day, e.g. 1000/hour.",
)


def validate_origin(value: str) -> None:
    """An origin is a scheme and a host, with a port if need be, and nothing else."""
    scheme, _, rest = value.partition("://")
    if scheme not in {"http", "https"} or not rest or "/" in rest or " " in rest:
        raise ValidationError(
            f"“{value}” is not an origin such as https://partner.example.org."
        )


class Partner(models.Model):
    """A publication or service that pulls our published stories through the API."""

    name = models.CharField(max_length=200, unique=True)
    contact = models.CharField(
        max_length=300,
        blank=True,
        help_text="Who to talk to about this partner's access: name, email, phone.",
    )
    active = models.BooleanField(
        default=True,
        help_text="Untick to suspend every key of this partner at once.",
    )
    throttle_rate = models.CharField(
        "rate limit",
        max_length=32,
        default="1000/hour",
        validators=[rate_validator],
        help_text="Requests allowed per second, minute, hour or day, "
        "e.g. 1000/hour. Over it the API answers 429 Too Many Requests.",
    )
    allowed_origins = models.TextField(
        blank=True,
        help_text="Web origins, one per line (e.g. https://partner.example.org), "
        "whose pages may call the API from a browser. Leave empty for "
        "server-to-server use.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = []
        for origin in self.origin_list:
            try:
                validate_origin(origin)
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError({"allowed_origins": errors})

    @property
    def origin_list(self) -> list[str]:
        return [
            line.strip().rstrip("/")
            for line in self.allowed_origins.splitlines()
            if line.strip()
        ]


class PartnerAPIKeyManager(BaseAPIKeyManager):
    def get_usable_keys(self) -> models.QuerySet[PartnerAPIKey]:
        return super().get_usable_keys().select_related("partner")


class PartnerAPIKey(AbstractAPIKey):
    """A secret a partner sends as `Authorization: Api-Key <key>`; stored hashed."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="api_keys"
    )

    objects = PartnerAPIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"

    def early_access_condition(self) -> models.Q:
        """The stories this key's partner may see before readers: those whose
        embargo grants it (the door articles.api.mixins.early_access opens)."""
        return early_access_for(self.partner_id)


class DailyUsageQuerySet(models.QuerySet):
    def record(self, partner_id: int, day: datetime.date | None = None) -> None:
        """Count one request for a partner, in a single statement.

        An UPSERT that PostgreSQL and SQLite both understand: the ORM can insert
        on conflict but not increment, and an UPDATE-then-INSERT would take
        several statements on the day's first request and race with others.
        """
        day = day or timezone.localdate()
        ops = connection.ops
        table = ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (partner_id, day, requests) VALUES (%s, %s, 1) "
                "ON CONFLICT (partner_id, day) "
                f"DO UPDATE SET requests = {table}.requests + 1",
                [partner_id, ops.adapt_datefield_value(day)],
            )


class DailyUsage(models.Model):
    """How many API requests a partner made on one day."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    requests = models.PositiveBigIntegerField(default=0)

    objects = DailyUsageQuerySet.as_manager()

    class Meta:
        verbose_name = "daily usage"
        verbose_name_plural = "daily usage"
        ordering = ["-day", "partner__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "day"], name="daily_usage_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} on {self.day}: {self.requests}"


class Event(models.TextChoices):
    """What a webhook tells a partner about a story."""

    PUBLISHED = "published", "Published (went live for readers)"
    UPDATED = "updated", "Updated (a new published revision or a correction)"
    WITHDRAWN = "withdrawn", "Withdrawn (taken off every public surface)"
    DELETED = "deleted", "Deleted (a story partners saw, deleted for good)"
    EMBARGO_LIFTED = "embargo_lifted", "Embargo lifted (an embargoed story went public)"


def all_events() -> list[str]:
    return list(Event.values)


def webhook_secret() -> str:
    """A new signing secret: 32 random bytes, as hex, prefixed for recognition."""
    return "whsec_" + secrets.token_hex(32)


class WebhookEndpoint(models.Model):
    """An address of a partner's that we call the moment a story changes."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(
        "URL",
        max_length=500,
        help_text="HTTPS only; it must answer 2xx itself (redirects are not "
        "followed) and resolve to a public address.",
    )
    events = models.JSONField(
        default=all_events,
        help_text="The story events this endpoint is told about.",
    )
    active = models.BooleanField(
        default=True, help_text="Untick to stop deliveries to this endpoint."
    )
    secret = models.CharField(
        max_length=100,
        default=webhook_secret,
        editable=False,
        help_text="Signs every delivery (Newsroom-Signature). Shown once, when "
        "made or rotated.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "webhook endpoint"
        ordering = ["partner__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "url"], name="webhook_endpoint_unique_url"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner}: {self.url}"

    def clean(self) -> None:
        errors = {}
        if self.url:
            try:
                check_webhook_url(self.url)
            except ValidationError as error:
                errors["url"] = error.messages
        unknown = [event for event in self.events or [] if event not in Event.values]
        if unknown or not self.events:
            errors["events"] = [
                f"Choose one or more of {', '.join(Event.values)}"
                + (f"; unknown: {', '.join(map(str, unknown))}." if unknown else ".")
            ]
        if errors:
            raise ValidationError(errors)

    @property
    def secret_hint(self) -> str:
        """Enough of the secret to tell which one a partner holds."""
        return f"{self.secret[:10]}…"

    def rotate_secret(self) -> str:
        """Give the endpoint a new secret, at once; return it (shown once)."""
        self.secret = webhook_secret()
        self.save(update_fields=["secret"])
        return self.secret


class WebhookDeliveryQuerySet(models.QuerySet):
    def due(self, now: datetime.datetime | None = None) -> WebhookDeliveryQuerySet:
        """Pending deliveries whose next attempt time has come."""
        return self.filter(
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at__lte=now or timezone.now(),
        )


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one endpoint, with its attempts."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed (gave up)"
        SUPERSEDED = "superseded", "Superseded (a newer one carries the story)"
        SKIPPED = "skipped", "Skipped (nothing to send)"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=20, choices=Event)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    article_id = models.BigIntegerField("story id", db_index=True)
    payload = models.JSONField(
        null=True, blank=True, help_text="The body as last sent, made at send time."
    )
    status = models.CharField(
        max_length=16, choices=Status, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveIntegerField("last response code", null=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        ordering = ["-pk"]
        indexes = [
            models.Index(
                fields=["endpoint", "article_id", "-id"], name="webhook_story_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display().split(' (')[0]} of story {self.article_id}"

    @property
    def sequence(self) -> int:
        """Grows with every delivery made: a partner applies a story's event
        only when its sequence is above the last one it applied for it."""
        return self.pk


class PartnerGroup(models.Model):
    """A named set of partners (e.g. "National wire clients") that an editor
    can give an embargoed story to at once."""

    name = models.CharField(max_length=200, unique=True)
    partners = models.ManyToManyField(Partner, related_name="groups", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EmbargoQuerySet(models.QuerySet):
    def granting(self, partner_id: int) -> EmbargoQuerySet:
        """Embargoes that name the partner, themselves or through a group."""
        return self.filter(
            models.Q(partners=partner_id) | models.Q(groups__partners=partner_id)
        )


class Embargo(models.Model):
    """The partners (and groups of partners) who get a scheduled story before
    readers, marked embargoed until its go-live time, which is the embargo
    time: moving the go-live time moves the embargo."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, related_name="embargo", verbose_name="story"
    )
    partners = models.ManyToManyField(
        Partner,
        related_name="embargoes",
        blank=True,
        help_text="Partners who see the story in the API, and get its webhook, "
        "at once; readers and other partners see it at its go-live time.",
    )
    groups = models.ManyToManyField(
        PartnerGroup,
        related_name="embargoes",
        blank=True,
        verbose_name="partner groups",
        help_text="Every partner of these groups gets it early too.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EmbargoQuerySet.as_manager()

    class Meta:
        verbose_name = "embargo"

    def __str__(self) -> str:
        return f"Embargo on story {self.article_id}"

    def partner_ids(self) -> set[int]:
        """Every partner the embargo grants, itself or through a group."""
        return entitled_partner_ids(self.article_id)


def early_access_for(partner_id: int) -> models.Q:
    """A condition on Article: the stories whose embargo grants the partner
    (for `Article.objects.visible_to`). A subquery, not a query."""
    return models.Q(pk__in=Embargo.objects.granting(partner_id).values("article_id"))


def entitled_partner_ids(article_id: int) -> set[int]:
    """The partners a story's embargo grants (none without one), in one query."""
    return set(
        Partner.objects.filter(
            models.Q(embargoes__article_id=article_id)
            | models.Q(groups__embargoes__article_id=article_id)
        ).values_list("pk", flat=True)
    )
