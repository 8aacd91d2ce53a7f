"""Conversion postbacks: server to server, with the click id the redirect added (docs/ads.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ads.models import AdClick, AdConversion, Advertiser
from ads.targeting import AdInputError
from core.errors import ConflictError, NotFoundError


def conversion_record(*, advertiser: Advertiser, click_id: Any, value: Any = 0) -> AdConversion:
    """Record a conversion of a valid click of one of ``advertiser``'s campaigns, within
    ``ADS_ATTRIBUTION_DAYS``. 404 ``click_not_found`` (unknown, another advertiser's, or not yet
    written: retry in a minute), 409 ``click_invalid``, ``attribution_window_over``,
    ``conversion_exists``."""
    try:
        click_uuid = UUID(str(click_id))
    except ValueError:
        raise AdInputError(
            "click_id is the fanfare_click_id the ad's link carried.",
            code="click_id_invalid",
            extra={"attr": "click_id"},
        ) from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise AdInputError("value is a whole number of minor units.", code="value_invalid", extra={"attr": "value"})
    now = timezone.now()
    window = dt.timedelta(days=settings.ADS_ATTRIBUTION_DAYS)
    # UUIDv7: the click's time is in its id, so only the partitions of that day are read.
    click_at = dt.datetime.fromtimestamp((click_uuid.int >> 80) / 1000, tz=dt.UTC)
    click = (
        AdClick.objects.filter(id=click_uuid, advertiser_id=advertiser.pk)
        .filter(created_at__gte=click_at - dt.timedelta(minutes=10), created_at__lte=click_at + dt.timedelta(hours=1))
        .first()
    )
    if click is None:
        raise NotFoundError("No such click (yet).", code="click_not_found")
    if not click.billable:
        raise ConflictError("That click was not valid.", code="click_invalid")
    if now - click.created_at > window:
        raise ConflictError("The attribution window is over.", code="attribution_window_over")
    try:
        with transaction.atomic():
            return AdConversion.objects.create(
                click_id=click.id,
                click_created_at=click.created_at,
                campaign_id=click.campaign_id,
                ad_id=click.ad_id,
                value=value,
                country=click.country,
                placement=click.placement,
            )
    except IntegrityError:
        raise ConflictError("This click already converted.", code="conversion_exists") from None
