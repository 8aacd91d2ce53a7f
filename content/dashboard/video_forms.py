"""The edit form of the video studio: shape only; rules are the service's."""

from __future__ import annotations

from django import forms
from django.contrib.postgres.forms import SimpleArrayField

from content.models import Video


class VideoEditForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    tags = SimpleArrayField(forms.CharField(max_length=50), required=False, help_text="Comma-separated.")
    visibility = forms.ChoiceField(choices=Video.Visibility.choices)
    publish_at = forms.DateTimeField(
        required=False, help_text="UTC, for 'scheduled'.", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    geo_allow = SimpleArrayField(
        forms.RegexField(r"^[A-Z]{2}$"), required=False, help_text="Only these countries (FR,BE). Or:"
    )
    geo_deny = SimpleArrayField(forms.RegexField(r"^[A-Z]{2}$"), required=False, help_text="Everywhere but these (DE).")
    monetized = forms.BooleanField(required=False)
    midroll_offsets = SimpleArrayField(
        forms.IntegerField(min_value=1), required=False, help_text="Mid-roll ad breaks, seconds (30,90)."
    )
    minimum_tier = forms.IntegerField(min_value=1, max_value=100, required=False)

    @classmethod
    def for_video(cls, video: Video, data=None) -> VideoEditForm:
        initial = {name: getattr(video, name) for name in cls.base_fields}
        return cls(data=data, initial=initial)
