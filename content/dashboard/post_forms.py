"""Studio forms for posts: shape only (the services check the rules)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from content.models import Post


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type=file multiple>`` (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class _ImagesForm(forms.Form):
    images = MultipleFileField(required=False, help_text="Up to 4 JPEG, PNG, WebP or GIF images.")
    alt_text_1 = forms.CharField(required=False, max_length=1500, label="Alt text, image 1")
    alt_text_2 = forms.CharField(required=False, max_length=1500, label="Alt text, image 2")
    alt_text_3 = forms.CharField(required=False, max_length=1500, label="Alt text, image 3")
    alt_text_4 = forms.CharField(required=False, max_length=1500, label="Alt text, image 4")

    def alt_texts(self) -> list[str]:
        return [self.cleaned_data[f"alt_text_{i}"] for i in range(1, 5)]


IMAGE_FIELDS = ["images", "alt_text_1", "alt_text_2", "alt_text_3", "alt_text_4", "sensitive"]


class PostComposeForm(_ImagesForm):
    field_order = ["text", "visibility", "minimum_tier", "content_warning", *IMAGE_FIELDS]

    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}), strip=False)
    visibility = forms.ChoiceField(choices=Post.Visibility.choices, initial=Post.Visibility.PUBLIC)
    minimum_tier = forms.IntegerField(
        min_value=1, max_value=100, required=False, label="Members only: minimum tier",
        help_text="Leave empty for everyone; else the lowest tier level whose members may read the post.",
    )  # fmt: skip
    content_warning = forms.CharField(required=False, max_length=200)
    sensitive = forms.BooleanField(required=False, label="The images are sensitive")
    poll_option_1 = forms.CharField(required=False, max_length=100, label="Poll option 1")
    poll_option_2 = forms.CharField(required=False, max_length=100, label="Poll option 2")
    poll_option_3 = forms.CharField(required=False, max_length=100, label="Poll option 3")
    poll_option_4 = forms.CharField(required=False, max_length=100, label="Poll option 4")
    poll_multiple_choice = forms.BooleanField(required=False, label="Several choices allowed")
    poll_ends_at = forms.DateTimeField(
        required=False,
        label="Poll ends at (UTC)",
        help_text="A day from now unless you change it.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A poll runs for a day by default (a sensible default beats an empty box).
        self.fields["poll_ends_at"].initial = (timezone.now() + dt.timedelta(days=1)).replace(second=0, microsecond=0)

    def poll_options(self) -> list[str]:
        return [value for i in range(1, 5) if (value := self.cleaned_data[f"poll_option_{i}"].strip())]

    def clean(self):
        cleaned = super().clean()
        if self.poll_options() and not cleaned.get("poll_ends_at"):
            self.add_error("poll_ends_at", "A poll needs an end time.")
        return cleaned


class PostEditForm(_ImagesForm):
    field_order = ["text", "minimum_tier", "content_warning", *IMAGE_FIELDS, "remove_images"]

    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}), strip=False)
    minimum_tier = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Who may read it",
        help_text="Members only: members of this tier and the tiers above. Changeable at any time.",
    )  # fmt: skip
    content_warning = forms.CharField(required=False, max_length=200)
    sensitive = forms.BooleanField(required=False, label="The images are sensitive")
    remove_images = forms.BooleanField(required=False, label="Remove the images")

    def __init__(self, *args, tiers=(), current_tier: int | None = None, **kwargs):
        """``tiers``: the author's unarchived tiers; ``current_tier``: the post's setting, offered
        even when its tier is gone or archived (kept as it is unless changed)."""
        super().__init__(*args, **kwargs)
        choices = [("", "Everyone")] + [(str(t.position), f"{t.name} members and above") for t in tiers]
        if current_tier is not None and str(current_tier) not in dict(choices):
            choices.append((str(current_tier), f"Tier level {current_tier} (no current tier: choose another)"))
        self.fields["minimum_tier"].choices = choices
