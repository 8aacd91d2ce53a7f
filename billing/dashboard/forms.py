"""Forms of the studio's memberships page (shape only: the services check the rules)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings

from billing.money import to_minor


class TierForm(forms.Form):
    name = forms.CharField(max_length=60)
    description = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    benefits = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="One benefit a line (at most 20)."
    )
    position = forms.IntegerField(
        min_value=1, max_value=100, help_text="1 is the lowest tier; a higher tier includes the lower ones."
    )
    trial_days = forms.IntegerField(min_value=0, max_value=90, initial=0, label="Free trial (days)")
    currency = forms.ChoiceField(choices=[])
    monthly = forms.DecimalField(min_value=Decimal("0.01"), max_digits=10, decimal_places=2, label="Monthly price")
    yearly = forms.DecimalField(
        min_value=Decimal("0.01"), max_digits=10, decimal_places=2, required=False, label="Yearly price (optional)"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(c.lower(), c.upper()) for c in settings.BILLING_CURRENCIES]

    def clean_benefits(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["benefits"].splitlines() if line.strip()]
        if len(lines) > 20 or any(len(line) > 200 for line in lines):
            raise forms.ValidationError("At most 20 benefits of 200 characters.")
        return lines

    def prices(self):
        from billing.services.memberships import TierPrice

        currency = self.cleaned_data["currency"]
        try:
            return [
                TierPrice(
                    currency,
                    to_minor(self.cleaned_data["monthly"], currency),
                    to_minor(self.cleaned_data.get("yearly"), currency),
                )
            ]
        except InvalidOperation:  # pragma: no cover (DecimalField has checked it)
            return []


class GiftForm(forms.Form):
    viewer = forms.CharField(max_length=64, label="Viewer's handle")
    tier = forms.ChoiceField(choices=[])
    kind = forms.ChoiceField(choices=[("gift", "Gift (for some months)"), ("comp", "Complimentary (no end)")])
    months = forms.IntegerField(min_value=1, max_value=24, initial=1, required=False)

    def __init__(self, *args, tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [(str(t.pk), t.name) for t in tiers]
