from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connection, models
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

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
