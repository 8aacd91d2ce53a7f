"""Ads in the admin (two-factor login; docs/ads.md).

- Campaigns: the review queue (status filter), a preview of every ad, approve, reject with a
  reason (the advertiser sees it), pause and resume by moderators.
- Advertisers: their prepaid balances (the ledger's running balance) and spend.
- Invalid traffic: counts by reason over the last days and the latest invalid events (the event
  tables are partitioned with a composite key, which Django's admin cannot list as models).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.core.files.storage import default_storage
from django.db import connection
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from ads.models import Ad, AdSpendItem, Advertiser, Campaign
from ads.services import campaigns as services
from billing.money import format_amount
from core.admin_actions import ReadOnlyAdmin, ReasonForm, run_with_reason
from core.errors import ApplicationError


def ad_preview_html(ad: Ad) -> str:
    image = (
        format_html('<img src="{}" alt="" style="max-width:240px;display:block">', default_storage.url(ad.image))
        if ad.image
        else ""
    )
    return format_html(
        '<div style="border:1px solid #ccc;padding:8px;margin:4px 0;max-width:320px">'
        "<small>Sponsored · {} · weight {}{}</small>{}<strong>{}</strong><p>{}</p>"
        '<a href="{}" rel="nofollow noopener" target="_blank">{}</a> <small>{}</small></div>',
        ad.get_format_display(),
        ad.weight,
        "" if ad.is_active else " · inactive",
        image,
        ad.headline,
        ad.body,
        ad.destination_url,
        ad.call_to_action,
        ad.destination_url,
    )


class AdInline(admin.TabularInline):
    model = Ad
    extra = 0
    can_delete = False
    fields = ["preview", "format", "weight", "is_active"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="preview")
    def preview(self, ad: Ad) -> str:
        return ad_preview_html(ad)


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "advertiser",
        "status",
        "bid_model",
        "bid_display",
        "budget_display",
        "spent_display",
        "start_at",
        "end_at",
        "created_at",
    ]
    list_filter = ["status", "bid_model", "pacing"]
    search_fields = ["name", "advertiser__name", "=id"]
    list_select_related = ["advertiser"]
    ordering = ["-created_at"]
    inlines = [AdInline]
    actions = ["approve", "reject", "pause"]
    readonly_fields = ["targeting"]

    @admin.display(description="bid")
    def bid_display(self, campaign: Campaign) -> str:
        return format_amount(campaign.bid_amount, campaign.currency)

    @admin.display(description="budget")
    def budget_display(self, campaign: Campaign) -> str:
        return format_amount(campaign.budget_total, campaign.currency)

    @admin.display(description="spent")
    def spent_display(self, campaign: Campaign) -> str:
        return format_amount(campaign.spent, campaign.currency)

    @admin.display(description="targeting")
    def targeting(self, campaign: Campaign) -> str:
        rows = [
            (name, ", ".join(map(str, getattr(campaign, name))) or "any")
            for name in (
                "countries",
                "regions",
                "languages",
                "devices",
                "genders",
                "interests",
                "placements",
                "weekdays",
                "hours",
            )
        ]
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("ads.review_campaigns")

    @admin.action(description="Approve the selected campaigns", permissions=["review"])
    def approve(self, request, queryset):
        for campaign in queryset:
            try:
                services.campaign_approve(campaign=campaign, by=request.user)
                self.message_user(request, f"{campaign}: approved.", messages.SUCCESS)
            except ApplicationError as error:
                self.message_user(request, f"{campaign}: {error.message}", messages.ERROR)

    @admin.action(description="Reject the selected campaigns…", permissions=["review"])
    def reject(self, request, queryset):
        return run_with_reason(
            self,
            request,
            queryset,
            form_class=ReasonForm,
            title="Reject campaigns",
            submit_label="Reject",
            description="The advertiser sees the reason and may edit the campaign and submit it again.",
            apply=lambda campaign, data: services.campaign_reject(
                campaign=campaign, by=request.user, reason=data["reason"]
            ),
        )

    @admin.action(description="Pause the selected campaigns (moderation hold)…", permissions=["review"])
    def pause(self, request, queryset):
        return run_with_reason(
            self,
            request,
            queryset,
            form_class=ReasonForm,
            title="Pause campaigns",
            submit_label="Pause",
            description="The advertiser cannot resume a campaign a moderator paused.",
            apply=lambda campaign, data: services.campaign_pause(
                campaign=campaign, by_marker=f"staff:{request.user.pk}"
            ),
        )

    def get_urls(self):
        return [
            path("invalid-traffic/", self.admin_site.admin_view(self.invalid_traffic_view), name="ads_invalid_traffic"),
            *super().get_urls(),
        ]

    def invalid_traffic_view(self, request):
        if not request.user.has_perm("ads.view_campaign"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        days = 7
        since = timezone.now() - dt.timedelta(days=days)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 'impression', invalid_reason, COUNT(*) FROM ads_adimpression WHERE created_at >= %s "
                "AND invalid_reason <> '' GROUP BY 2 UNION ALL "
                "SELECT 'click', invalid_reason, COUNT(*) FROM ads_adclick "
                "WHERE created_at >= %s AND invalid_reason <> '' GROUP BY 2 ORDER BY 1, 3 DESC",
                [since, since],
            )
            counts = cursor.fetchall()
            cursor.execute(
                "(SELECT 'impression', created_at, invalid_reason, campaign_id, ip, country, browser, os, "
                "viewer_key FROM ads_adimpression WHERE created_at >= %s AND invalid_reason <> '' "
                "ORDER BY created_at DESC LIMIT 100) UNION ALL "
                "(SELECT 'click', created_at, invalid_reason, campaign_id, ip, country, browser, os, viewer_key "
                "FROM ads_adclick WHERE created_at >= %s AND invalid_reason <> '' "
                "ORDER BY created_at DESC LIMIT 100) "
                "ORDER BY 2 DESC LIMIT 100",
                [since, since],
            )
            latest = cursor.fetchall()
        context = {
            **self.admin_site.each_context(request),
            "title": "Invalid ad traffic",
            "days": days,
            "counts": counts,
            "latest": latest,
            "opts": Campaign._meta,
        }
        return TemplateResponse(request, "admin/ads/invalid_traffic.html", context)


@admin.register(Advertiser)
class AdvertiserAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "currency", "timezone", "balance", "campaigns_count", "created_at"]
    search_fields = ["name", "user__email", "=id"]
    list_select_related = ["user"]
    ordering = ["-created_at"]

    @admin.display(description="prepaid balance")
    def balance(self, advertiser: Advertiser) -> str:
        return format_amount(services.advertiser_balance(advertiser=advertiser), advertiser.currency)

    @admin.display(description="campaigns")
    def campaigns_count(self, advertiser: Advertiser) -> int:
        return advertiser.campaigns.count()


@admin.register(AdSpendItem)
class AdSpendItemAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "campaign", "creator_id", "day", "micros", "charged", "creator_share", "posted_at"]
    list_filter = ["day"]
    search_fields = ["=batch_id", "=campaign__id"]
    list_select_related = ["campaign"]
    ordering = ["-created_at"]
