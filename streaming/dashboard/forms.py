"""The stream form of the studio: shape only; rules are the service's."""

from __future__ import annotations

from django import forms
from django.contrib.postgres.forms import SimpleArrayField

from streaming.models import LiveStream


class StreamForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    tags = SimpleArrayField(forms.CharField(max_length=50), required=False, help_text="Comma-separated.")
    visibility = forms.ChoiceField(choices=LiveStream.Visibility.choices)
    scheduled_at = forms.DateTimeField(
        required=False,
        help_text="UTC. Empty: go live whenever you start publishing.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    record = forms.BooleanField(required=False, help_text="Keep the stream as a video when it ends.")
    chat_enabled = forms.BooleanField(required=False, initial=True)
    slow_mode_seconds = forms.IntegerField(min_value=0, max_value=3600, initial=0)
