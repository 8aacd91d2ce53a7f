"""Money in templates: ``{{ amount|money:currency }}`` (10.99 USD), ``{{ amount|money_figure:currency }}``
(the same with the code small, for a dashboard figure), ``{{ bps|bps }}`` (30%), ``{{ ratio|percent }}``
(0.0123 -> 1.2%)."""

from django import template
from django.utils.html import format_html

from billing.money import format_amount

register = template.Library()


@register.filter
def money(amount, currency) -> str:
    if amount is None:
        return ""
    return format_amount(round(amount), str(currency))  # an average (eCPM) rounds to the minor unit


@register.filter
def money_figure(amount, currency) -> str:
    if amount is None:
        return "\u2013"  # an en dash
    number, _, code = format_amount(round(amount), str(currency)).rpartition(" ")
    return format_html("{} <small>{}</small>", number, code)


@register.filter
def bps(value) -> str:
    value = int(value or 0)
    return f"{value / 100:g}%"


@register.filter
def percent(ratio) -> str:
    """A ratio for people: 0.0123 -> 1.2%; none yet -> an en dash."""
    if ratio is None or ratio == "":
        return "\u2013"  # an en dash
    return f"{float(ratio) * 100:.1f}%"
