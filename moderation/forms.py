"""The admin's action form: an action with a rule, a reason, presets, and "notify the user" on."""

from __future__ import annotations

from django import forms

from moderation.models import Action, ActionPreset, Rule


class ActionForm(forms.Form):
    preset = forms.ModelChoiceField(
        queryset=ActionPreset.objects.select_related("rule"), required=False,
        help_text="Fills the action, rule, reason and days; edit them before applying.",
    )  # fmt: skip
    action = forms.ChoiceField(choices=Action.choices)
    rule = forms.ModelChoiceField(queryset=Rule.objects.filter(active=True), required=False)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000, required=False)
    days = forms.IntegerField(min_value=1, max_value=365, required=False, help_text="Restrict and suspend.")
    hide_chat = forms.BooleanField(required=False, help_text="Suspend and ban: hide the account's chat lines.")
    notify_user = forms.BooleanField(required=False, initial=True, label="Notify the user")

    def __init__(self, *args, fixed_action: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_action = fixed_action
        if fixed_action:
            # One action for a batch: only the fields it uses.
            del self.fields["action"]
            if fixed_action not in (Action.RESTRICT, Action.SUSPEND):
                del self.fields["days"]
            if fixed_action not in (Action.SUSPEND, Action.BAN):
                del self.fields["hide_chat"]
            self.fields["preset"].queryset = self.fields["preset"].queryset.filter(action=fixed_action)

    def clean(self):
        data = super().clean()
        data.setdefault("days", None)
        data.setdefault("hide_chat", False)
        preset = data.get("preset")
        if preset is not None:
            data["action"] = self.fixed_action or preset.action
            data["rule"] = data.get("rule") or preset.rule
            data["reason"] = (data.get("reason") or "").strip() or preset.reason
            data["days"] = data.get("days") or preset.days
        if self.fixed_action:
            data["action"] = self.fixed_action
        if not (data.get("reason") or "").strip():
            self.add_error("reason", "Give a reason (or pick a preset).")
        return data


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "cols": 60}), max_length=2000, label="Note")


class ReverseForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "cols": 60}), max_length=2000)
