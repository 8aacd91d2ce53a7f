"""Studio forms: shapes only; the campaign services check the rules (and their errors show on the form)."""

from __future__ import annotations

from django import forms

from ads.models import Ad, Campaign
from ads.targeting import PLACEMENTS


def _list(value: str) -> list[str]:
    return [item.strip() for item in (value or "").replace(",", " ").split() if item.strip()]


class AdvertiserForm(forms.Form):
    name = forms.CharField(max_length=120, label="Advertiser name")
    timezone = forms.CharField(max_length=64, initial="UTC", help_text="Your schedules run in this zone.")
    currency = forms.CharField(max_length=3, initial="usd")


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=120)
    objective = forms.ChoiceField(choices=Campaign.Objective.choices)
    budget_total = forms.IntegerField(min_value=0, help_text="Minor units (cents).")
    budget_daily = forms.IntegerField(min_value=0, required=False, help_text="Minor units; empty: no daily cap.")
    bid_model = forms.ChoiceField(choices=Campaign.BidModel.choices)
    bid_amount = forms.IntegerField(min_value=1, help_text="Minor units per 1,000 impressions (CPM) or per click.")
    start_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end_at = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    pacing = forms.ChoiceField(choices=Campaign.Pacing.choices)
    frequency_cap_day = forms.IntegerField(min_value=1, required=False, label="Frequency cap per day")
    countries = forms.CharField(required=False, help_text="ISO codes, e.g. FR DE; empty: everywhere.")
    languages = forms.CharField(required=False, help_text="ISO 639-1 codes, e.g. fr en.")
    interests = forms.CharField(required=False, help_text="Hashtags, e.g. cycling travel.")
    placements = forms.MultipleChoiceField(
        choices=[(p, p) for p in PLACEMENTS], required=False, widget=forms.CheckboxSelectMultiple
    )

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("countries", "languages", "interests"):
            data[name] = _list(data[name])
        data["placements"] = list(data["placements"])
        return data

    @classmethod
    def for_campaign(cls, campaign: Campaign, data=None) -> CampaignForm:
        initial = {name: getattr(campaign, name) for name in cls.base_fields if hasattr(campaign, name)}
        for name in ("countries", "languages", "interests"):
            initial[name] = " ".join(getattr(campaign, name))
        return cls(data=data, initial=initial)


class AdForm(forms.Form):
    format = forms.ChoiceField(choices=[(value, label) for value, label in Ad.Format.choices if value != "video"])
    headline = forms.CharField(max_length=90)
    body = forms.CharField(max_length=280, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    destination_url = forms.CharField(max_length=2000, label="Destination URL")
    call_to_action = forms.CharField(max_length=30, initial="Learn more")
    weight = forms.IntegerField(min_value=1, max_value=100, initial=1, help_text="A/B split share.")
    image = forms.FileField(required=False, help_text="Image ads: JPEG, PNG, WebP or GIF.")
