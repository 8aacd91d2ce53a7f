"""Studio forms: shapes only; the campaign services check the rules (and their errors show on the form)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from ads.models import Ad, Campaign
from ads.targeting import PLACEMENTS
from billing.money import ZERO_DECIMAL_CURRENCIES, supported_currencies, to_major, to_minor

# What each placement is, for people.
PLACEMENT_LABELS = {
    "feed": "In feeds (image and text ads)",
    "preroll": "Before videos (video ads)",
    "stream_chat": "In live chat (text ads)",
    "stream_side": "Beside live streams (image and text ads)",
}


def _list(value: str) -> list[str]:
    return [item.strip() for item in (value or "").replace(",", " ").split() if item.strip()]


def money_field(currency: str, *, label: str, required: bool = True, help_text: str = "") -> forms.DecimalField:
    """An amount typed as people write it in ``currency`` (12.50 USD, 500 JPY); ``to_minor`` converts."""
    places = 0 if currency in ZERO_DECIMAL_CURRENCIES else 2
    return forms.DecimalField(
        label=f"{label} ({currency.upper()})",
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=places,
        required=required,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "1" if places == 0 else "0.01", "inputmode": "decimal"}),
    )


class AdvertiserForm(forms.Form):
    name = forms.CharField(max_length=120, label="Advertiser name")
    timezone = forms.CharField(max_length=64, initial="UTC", help_text="Your schedules run in this zone.")
    currency = forms.ChoiceField(choices=(), initial="usd", help_text="Your balance, budgets and bids are in it.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(code, code.upper()) for code in sorted(supported_currencies())]


class TopUpForm(forms.Form):
    """Add to the prepaid balance with a saved card; the key makes a double submit charge once."""

    amount = forms.DecimalField()  # replaced by a money field in the advertiser's currency
    payment_method = forms.ChoiceField(label="Card", choices=())
    idempotency_key = forms.CharField(max_length=80, widget=forms.HiddenInput)

    def __init__(self, *args, currency: str, cards: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"] = money_field(currency, label="Amount")
        cards = sorted(cards, key=lambda card: not card.is_default)  # the default card first, chosen
        self.fields["payment_method"].choices = [
            (card.id, f"{card.brand.title()} ending {card.last4}, expires {card.exp_month:02d}/{card.exp_year}")
            for card in cards
        ]
        self.fields["payment_method"].initial = cards[0].id if cards else None

    def amount_minor(self) -> int:
        return to_minor(self.cleaned_data["amount"], self.currency)


class CampaignForm(forms.Form):
    MONEY = ("budget_total", "budget_daily", "bid_amount")

    name = forms.CharField(max_length=120)
    objective = forms.ChoiceField(choices=Campaign.Objective.choices)
    budget_total = forms.DecimalField()  # the money fields are made per currency in __init__
    budget_daily = forms.DecimalField(required=False)
    bid_model = forms.ChoiceField(choices=Campaign.BidModel.choices)
    bid_amount = forms.DecimalField()
    start_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end_at = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    pacing = forms.ChoiceField(choices=Campaign.Pacing.choices)
    frequency_cap_day = forms.IntegerField(min_value=1, required=False, label="Frequency cap per day")
    countries = forms.CharField(required=False, help_text="ISO codes, e.g. FR DE; empty: everywhere.")
    languages = forms.CharField(required=False, help_text="ISO 639-1 codes, e.g. fr en.")
    interests = forms.CharField(required=False, help_text="Hashtags, e.g. cycling travel.")
    placements = forms.MultipleChoiceField(
        choices=[(p, PLACEMENT_LABELS[p]) for p in PLACEMENTS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every placement that shows the campaign's ad formats.",
    )

    def __init__(self, *args, currency: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        fields = {
            "budget_total": money_field(currency, label="Total budget"),
            "budget_daily": money_field(
                currency, label="Daily budget", required=False, help_text="Empty: no daily cap."
            ),
            "bid_amount": money_field(
                currency, label="Bid", help_text="Per 1,000 viewable impressions (CPM) or per click (CPC)."
            ),
        }
        for name, field in fields.items():  # keep the fields' order
            self.fields[name] = field

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("countries", "languages", "interests"):
            data[name] = _list(data[name])
        data["placements"] = list(data["placements"])
        for name in self.MONEY:
            data[name] = to_minor(data[name], self.currency)
        return data

    @classmethod
    def for_campaign(cls, campaign: Campaign, data=None) -> CampaignForm:
        initial = {name: getattr(campaign, name) for name in cls.base_fields if hasattr(campaign, name)}
        for name in ("countries", "languages", "interests"):
            initial[name] = " ".join(getattr(campaign, name))
        for name in cls.MONEY:
            initial[name] = to_major(initial[name], campaign.currency)
        return cls(data=data, initial=initial, currency=campaign.currency)


class AdForm(forms.Form):
    format = forms.ChoiceField(choices=[(value, label) for value, label in Ad.Format.choices if value != "video"])
    headline = forms.CharField(max_length=90)
    body = forms.CharField(max_length=280, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    destination_url = forms.CharField(max_length=2000, label="Destination URL")
    call_to_action = forms.CharField(max_length=30, initial="Learn more")
    weight = forms.IntegerField(min_value=1, max_value=100, initial=1, help_text="A/B split share.")
    image = forms.FileField(required=False, help_text="Image ads: JPEG, PNG, WebP or GIF.")
