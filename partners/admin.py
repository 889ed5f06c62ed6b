from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from articles.models import Article
from newsroom.admin import CleanTextAdmin
from newsroom.forms import CleanTextForm
from partners import webhooks
from partners.models import (
    DailyUsage,
    Embargo,
    Event,
    Partner,
    PartnerAPIKey,
    PartnerGroup,
    WebhookDelivery,
    WebhookEndpoint,
    entitled_partner_ids,
)
from partners.services import check_embargo, embargo_changed
from related.admin import ArticleAdmin as RelatedArticleAdmin

# The library's own key model is not used: every key belongs to a partner.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)

USAGE_DAYS = 30


class PartnerAPIKeyInline(CleanTextAdmin, admin.TabularInline):
    model = PartnerAPIKey
    fields = ["prefix", "name", "created", "expiry_date", "revoked"]
    readonly_fields = ["prefix", "name", "created", "expiry_date", "revoked"]
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "API keys (add one with “Add API key” above)"

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        # The secret is shown once, on the key's own add page.
        return False


class DailyUsageInline(CleanTextAdmin, admin.TabularInline):
    model = DailyUsage
    fields = ["day", "requests"]
    readonly_fields = ["day", "requests"]
    extra = 0
    can_delete = False
    max_num = 0
    verbose_name_plural = f"requests per day (last {USAGE_DAYS} days)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[DailyUsage]:
        since = timezone.localdate() - datetime.timedelta(days=USAGE_DAYS - 1)
        return super().get_queryset(request).filter(day__gte=since)


class WebhookEndpointForm(CleanTextForm):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text=WebhookEndpoint._meta.get_field("url").help_text,
    )
    events = forms.MultipleChoiceField(
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=Event.values,
        help_text="What this endpoint is told about.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "events", "active"]


def _show_secret(request: HttpRequest, endpoint: WebhookEndpoint, made: str) -> None:
    messages.warning(
        request,
        f"Signing secret {made} for {endpoint.url}: {endpoint.secret} — give it to "
        f"{endpoint.partner} over a safe channel now; it is not shown again.",
    )


class WebhookEndpointInline(CleanTextAdmin, admin.StackedInline):
    model = WebhookEndpoint
    form = WebhookEndpointForm
    fields = ["url", "events", "active", "secret_hint", "delivery_log"]
    readonly_fields = ["secret_hint", "delivery_log"]
    extra = 0
    show_change_link = True
    verbose_name_plural = "webhook endpoints"

    @admin.display(description="secret")
    def secret_hint(self, endpoint: WebhookEndpoint) -> str:
        if not endpoint.pk:
            return "Made and shown once when you save."
        return f"{endpoint.secret_hint} (rotate it from the endpoint's list)"

    @admin.display(description="deliveries")
    def delivery_log(self, endpoint: WebhookEndpoint) -> str:
        if not endpoint.pk:
            return "–"
        url = reverse("admin:partners_webhookdelivery_changelist")
        return format_html(
            '<a href="{}?endpoint__id__exact={}">Delivery log</a>', url, endpoint.pk
        )


@admin.register(Partner)
class PartnerAdmin(CleanTextAdmin, admin.ModelAdmin):
    list_display = [
        "name",
        "active",
        "throttle_rate",
        "requests_today",
        "requests_last_30_days",
        "contact",
    ]
    list_filter = ["active"]
    list_editable = ["active", "throttle_rate"]
    search_fields = ["name", "contact"]
    readonly_fields = ["created_at", "add_key_link"]
    inlines = [PartnerAPIKeyInline, WebhookEndpointInline, DailyUsageInline]
    fieldsets = [
        (None, {"fields": ["name", "contact", "active", "add_key_link"]}),
        ("Limits", {"fields": ["throttle_rate"]}),
        (
            "Browsers",
            {
                "fields": ["allowed_origins"],
                "description": "Origins allowed here may call the API from web "
                "pages, within a minute of saving.",
            },
        ),
        ("History", {"fields": ["created_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Partner]:
        today = timezone.localdate()
        since = today - datetime.timedelta(days=USAGE_DAYS - 1)
        return (
            super()
            .get_queryset(request)
            .annotate(
                today_requests=Sum("usage__requests", filter=Q(usage__day=today)),
                recent_requests=Sum("usage__requests", filter=Q(usage__day__gte=since)),
            )
        )

    def save_formset(self, request, form, formset, change) -> None:
        new = formset.model is WebhookEndpoint
        super().save_formset(request, form, formset, change)
        if new:
            for endpoint in formset.new_objects:
                _show_secret(request, endpoint, "made")

    @admin.display(description="requests today", ordering="today_requests")
    def requests_today(self, partner: Partner) -> int:
        return partner.today_requests or 0

    @admin.display(
        description=f"requests, last {USAGE_DAYS} days", ordering="recent_requests"
    )
    def requests_last_30_days(self, partner: Partner) -> int:
        return partner.recent_requests or 0

    @admin.display(description="API keys")
    def add_key_link(self, partner: Partner) -> str:
        if not partner.pk:
            return "Save the partner first, then add a key."
        url = reverse("admin:partners_partnerapikey_add")
        return format_html('<a href="{}?partner={}">Add API key</a>', url, partner.pk)


@admin.register(PartnerAPIKey)
class PartnerAPIKeyAdmin(CleanTextAdmin, APIKeyModelAdmin):
    list_display = [
        "prefix",
        "name",
        "partner",
        "created",
        "expiry_date",
        "_has_expired",
        "revoked",
    ]
    list_filter = ["partner", "revoked", "created"]
    list_select_related = ["partner"]
    search_fields = ["name", "prefix", "partner__name"]
    autocomplete_fields = ["partner"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "partner") if obj is not None else fields

    def save_model(self, request, obj, form=None, change=False) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            messages.info(
                request,
                f"Give the key to {obj.partner} over a safe channel; they send it "
                "as “Authorization: Api-Key <key>”.",
            )


@admin.register(DailyUsage)
class DailyUsageAdmin(CleanTextAdmin, admin.ModelAdmin):
    list_display = ["day", "partner", "requests"]
    list_filter = ["partner"]
    list_select_related = ["partner"]
    date_hierarchy = "day"
    search_fields = ["partner__name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(CleanTextAdmin, admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "partner", "active", "event_list", "created_at"]
    list_filter = ["active", "partner"]
    list_select_related = ["partner"]
    search_fields = ["url", "partner__name"]
    autocomplete_fields = ["partner"]
    actions = ["rotate_secrets"]

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return ["partner", "url", "events", "active"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        return ("partner",) if obj is not None else ()

    def save_model(self, request, obj, form=None, change=False) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            _show_secret(request, obj, "made")

    @admin.display(description="events")
    def event_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events)

    @admin.action(description="Rotate the signing secret of the selected endpoints")
    def rotate_secrets(self, request: HttpRequest, queryset) -> None:
        for endpoint in queryset.select_related("partner"):
            endpoint.rotate_secret()
            _show_secret(request, endpoint, "rotated")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(CleanTextAdmin, admin.ModelAdmin):
    """The delivery log: read-only, with "Resend" for the story as it is now."""

    list_display = [
        "created_at",
        "event",
        "article_id",
        "partner",
        "endpoint_url",
        "status",
        "attempts",
        "response_code",
        "last_attempt_at",
        "next_attempt_at",
    ]
    list_filter = ["status", "event", "endpoint__partner", "endpoint"]
    list_select_related = ["endpoint__partner"]
    search_fields = ["=article_id", "endpoint__url", "endpoint__partner__name"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = [
        "endpoint",
        "event",
        "event_id",
        "article_id",
        "sequence",
        "status",
        "attempts",
        "response_code",
        "last_error",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "payload",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="partner", ordering="endpoint__partner__name")
    def partner(self, delivery: WebhookDelivery) -> str:
        return str(delivery.endpoint.partner)

    @admin.display(description="endpoint", ordering="endpoint__url")
    def endpoint_url(self, delivery: WebhookDelivery) -> str:
        return delivery.endpoint.url

    @admin.display(description="sequence")
    def sequence(self, delivery: WebhookDelivery) -> int:
        return delivery.sequence

    @admin.action(
        description="Resend the selected stories' current state",
        permissions=["view"],
    )
    def resend(self, request: HttpRequest, queryset) -> None:
        latest = {}
        for delivery in queryset.select_related("endpoint").order_by("pk"):
            latest[delivery.endpoint_id, delivery.article_id] = delivery
        for delivery in latest.values():
            webhooks.resend(delivery=delivery)
        messages.success(
            request,
            f"Queued {len(latest)} fresh deliver{'y' if len(latest) == 1 else 'ies'} "
            "of the stories as they are now.",
        )


@admin.register(PartnerGroup)
class PartnerGroupAdmin(CleanTextAdmin, admin.ModelAdmin):
    list_display = ["name", "partner_count"]
    search_fields = ["name", "partners__name"]
    filter_horizontal = ["partners"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PartnerGroup]:
        return super().get_queryset(request).annotate(Count("partners"))

    @admin.display(description="partners", ordering="partners__count")
    def partner_count(self, group: PartnerGroup) -> int:
        return group.partners__count


class EmbargoForm(CleanTextForm):
    class Meta:
        model = Embargo
        fields = ["partners", "groups"]

    def clean(self) -> dict:
        data = super().clean()
        chosen = data.get("partners") or data.get("groups")
        # An embargo kept as it was (one lifted long ago) needs no check.
        if chosen and self.has_changed():
            try:
                check_embargo(article=self.instance.article)
            except ValidationError as error:
                raise ValidationError({"partners": error.messages}) from None
        return data


class EmbargoFormSet(BaseInlineFormSet):
    """Saves the story's embargo, then tells the partners it now grants, or
    no longer grants, the story (`partners.services.embargo_changed`)."""

    by = None  # the editor saving, set by EmbargoInline.get_formset

    def save(self, commit: bool = True):
        before = entitled_partner_ids(self.instance.pk)
        saved = super().save(commit)
        embargo_changed(article=self.instance, before=before, by=self.by)
        return saved


class EmbargoInline(CleanTextAdmin, admin.StackedInline):
    """The story form's "Embargo" panel: partners who get it before readers."""

    model = Embargo
    form = EmbargoForm
    formset = EmbargoFormSet
    fields = ["partners", "groups"]
    autocomplete_fields = ["partners", "groups"]
    max_num = 1
    extra = 1
    verbose_name = "embargo: partners who get the story before its go-live time"
    verbose_name_plural = verbose_name

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"by": request.user})


admin.site.unregister(Article)


@admin.register(Article)
class ArticleAdmin(RelatedArticleAdmin):
    """The story form with its embargo panel: the story admin grows by
    subclassing, app by app (articles, entities, related, partners), each
    above the last, so articles never imports partners."""

    inlines = [*RelatedArticleAdmin.inlines, EmbargoInline]
