"""The picture library: originals with their credits and rights, and the
renditions made from them once, for pages to pick from."""

from __future__ import annotations

import datetime
import secrets
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

# The stored original's extension for each format Newsroom accepts.
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
ALT_TEXT_MAX = 500
# A picture used in a story this recently is flagged before it is used again.
RECENT_USE_DAYS = 7


def random_name(extension: str, folder: str = "images") -> str:
    """A file name nobody can guess: the library's files are public to anyone
    holding their address, so the address itself must not be findable."""
    return f"{folder}/{secrets.token_urlsafe(18)}.{extension}"


def original_upload_to(instance: Image, filename: str) -> str:
    return random_name(PurePosixPath(filename).suffix.lstrip(".").lower() or "bin")


def rendition_upload_to(instance: Rendition, filename: str) -> str:
    return random_name(
        PurePosixPath(filename).suffix.lstrip(".").lower(), "images/renditions"
    )


class TaggedImage(TaggedItemBase):
    """A picture's library tag (for finding it again, never shown to readers)."""

    content_object = models.ForeignKey(
        "images.Image", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        verbose_name = "picture tag"


class ImageQuerySet(models.QuerySet):
    def with_renditions(self) -> ImageQuerySet:
        return self.prefetch_related("renditions")


class Image(models.Model):
    """A picture in the library: the original as uploaded (re-encoded, its
    camera metadata removed), with the credit, caption and rights that go with
    it wherever it is used."""

    file = models.FileField(upload_to=original_upload_to, max_length=255)
    alt_text = models.CharField(
        "alt text",
        max_length=ALT_TEXT_MAX,
        blank=True,
        help_text="What the picture shows, for readers who cannot see it. "
        "Needed before a story using the picture is published.",
    )
    caption = models.TextField(blank=True)
    credit = models.CharField(
        max_length=200, blank=True, help_text="Photographer and/or agency."
    )
    copyright = models.CharField(max_length=200, blank=True)
    usage_terms = models.CharField(
        "usage terms",
        max_length=300,
        blank=True,
        help_text="Such as “Editorial use only”.",
    )
    licence_expires_on = models.DateField(
        "licence expires",
        null=True,
        blank=True,
        help_text="The last day the picture may be used; empty if it has no end.",
    )
    source = models.CharField(
        max_length=300, blank=True, help_text="Where it came from (agency, URL)."
    )
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    focal_x = models.FloatField(
        "focal point across",
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="0 is the left edge, 1 the right. Click the picture to set it.",
    )
    focal_y = models.FloatField(
        "focal point down",
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="0 is the top edge, 1 the bottom.",
    )
    tags = TaggableManager(through=TaggedImage, related_name="images", blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        verbose_name = "picture"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(focal_x__gte=0, focal_x__lte=1)
                & models.Q(focal_y__gte=0, focal_y__lte=1),
                name="image_focal_point_inside",
                violation_error_message="The focal point must lie on the picture.",
            )
        ]

    def __str__(self) -> str:
        text = self.caption or self.alt_text or self.credit
        label = (text[:60] + "…") if len(text) > 60 else text
        return label or f"Picture {self.pk}"

    @property
    def licence_expired(self) -> bool:
        return (
            self.licence_expires_on is not None
            and self.licence_expires_on < timezone.localdate()
        )

    def usages(self) -> list[models.Model]:
        """Everything that points at this picture (stories, authors...), found
        through the models' own relations, so this app names none of them."""
        found = []
        for relation in self._meta.related_objects:
            if relation.related_model in (Rendition, TaggedImage) or not (
                relation.one_to_many or relation.one_to_one
            ):
                continue
            manager = relation.related_model._default_manager
            found.extend(manager.filter(**{relation.field.name: self}))
        return found

    def recent_usages(self, now: datetime.datetime | None = None) -> list:
        """Usages that put the picture before readers in the last
        RECENT_USE_DAYS days. A model tells when it did through an
        `image_used_at` attribute (a story: its go-live time)."""
        since = (now or timezone.now()) - datetime.timedelta(days=RECENT_USE_DAYS)
        return [
            used
            for used in self.usages()
            if (when := getattr(used, "image_used_at", None)) and when >= since
        ]

    def renditions_for(self, ratio: str) -> list[Rendition]:
        """The stored renditions of one ratio, narrowest first (from the
        prefetched renditions: call on an image loaded `with_renditions`, or
        through a prefetch of `renditions`)."""
        return sorted(
            (r for r in self.renditions.all() if r.ratio == ratio),
            key=lambda r: (r.width, r.format),
        )

    def rendition(
        self, ratio: str, format: str = "jpeg", width: int = 1280
    ) -> Rendition | None:
        """The stored rendition of `ratio` and `format` nearest `width`: the
        narrowest at least that wide, else the widest there is; None if none
        is made yet."""
        found = [r for r in self.renditions_for(ratio) if r.format == format]
        wide_enough = [r for r in found if r.width >= width]
        if wide_enough:
            return wide_enough[0]
        return found[-1] if found else None


class Rendition(models.Model):
    """A resized (and for a fixed ratio, cropped) copy of a picture, made once
    by the task worker; pages only ever link to stored renditions."""

    class Ratio(models.TextChoices):
        ORIGINAL = "original", "Original"
        WIDE = "16:9", "16:9"
        STANDARD = "4:3", "4:3"
        SQUARE = "1:1", "1:1"

    class Format(models.TextChoices):
        AVIF = "avif", "AVIF"
        WEBP = "webp", "WebP"
        JPEG = "jpeg", "JPEG"

    image = models.ForeignKey(
        Image, on_delete=models.CASCADE, related_name="renditions"
    )
    ratio = models.CharField(max_length=16, choices=Ratio)
    format = models.CharField(max_length=8, choices=Format)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    file = models.FileField(upload_to=rendition_upload_to, max_length=255)
    # Its file's length in bytes, kept so that a feed's enclosures never ask
    # the storage (a request each on object storage).
    file_size = models.PositiveIntegerField("size in bytes", default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["image", "ratio", "width", "format"]
        constraints = [
            models.UniqueConstraint(
                fields=["image", "ratio", "width", "format"], name="rendition_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.image_id} {self.ratio} {self.width}w {self.format}"

    @property
    def mime_type(self) -> str:
        return f"image/{self.format}"

    @property
    def url(self) -> str:
        return self.file.url

    @property
    def size(self) -> int:
        """Its file's length in bytes (asking the storage only for a rendition
        stored before sizes were kept)."""
        return self.file_size or self.file.size
