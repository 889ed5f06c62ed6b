from __future__ import annotations

import datetime

from django.contrib import admin, messages
from django.db.models import Q, QuerySet, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from newsroom.admin import CleanTextAdmin
from partners.models import DailyUsage, Partner, PartnerAPIKey

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
    inlines = [PartnerAPIKeyInline, DailyUsageInline]
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
