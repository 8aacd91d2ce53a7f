"""Studio forms: shapes only; the campaign services check the rules (and their errors show on the form)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from ads.models import Ad, Campaign
from ads.targeting import DEVICES, GENDERS, PLACEMENTS
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


WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


def hours_parse(text: str) -> list[int]:
    """Hours as people write them: ``9-17`` (9:00 to 17:00), ``7 12 20-23``, ``22-2`` (over midnight).

    Each item is a starting hour (``7``: 7:00 to 8:00) or a range ``a-b`` from a:00 to b:00.
    """
    hours: set[int] = set()
    for item in _list(text):
        start, dash, end = item.partition("-")
        if not (start.isdigit() and (not dash or end.isdigit())):
            raise forms.ValidationError("Write hours like 9-17 or 7 12 20-23.", code="hours_invalid")
        first, last = int(start), int(end) if dash else int(start) + 1
        if first > 23 or last > 24 or first == last:
            raise forms.ValidationError("Hours run from 0 to 24, like 9-17.", code="hours_invalid")
        if first < last:
            hours.update(range(first, last))
        else:  # over midnight
            hours.update(range(first, 24), range(0, last))
    return sorted(hours)


def hours_format(hours: list[int]) -> str:
    """The inverse of ``hours_parse``: [9..16] -> ``9-17``; [7, 12] -> ``7 12``; [22, 23, 0, 1] -> ``22-2``."""
    runs: list[list[int]] = []  # [start, end) ranges of consecutive hours
    for hour in sorted(set(hours)):
        if runs and hour == runs[-1][1]:
            runs[-1][1] += 1
        else:
            runs.append([hour, hour + 1])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][1] == 24:  # one range over midnight
        runs[-1][1] = runs.pop(0)[1]
    return " ".join(str(start) if end == start + 1 else f"{start}-{end}" for start, end in runs)


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
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Days",
        help_text="In your time zone; none ticked: every day.",
    )
    hours = forms.CharField(
        required=False,
        help_text="In your time zone, e.g. 9-17 (9:00 to 17:00) or 7 12 20-23; empty: all day.",
    )
    pacing = forms.ChoiceField(choices=Campaign.Pacing.choices)
    frequency_cap_day = forms.IntegerField(
        min_value=1, required=False, label="Frequency cap per day", help_text="Impressions per viewer a day."
    )
    frequency_cap_total = forms.IntegerField(
        min_value=1, required=False, label="Frequency cap in all", help_text="Impressions per viewer, whole campaign."
    )
    countries = forms.CharField(required=False, help_text="ISO codes, e.g. FR DE; empty: everywhere.")
    regions = forms.CharField(required=False, help_text="ISO 3166-2 codes, e.g. FR-IDF US-CA; empty: all.")
    languages = forms.CharField(required=False, help_text="ISO 639-1 codes, e.g. fr en.")
    devices = forms.MultipleChoiceField(
        choices=[(d, d.title()) for d in DEVICES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: all devices.",
    )
    age_min = forms.IntegerField(min_value=13, max_value=120, required=False, label="Age from")
    age_max = forms.IntegerField(
        min_value=13, max_value=120, required=False, label="Age to", help_text="Only viewers who gave their age."
    )
    genders = forms.MultipleChoiceField(
        choices=[(g, "Non-binary" if g == "nonbinary" else g.title()) for g in GENDERS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only viewers who chose to share it; none ticked: everyone.",
    )
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

    LISTS = ("countries", "regions", "languages", "interests")
    SECTIONS = (
        ("Campaign", ("name", "objective")),
        ("Budget and bid", ("budget_total", "budget_daily", "bid_model", "bid_amount", "pacing")),
        ("Schedule", ("start_at", "end_at", "weekdays", "hours")),
        ("Audience", ("countries", "regions", "languages", "devices", "age_min", "age_max", "genders", "interests")),
        ("Frequency", ("frequency_cap_day", "frequency_cap_total")),
        ("Where it shows", ("placements",)),
    )

    def sections(self) -> list[tuple[str, list]]:
        """The fields in the editor's groups (every field in exactly one; a test holds it)."""
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def clean_hours(self) -> list[int]:
        return hours_parse(self.cleaned_data["hours"])

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        for name in self.LISTS:
            data[name] = _list(data[name])
        for name in ("placements", "weekdays", "devices", "genders"):
            data[name] = list(data[name])
        for name in self.MONEY:
            data[name] = to_minor(data[name], self.currency)
        return data

    @classmethod
    def for_campaign(cls, campaign: Campaign, data=None) -> CampaignForm:
        initial = {name: getattr(campaign, name) for name in cls.base_fields if hasattr(campaign, name)}
        for name in cls.LISTS:
            initial[name] = " ".join(getattr(campaign, name))
        initial["hours"] = hours_format(campaign.hours)
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
