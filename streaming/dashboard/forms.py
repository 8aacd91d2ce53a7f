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
        label="Scheduled for (UTC)",
        help_text="Leave empty to go live whenever you start your encoder.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    record = forms.BooleanField(required=False, label="Keep a recording", help_text="Saved as a video when it ends.")
    chat_enabled = forms.BooleanField(required=False, initial=True, label="Chat on")
    slow_mode_seconds = forms.IntegerField(
        min_value=0, max_value=3600, initial=0, label="Slow mode (seconds)",
        help_text="How long each viewer waits between two messages; 0 for off.",
    )  # fmt: skip

    @classmethod
    def for_stream(cls, stream: LiveStream, data=None) -> StreamForm:
        """The form with the stream's values; the time and the recording are fixed once it is live."""
        form = cls(data=data, initial={name: getattr(stream, name) for name in cls.base_fields})
        if stream.status != LiveStream.Status.SCHEDULED:
            for name in ("scheduled_at", "record"):
                form.fields[name].disabled = True
                form.fields[name].help_text = "Set before the stream starts."
        return form
