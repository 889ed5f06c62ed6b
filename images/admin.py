from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from images import services
from images.forms import ImageForm, ImageUploadForm
from images.models import Image, Rendition
from newsroom.admin import CleanTextAdmin


@admin.register(Image)
class ImageAdmin(CleanTextAdmin, admin.ModelAdmin):
    form = ImageForm
    list_display = ["thumbnail", "__str__", "credit", "licence", "created_at"]
    # The thumbnail is decorative (alt=""): the caption is the link.
    list_display_links = ["__str__"]
    list_filter = ["created_at", "licence_expires_on"]
    search_fields = ["caption", "credit", "alt_text", "tags__name"]
    readonly_fields = ["picture", "used_in", "size", "uploaded_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["picture", "focal_x", "focal_y"]}),
        ("For readers", {"fields": ["alt_text", "caption", "credit"]}),
        (
            "Rights",
            {"fields": ["copyright", "usage_terms", "licence_expires_on", "source"]},
        ),
        (
            "Library",
            {"fields": ["tags", "used_in", "size", "uploaded_by", "created_at"]},
        ),
    ]

    class Media:
        css = {"all": ["images/admin.css"]}
        js = ["images/focal_point.js"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        squares = Rendition.objects.filter(ratio=Rendition.Ratio.SQUARE)
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("renditions", queryset=squares))
        )

    @admin.display(description="picture")
    def thumbnail(self, image: Image) -> str:
        squares = [r for r in image.renditions.all() if r.ratio == "1:1"]
        smallest = min(
            squares, key=lambda r: (r.width, r.format != "jpeg"), default=None
        )
        return render_to_string(
            "admin/images/image/thumbnail.html",
            {"image": image, "rendition": smallest},
        )

    @admin.display(description="licence")
    def licence(self, image: Image) -> str:
        if image.licence_expires_on is None:
            return image.usage_terms or "—"
        state = "expired" if image.licence_expired else "until"
        return f"{state} {image.licence_expires_on:%Y-%m-%d}"

    @admin.display(description="picture")
    def picture(self, image: Image) -> str:
        return render_to_string("admin/images/image/focal_point.html", {"image": image})

    @admin.display(description="original size")
    def size(self, image: Image) -> str:
        return f"{image.width} × {image.height} px"

    @admin.display(description="used in")
    def used_in(self, image: Image) -> str:
        return render_to_string(
            "admin/images/image/used_in.html",
            {"usages": [_usage(used) for used in image.usages()]},
        )

    def add_view(self, request: HttpRequest, form_url="", extra_context=None):
        """Add one or many pictures at once: every file is checked, and none is
        added if any is refused (each refusal names its file)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImageUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                images = services.create_images(
                    files=form.cleaned_data["files"],
                    uploaded_by=request.user,
                    tags=form.cleaned_data["tags"],
                    **form.shared_fields(),
                )
            except ValidationError as error:
                form.add_error("files", error)
            else:
                count = len(images)
                self.message_user(
                    request,
                    f"Added {count} picture{'' if count == 1 else 's'}; their "
                    "renditions are being made. Set each one's focal point by "
                    "clicking it.",
                    messages.SUCCESS,
                )
                if count == 1:
                    return redirect("admin:images_image_change", images[0].pk)
                return redirect("admin:images_image_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Add pictures",
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/images/image/upload.html", context)

    def change_view(
        self, request: HttpRequest, object_id, form_url="", extra_context=None
    ):
        image = self.get_object(request, object_id)
        if image is not None and request.method == "GET":
            for warning in _warnings(image):
                self.message_user(request, warning, messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj: Image, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if {"focal_x", "focal_y"} & set(form.changed_data):
            services.focal_point_moved(obj)

    def delete_view(
        self, request: HttpRequest, object_id, extra_context=None
    ) -> HttpResponse:
        # Django's confirmation page lists what protects a picture in use and
        # refuses; say why in words an editor uses.
        image = self.get_object(request, object_id)
        if image is not None and image.usages():
            self.message_user(
                request,
                "This picture is in use and cannot be deleted: replace it where "
                "it is used first.",
                messages.ERROR,
            )
        return super().delete_view(request, object_id, extra_context)


def _warnings(image: Image) -> list[str]:
    warnings = []
    if image.licence_expired:
        warnings.append(
            f"The licence of this picture expired on "
            f"{image.licence_expires_on:%Y-%m-%d}: do not use it again."
        )
    if recent := image.recent_usages():
        names = ", ".join(f"“{used}”" for used in recent)
        warnings.append(
            f"Used in the last 7 days, in {names}: readers may have just seen it."
        )
    return warnings


def _usage(used) -> dict:
    # A link row (a story's body figure) names what it links the picture to.
    used = getattr(used, "used_by", used)
    opts = used._meta
    try:
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[used.pk]
        )
    except NoReverseMatch:
        url = None
    when = getattr(used, "image_used_at", None)
    return {
        "kind": opts.verbose_name,
        "object": used,
        "url": url,
        "when": when,
        "recent": bool(when and (timezone.now() - when).days < 7),
    }
