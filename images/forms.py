from __future__ import annotations

from django import forms
from taggit.forms import TagField

from images.models import ALT_TEXT_MAX, Image
from newsroom.forms import CleanTextForm, MultipleFileField, MultipleFileInput


def alt_text_too_long(limit: int = ALT_TEXT_MAX) -> str:
    return (
        f"Alt text may be at most {limit} characters (this one has "
        "%(show_value)d): describe what the picture shows in a sentence or two, "
        "and put the rest in the caption."
    )


class ImageUploadForm(forms.Form):
    """The admin's "Add pictures" page: one or many files and what they share."""

    required_css_class = "required"

    files = MultipleFileField(
        help_text="JPEG, PNG, WebP or GIF; choose several files at once if you "
        "like. Each is checked, and none is added if any is refused.",
        widget=MultipleFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )
    alt_text = forms.CharField(
        label="Alt text",
        required=False,
        max_length=ALT_TEXT_MAX,
        error_messages={"max_length": alt_text_too_long()},
        help_text="What the picture shows, for readers who cannot see it; "
        "needed before a story using it is published. Given to every file.",
        widget=forms.TextInput(attrs={"size": 80}),
    )
    caption = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    credit = forms.CharField(required=False, max_length=200)
    copyright = forms.CharField(required=False, max_length=200)
    usage_terms = forms.CharField(label="Usage terms", required=False, max_length=300)
    licence_expires_on = forms.DateField(
        label="Licence expires",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    source = forms.CharField(required=False, max_length=300)
    tags = TagField(required=False, help_text="Comma-separated.")

    def shared_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("files")
        data.pop("tags")
        return data


class ImageForm(CleanTextForm):
    class Meta:
        model = Image
        fields = [
            "alt_text",
            "caption",
            "credit",
            "copyright",
            "usage_terms",
            "licence_expires_on",
            "source",
            "tags",
            "focal_x",
            "focal_y",
        ]
        error_messages = {"alt_text": {"max_length": alt_text_too_long()}}
        widgets = {
            "focal_x": forms.NumberInput(attrs={"step": "0.001", "min": 0, "max": 1}),
            "focal_y": forms.NumberInput(attrs={"step": "0.001", "min": 0, "max": 1}),
        }
