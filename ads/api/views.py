"""The ads API: advertisers (campaigns, ads, top-up, reports) and clients (decision, beacons).

Thin: parse, call one service or selector, render. Error codes are the services' (docs/ads.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ads import selectors, traffic
from ads.api import serializers as s
from ads.services import beacons, campaigns, conversions, decisions
from ads.targeting import PLACEMENTS, AdInputError
from ads.viewers import viewer_from_request
from core.errors import NotFoundError
from core.openapi import error_responses
from core.parsers import JSONParser


def _advertiser(request: Request):
    return campaigns.advertiser_of(user=request.user)


def _campaign(request: Request, pk):
    campaign = selectors.campaign_of(advertiser=_advertiser(request), campaign_id=pk)
    if campaign is None:
        raise NotFoundError("No such campaign.", code="campaign_not_found")
    return campaign


def _advertiser_data(advertiser) -> dict:
    data = s.AdvertiserSerializer(advertiser).data
    data["balance"] = campaigns.advertiser_balance(advertiser=advertiser)
    return data


class AdvertiserView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="ads_advertiser_get",
        responses={200: s.AdvertiserSerializer, **error_responses(403)},
        description="The caller's advertiser account and prepaid balance (403 `not_an_advertiser`).",
    )
    def get(self, request: Request) -> Response:
        return Response(_advertiser_data(_advertiser(request)))

    @extend_schema(
        operation_id="ads_advertiser_register",
        request=s.AdvertiserRegisterSerializer,
        responses={201: s.AdvertiserSerializer},
        description="Become an advertiser (the `advertiser` role). Idempotent. "
        "400 `timezone_unknown`, `currency_unsupported`.",
    )
    def post(self, request: Request) -> Response:
        data = s.AdvertiserRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        advertiser = campaigns.advertiser_register(
            user=request.user,
            name=data.validated_data["name"],
            timezone_name=data.validated_data["timezone"],
            currency=data.validated_data["currency"],
        )
        return Response(_advertiser_data(advertiser), status=status.HTTP_201_CREATED)


class TopUpView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="ads_top_up",
        request=s.AdTopUpSerializer,
        responses={201: s.AdTopUpResultSerializer, **error_responses(402, 503)},
        description="Top up the prepaid balance with a saved card: a billing payment (`ad_topup`) "
        "whose capture posts to `advertiser:<id>:prepaid`. The same `idempotency_key` charges once. "
        "400 `amount_too_small` ...; 402 with the decline code; 503 `payment_provider_unavailable`.",
    )
    def post(self, request: Request) -> Response:
        data = s.AdTopUpSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        advertiser = _advertiser(request)
        payment = campaigns.advertiser_top_up(advertiser=advertiser, **data.validated_data)
        return Response(
            {
                "payment": payment.pk,
                "status": payment.status,
                "amount": payment.amount,
                "currency": payment.currency,
                "balance": campaigns.advertiser_balance(advertiser=advertiser),
            },
            status=status.HTTP_201_CREATED,
        )


class CampaignListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="ads_campaigns_list",
        responses={200: s.AdCampaignSerializer(many=True), **error_responses(403)},
        description="The caller's campaigns, newest first.",
    )
    def get(self, request: Request) -> Response:
        rows = selectors.campaigns_of(advertiser=_advertiser(request))[:200]
        return Response(s.AdCampaignSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="ads_campaigns_create",
        request=s.AdCampaignWriteSerializer,
        responses={201: s.AdCampaignSerializer},
        description="A draft campaign. 400 `budget_too_small`, `daily_budget_over_total`, `end_before_start`, "
        "`country_unknown`, `region_unknown`, `language_unknown`, `placement_unknown`, `device_unknown`, "
        "`gender_unknown`, `interest_invalid`, `weekdays_invalid`, `hours_invalid`, `age_range_invalid`.",
    )
    def post(self, request: Request) -> Response:
        data = s.AdCampaignWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = campaigns.campaign_create(advertiser=_advertiser(request), data=data.validated_data)
        return Response(s.AdCampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="ads_campaigns_get", responses={200: s.AdCampaignSerializer, **error_responses(403)})
    def get(self, request: Request, pk) -> Response:
        return Response(s.AdCampaignSerializer(_campaign(request, pk)).data)

    @extend_schema(
        operation_id="ads_campaigns_update",
        request=s.AdCampaignWriteSerializer(partial=True),
        responses={200: s.AdCampaignSerializer, **error_responses(409)},
        description="Edit (same checks as create; 409 `campaign_not_editable` once completed or in review).",
    )
    def patch(self, request: Request, pk) -> Response:
        data = s.AdCampaignWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        campaign = campaigns.campaign_update(campaign=_campaign(request, pk), data=data.validated_data)
        return Response(s.AdCampaignSerializer(campaign).data)


_ACTIONS = {
    "submit": lambda c: campaigns.campaign_submit(campaign=c),
    "pause": lambda c: campaigns.campaign_pause(campaign=c),
    "resume": lambda c: campaigns.campaign_resume(campaign=c),
    "complete": lambda c: campaigns.campaign_complete(campaign=c, reason="by_advertiser"),
}


class CampaignActionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="ads_campaigns_action",
        request=None,
        responses={200: s.AdCampaignSerializer, **error_responses(409)},
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=sorted(_ACTIONS))],
        description="Move the campaign: `submit` (to review; needs an ad), `pause`, `resume`, `complete`. "
        "409 `campaign_state`, `campaign_has_no_ads`, `campaign_held` (paused by a moderator).",
    )
    def post(self, request: Request, pk, action: str) -> Response:
        if action not in _ACTIONS:
            raise NotFoundError("No such action.", code="not_found")
        return Response(s.AdCampaignSerializer(_ACTIONS[action](_campaign(request, pk))).data)


class AdListView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(operation_id="ads_ads_list", responses={200: s.AdSerializer(many=True), **error_responses(403)})
    def get(self, request: Request, pk) -> Response:
        return Response(s.AdSerializer(selectors.ads_of(campaign=_campaign(request, pk)), many=True).data)

    @extend_schema(
        operation_id="ads_ads_create",
        request={"application/json": s.AdWriteSerializer, "multipart/form-data": s.AdWriteSerializer},
        responses={201: s.AdSerializer, **error_responses(409, 413, 415)},
        description="An ad (A/B variants: several ads, traffic split by `weight`). 400 `destination_invalid`, "
        "`destination_forbidden` (the platform's admin, private addresses), `ad_image_required`, "
        "`ad_video_invalid`; 413 `ad_media_too_large`; 415 for images Fanfare cannot read.",
    )
    def post(self, request: Request, pk) -> Response:
        data = s.AdWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        image, video = values.pop("image", None), values.pop("video", None)
        ad = campaigns.ad_create(campaign=_campaign(request, pk), data=values, image=image, video_id=video)
        return Response(s.AdSerializer(ad).data, status=status.HTTP_201_CREATED)


class AdDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="ads_ads_update", request=s.AdUpdateSerializer, responses={200: s.AdSerializer})
    def patch(self, request: Request, pk) -> Response:
        from ads.models import Ad

        ad = Ad.objects.filter(pk=pk, campaign__advertiser=_advertiser(request)).first()
        if ad is None:
            raise NotFoundError("No such ad.", code="ad_not_found")
        data = s.AdUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(s.AdSerializer(campaigns.ad_update(ad=ad, data=data.validated_data)).data)


class ReportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="ads_campaigns_report",
        parameters=[
            OpenApiParameter("by", str, enum=sorted(selectors.GROUPS), description="Group rows by (default day)."),
            OpenApiParameter("since", OpenApiTypes.DATE),
            OpenApiParameter("until", OpenApiTypes.DATE),
            OpenApiParameter("export", str, enum=["csv"], description="csv: download the rows as CSV."),
        ],
        responses={
            200: s.AdReportRowSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            **error_responses(403),
        },
        description="Impressions, viewable rate, clicks, CTR, conversions, spend, eCPM, eCPC by day, country, "
        "placement or ad (variant); today's rows follow the writer within a minute. `export=csv` downloads them. "
        "400 `invalid_group`, `invalid_date`.",
    )
    def get(self, request: Request, pk) -> Response | HttpResponse:
        campaign = _campaign(request, pk)
        by = request.query_params.get("by", "day")
        if by not in selectors.GROUPS:
            raise AdInputError("by is day, country, placement or ad.", code="invalid_group")
        try:
            since = dt.date.fromisoformat(request.query_params["since"]) if request.query_params.get("since") else None
            until = dt.date.fromisoformat(request.query_params["until"]) if request.query_params.get("until") else None
        except ValueError:
            raise AdInputError("Dates are YYYY-MM-DD.", code="invalid_date") from None
        rows = selectors.campaign_report(campaign=campaign, by=by, since=since, until=until)
        rows = [{"key": row.pop(by), **row} for row in rows]
        if request.query_params.get("export") == "csv":
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(s.AdReportRowSerializer().fields))
            writer.writeheader()
            writer.writerows(rows)
            response = HttpResponse(out.getvalue(), content_type="text/csv")
            response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-{by}.csv"'
            return response
        return Response(s.AdReportRowSerializer(rows, many=True).data)


class VerdictView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="ads_campaigns_ab",
        responses={200: s.AdVerdictSerializer, **error_responses(403)},
        description="The A/B test of the campaign's ads: `winner` with a confidence (two-proportion "
        "z-test, best against runner-up, at least 95% and 100 trials each), or `too_early`.",
    )
    def get(self, request: Request, pk) -> Response:
        verdict = selectors.ab_verdict(campaign=_campaign(request, pk))
        return Response(s.AdVerdictSerializer(verdict.__dict__).data)


def _served(ad) -> dict:
    from django.core.files.storage import default_storage

    return {
        "id": ad.pk,
        "format": ad.format,
        "headline": ad.headline,
        "body": ad.body,
        "call_to_action": ad.call_to_action,
        "advertiser": ad.campaign.advertiser.name,
        "image_url": default_storage.url(ad.image) if ad.image else None,
        "video": ad.video_id,
        "skippable_after": ad.skippable_after,
        "destination_host": urlsplit(ad.destination_url).hostname or "",
    }


def decision_payload(request, decision, *, staff: bool) -> dict:
    """The decision as clients get it (the feed and the player embed the same shape)."""
    from django.utils import timezone

    data: dict = {"ad": None, "offer": None, "view_url": None, "click_url": None, "expires_at": None}
    if decision.ad is not None:
        click = reverse("v1:ads-click") + "?offer=" + decision.token
        data.update(
            ad=_served(decision.ad),
            offer=decision.token,
            view_url=request.build_absolute_uri(reverse("v1:ads-view")),
            click_url=request.build_absolute_uri(click),
            expires_at=timezone.now() + dt.timedelta(seconds=settings.ADS_OFFER_TTL_SECONDS),
        )
    if staff:
        data["explain"] = {"reason": decision.reason, "campaigns": decision.campaign_reasons}
    return data


class DecisionView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ads_decision",
        parameters=[
            OpenApiParameter("placement", str, required=True, enum=list(PLACEMENTS)),
            OpenApiParameter("video", OpenApiTypes.UUID, description="The video it runs on (pre-roll)."),
            OpenApiParameter("stream", OpenApiTypes.UUID, description="The live stream it runs beside."),
            OpenApiParameter("explain", bool, description="Staff: every campaign's reason."),
        ],
        responses={200: s.AdDecisionSerializer},
        description="At most one ad, with a single-use offer token; `ad` is null when nothing may be shown "
        "(fill rate counts both). 400 `placement_unknown`, `invalid_content`.",
    )
    def get(self, request: Request) -> Response:
        placement = request.query_params.get("placement", "")
        if placement not in PLACEMENTS:
            raise AdInputError(f"placement is one of {', '.join(PLACEMENTS)}.", code="placement_unknown")
        ids = {}
        for name in ("video", "stream"):
            value = request.query_params.get(name)
            if value:
                try:
                    import uuid

                    ids[name] = uuid.UUID(value)
                except ValueError:
                    raise AdInputError(f"{name} is an id.", code="invalid_content") from None
        viewer = viewer_from_request(
            user=request.user,
            meta=request.META,
            placement=placement,
            video_id=ids.get("video"),
            stream_id=ids.get("stream"),
        )
        staff = bool(request.user.is_authenticated and request.user.is_staff)
        explain = staff and request.query_params.get("explain") in {"1", "true"}
        decision = decisions.decision_make(viewer=viewer, explain=explain)
        return Response(decision_payload(request, decision, staff=staff))


def _client(request: Request) -> beacons.Client:
    ip = traffic.client_ip(request.META)
    return beacons.Client(
        ip=ip,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        country=traffic.country_of(request.META, ip),
        user=request.user,
    )


class ViewBeaconView(APIView):
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        operation_id="ads_beacon_view",
        request=s.AdViewBeaconSerializer,
        responses={204: None},
        description="The client's viewability report for an offer: the share of the ad's pixels in view "
        "and for how many continuous ms. Counts once per offer when viewable (50% for 1 s; 2 s for video). "
        "400 `offer_token_invalid` (forged or damaged); 403 `offer_token_foreign` (another viewer's).",
    )
    def post(self, request: Request) -> Response:
        data = s.AdViewBeaconSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        beacons.view_record(
            token=data.validated_data["offer"],
            visible_ratio=data.validated_data["visible_ratio"],
            visible_ms=data.validated_data["visible_ms"],
            client=_client(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClickView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ads_click",
        parameters=[OpenApiParameter("offer", str, required=True)],
        responses={302: None, **error_responses(404)},
        description="Records the click and redirects to the ad's destination "
        "(with `fanfare_click_id` for conversion postbacks). 400 `offer_token_invalid`; "
        "403 `offer_token_foreign`; 404 `ad_not_found`.",
    )
    def get(self, request: Request) -> HttpResponseRedirect:
        target = beacons.click_record(token=request.query_params.get("offer", ""), client=_client(request))
        return HttpResponseRedirect(target)


class ConversionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="ads_conversions_create",
        request=s.AdConversionSerializer,
        responses={201: s.AdConversionResultSerializer, **error_responses(404, 409)},
        description="Server-to-server postback, signed in as the advertiser (a token), with the "
        "`fanfare_click_id` the click carried; within `ADS_ATTRIBUTION_DAYS`. 404 `click_not_found`; "
        "409 `click_invalid`, `attribution_window_over`, `conversion_exists`.",
    )
    def post(self, request: Request) -> Response:
        data = s.AdConversionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversion = conversions.conversion_record(advertiser=_advertiser(request), **data.validated_data)
        return Response(s.AdConversionResultSerializer(conversion).data, status=status.HTTP_201_CREATED)


class ViewerProfileView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="ads_viewer_profile_set",
        request=s.AdViewerProfileSerializer,
        responses={200: s.AdViewerProfileSerializer},
        description="What you choose to share for ad targeting (age, gender, interests). Nothing is inferred.",
    )
    def put(self, request: Request) -> Response:
        data = s.AdViewerProfileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = campaigns.viewer_profile_set(
            user=request.user,
            birth_year=data.validated_data.get("birth_year"),
            gender=data.validated_data.get("gender", ""),
            interests=data.validated_data.get("interests", []),
        )
        return Response(s.AdViewerProfileSerializer(profile).data)


class AdvertiserBlockView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="ads_advertisers_block",
        request=None,
        responses={204: None},
        description="Stop seeing this advertiser's ads (404 `advertiser_not_found`).",
    )
    def post(self, request: Request, pk) -> Response:
        campaigns.advertiser_block(user=request.user, advertiser_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(operation_id="ads_advertisers_unblock", responses={204: None})
    def delete(self, request: Request, pk) -> Response:
        campaigns.advertiser_unblock(user=request.user, advertiser_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
