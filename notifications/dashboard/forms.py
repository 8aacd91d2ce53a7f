"""The studio's notification settings form: shape only (notifications.services checks the rules)."""

from __future__ import annotations

from django import forms

from notifications.kinds import SENDER_RULES
from notifications.models import NotificationSettings
from notifications.selectors import Preferences

SENDER_LABELS = {"everyone": "Everyone", "following": "People you follow", "mutuals": "Mutual follows",
                 "nobody": "Nobody"}  # fmt: skip
CHANNEL_LABELS = {"in_app": "In the app", "email": "Email", "push": "Push", "sms": "SMS"}


class QuietHoursForm(forms.Form):
    quiet_hours_start = forms.TimeField(required=False, label="Quiet hours from",
                                        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))  # fmt: skip
    quiet_hours_end = forms.TimeField(required=False, label="Quiet hours until",
                                      widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                                      help_text="In your time zone. Push and email wait until then; "
                                      "security alerts never wait. Leave both empty for none.")  # fmt: skip
    digest_frequency = forms.ChoiceField(choices=NotificationSettings.Digest.choices, label="Email digest")

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("quiet_hours_start") is None) != (cleaned.get("quiet_hours_end") is None):
            self.add_error("quiet_hours_end", "Give both a start and an end, or leave both empty.")
        return cleaned


def kinds_from_post(*, data, preferences: Preferences) -> dict[str, dict]:
    """``{kind: {"channels": {...}, "sender_rule": ...}}`` from the checkboxes and selects
    (an unchecked box is absent from the POST: off)."""
    kinds: dict[str, dict] = {}
    for row in preferences.kinds:
        if row.kind.critical:
            continue
        channels = {channel: f"{row.kind.name}:{channel}" in data for channel in row.channels}
        rule = data.get(f"{row.kind.name}:sender", row.sender_rule)
        kinds[row.kind.name] = {"channels": channels, "sender_rule": rule if rule in SENDER_RULES else row.sender_rule}
    return kinds
