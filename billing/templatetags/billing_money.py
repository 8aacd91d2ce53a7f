"""Money in templates: ``{{ amount|money:currency }}`` (10.99 USD), ``{{ bps|bps }}`` (30%)."""

from django import template

from billing.money import format_amount

register = template.Library()


@register.filter
def money(amount, currency) -> str:
    if amount is None:
        return ""
    return format_amount(int(amount), str(currency))


@register.filter
def bps(value) -> str:
    value = int(value or 0)
    return f"{value / 100:g}%"
