"""The edit form of the video studio: shape only; rules are the service's."""

from __future__ import annotations

from django import forms
from django.contrib.postgres.forms import SimpleArrayField

from content.models import Video

# The model's labels are for operators ("Public from publish_at"); these are for creators.
VISIBILITY_CHOICES = [
    (Video.Visibility.PUBLIC, "Public"),
    (Video.Visibility.UNLISTED, "Unlisted: anyone with the link"),
    (Video.Visibility.PRIVATE, "Private: only you"),
    (Video.Visibility.SUBSCRIBERS, "Subscribers only"),
    (Video.Visibility.SCHEDULED, "Scheduled: public from the publish time"),
]


class VideoEditForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    tags = SimpleArrayField(forms.CharField(max_length=50), required=False, help_text="Separate tags with commas.")
    visibility = forms.ChoiceField(choices=VISIBILITY_CHOICES)
    publish_at = forms.DateTimeField(
        required=False,
        label="Publish time (UTC)",
        help_text="For a scheduled video: when it becomes public.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    geo_allow = SimpleArrayField(
        forms.RegexField(r"^[A-Z]{2}$"),
        required=False,
        label="Only in these countries",
        help_text="Two-letter country codes, comma-separated (FR,BE). Leave empty for everywhere.",
    )
    geo_deny = SimpleArrayField(
        forms.RegexField(r"^[A-Z]{2}$"),
        required=False,
        label="Everywhere except",
        help_text="Two-letter country codes, comma-separated (DE).",
    )
    monetized = forms.BooleanField(required=False, label="Show ads on this video")
    midroll_offsets = SimpleArrayField(
        forms.IntegerField(min_value=1),
        required=False,
        label="Mid-roll ad breaks",
        help_text="Seconds into the video, comma-separated (30,90).",
    )
    minimum_tier = forms.IntegerField(
        min_value=1, max_value=100, required=False, label="Minimum membership tier",
        help_text="For subscribers-only videos: the lowest tier level that may watch.",
    )  # fmt: skip

    @classmethod
    def for_video(cls, video: Video, data=None) -> VideoEditForm:
        initial = {name: getattr(video, name) for name in cls.base_fields}
        return cls(data=data, initial=initial)


class PosterForm(forms.Form):
    frame = forms.IntegerField(min_value=0, error_messages={"required": "Choose one of the thumbnails."})
