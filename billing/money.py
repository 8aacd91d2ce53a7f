"""Money arithmetic, written down once: integer minor units, ISO 4217 currencies, rounding rules.

- Amounts are ``int`` minor units of a lower-case ISO 4217 currency (Stripe's spelling):
  1099 usd is $10.99, 1099 jpy is ¥1,099 (the yen has no minor unit).
- A share of an amount (a creator's cut) is rounded **down** to the minor unit: the platform
  keeps the odd unit, and a share never exceeds what was paid.
- A part of an earlier split that follows a part of the whole (a refund of a payment) is rounded
  down on its own (``proportional_part`` with nothing before it), so its entry does not depend
  on the order refunds are seen in; when the whole has been refunded, one more entry settles
  what the rounding left (``billing.services.payments``), so a payment refunded in several
  pieces gives back exactly what a full refund would. ``proportional_part`` also takes the
  cumulative form, ``floor((before + part) * share / whole) - floor(before * share / whole)``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

# Currencies without a minor unit (Stripe's list): amounts are whole units.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
# Stripe's limits per charge: at most 8 digits of minor units ($999,999.99), and a minimum that
# depends on the currency (Stripe: about 50 US cents).
STRIPE_MAX_AMOUNT = 99_999_999
STRIPE_MIN_AMOUNT = {"usd": 50, "eur": 50, "gbp": 30, "jpy": 50, "cad": 50, "aud": 50, "chf": 50}
DEFAULT_MIN_AMOUNT = 50


def supported_currencies() -> frozenset[str]:
    return frozenset(code.lower() for code in settings.BILLING_CURRENCIES)


def minimum_amount(currency: str) -> int:
    return STRIPE_MIN_AMOUNT.get(currency, DEFAULT_MIN_AMOUNT)


def share_of(amount: int, bps: int) -> int:
    """``bps`` basis points of ``amount``, rounded down (toward zero for negative amounts)."""
    if not 0 <= bps <= 10_000:
        raise ValueError("a share is between 0 and 10000 basis points")
    quotient = abs(amount) * bps // 10_000
    return quotient if amount >= 0 else -quotient


def proportional_part(*, total: int, part_before: int, part: int, whole: int) -> int:
    """The piece of ``total`` that goes with ``part`` of ``whole``, given ``part_before`` already taken.

    Rounded down cumulatively, so the pieces for parts adding up to ``whole`` add up to ``total``.
    """
    if whole <= 0 or part_before < 0 or part < 0 or part_before + part > whole:
        raise ValueError("parts must lie within the whole")
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    after = magnitude * (part_before + part) // whole
    before = magnitude * part_before // whole
    return sign * (after - before)


def to_minor(value: Decimal | None, currency: str) -> int | None:
    """An amount people typed (12.50 USD, 500 JPY) in minor units: 1250, 500."""
    if value is None:
        return None
    return int(value) if currency in ZERO_DECIMAL_CURRENCIES else int((value * 100).to_integral_value())


def to_major(amount: int | None, currency: str) -> Decimal | None:
    """Minor units as people read them: 1250 USD -> 12.5; 500 JPY -> 500."""
    if amount is None:
        return None
    return Decimal(amount) if currency in ZERO_DECIMAL_CURRENCIES else Decimal(amount).scaleb(-2)


def format_amount(amount: int, currency: str) -> str:
    """For people: ``10.99 USD``, ``1099 JPY``."""
    code = currency.upper()
    if currency in ZERO_DECIMAL_CURRENCIES:
        return f"{amount} {code}"
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d} {code}"
