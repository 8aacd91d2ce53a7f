"""The notifications API under /api/v1/notifications/. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.shortcuts import render
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as account_selectors
from core.errors import ApplicationError
from core.openapi import error_response_serializer
from core.pagination import CursorPagination
from notifications import selectors, services
from notifications.api import serializers as s

GROUP_EXAMPLE = {
    "id": "01935f3c-8f4a-7c1e-9a0b-3c5d7e9f1a2b",
    "kind": "like",
    "priority": "low",
    "text": "Ana and 12 others liked My first video",
    "actor_count": 13,
    "actors": [{"id": "01935f3c-0000-7000-8000-000000000001", "handle": "ana", "display_name": "Ana", "avatar": None}],
    "target": {"type": "content.video", "id": "01935f3c-0000-7000-8000-0000000000aa", "title": "My first video"},
    "actions": [{"label": "Open", "action": "open", "url": "https://fanfare.example/v/aa"}],
    "data": {},
    "unread": True,
    "read_at": None,
    "seen_at": None,
    "created_at": "2026-11-24T09:00:00Z",
    "last_event_at": "2026-11-24T11:30:00Z",
    "expires_at": None,
}


class NotificationPagination(CursorPagination):
    """Newest activity first: a group that gains an actor moves to the top."""

    ordering = ("-last_event_at", "-id")


@extend_schema(tags=["notifications"])
class NotificationListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.NotificationGroupSerializer
    pagination_class = NotificationPagination

    @extend_schema(
        summary="The caller's inbox, grouped",
        description="One entry per group (\"Ana and 12 others liked ...\"), newest activity first, "
        "cursor-paginated. `?unread=true` lists only unread groups.",
        parameters=[OpenApiParameter("unread", bool, description="Only unread (`true`) or only read (`false`).")],
        examples=[OpenApiExample("A page", value={"next": None, "previous": None, "results": [GROUP_EXAMPLE]},
                                 response_only=True)],
    )  # fmt: skip
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.notification_groups_for_user(
            user=self.request.user, unread=self._unread(), with_sample_actors=False
        )

    def _unread(self) -> bool | None:
        raw = self.request.query_params.get("unread")
        return {"true": True, "1": True, "false": False, "0": False}.get((raw or "").lower())

    def list(self, request, *args, **kwargs):
        # The page by a statement compiled once (the queryset above is the same rows, for the schema).
        page = self.paginate_queryset(selectors.notification_page_for_user(user=request.user, unread=self._unread()))
        selectors.notification_sample_actors_attach(groups=page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(tags=["notifications"])
class UnreadCountView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="How many groups are unread",
        responses=s.UnreadCountSerializer,
        examples=[OpenApiExample("Three unread", value={"count": 3})],
    )
    def get(self, request):
        return Response({"count": selectors.unread_count(user=request.user)})


@extend_schema(tags=["notifications"])
class NotificationReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notification_read",
        summary="Mark one notification read",
        request=None,
        responses=s.NotificationGroupSerializer,
    )
    def post(self, request, notification_id):
        services.notification_mark_read(user=request.user, notification_id=notification_id)
        group = selectors.notification_group_for_user(user=request.user, notification_id=notification_id)
        return Response(s.NotificationGroupSerializer(group).data)


@extend_schema(tags=["notifications"])
class NotificationDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Dismiss a notification", request=None, responses={204: None})
    def delete(self, request, notification_id):
        services.notification_dismiss(user=request.user, notification_id=notification_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["notifications"])
class MarkManyReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_read_many",
        summary="Mark several notifications read",
        description="Ids that are not the caller's are ignored.",
        request=s.MarkReadSerializer,
        responses=s.MarkedSerializer,
        examples=[
            OpenApiExample("Two ids", value={"ids": ["01935f3c-8f4a-7c1e-9a0b-3c5d7e9f1a2b"]}, request_only=True),
            OpenApiExample("Result", value={"updated": 1}, response_only=True),
        ],
    )
    def post(self, request):
        body = s.MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = services.notifications_mark_read(user=request.user, notification_ids=body.validated_data["ids"])
        return Response({"updated": count})


@extend_schema(tags=["notifications"])
class MarkAllReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Mark every notification read", request=None, responses=s.MarkedSerializer,
                   examples=[OpenApiExample("Result", value={"updated": 7})])  # fmt: skip
    def post(self, request):
        return Response({"updated": services.notifications_mark_read(user=request.user)})


@extend_schema(tags=["notifications"])
class MarkSeenView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Note that the inbox was opened", request=None, responses=s.MarkedSerializer)
    def post(self, request):
        return Response({"updated": services.notifications_mark_seen(user=request.user)})


SETTINGS_EXAMPLE = {
    "kinds": [
        {"kind": "like", "label": "Likes", "critical": False, "groupable": True,
         "channels": {"in_app": True, "email": False, "push": True}, "sender_rule": "everyone"},
        {"kind": "security_alert", "label": "Security alerts", "critical": True, "groupable": False,
         "channels": {"in_app": True, "email": True, "push": True, "sms": True}, "sender_rule": "everyone"},
    ],
    "quiet_hours_start": "22:00:00",
    "quiet_hours_end": "07:00:00",
    "digest_frequency": "daily",
    "timezone": "Europe/Paris",
}  # fmt: skip


@extend_schema(tags=["notifications"])
class SettingsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="The caller's notification preferences",
        responses=s.PreferencesSerializer,
        examples=[OpenApiExample("Preferences", value=SETTINGS_EXAMPLE)],
    )
    def get(self, request):
        return Response(s.PreferencesSerializer(selectors.preferences_for_user(user=request.user)).data)

    @extend_schema(
        summary="Change notification preferences",
        description="Per kind: channels on or off and who may trigger it (`everyone`, `following`, "
        "`mutuals`, `nobody`); quiet hours (local times in the account's time zone; push and SMS "
        "wait until they end); email digest. Errors: `unknown_kind`, `unknown_channel`, "
        "`critical_kind` (security alerts cannot be turned off), `channel_not_available` (SMS), "
        "`quiet_hours_incomplete`.",
        request=s.PreferencesChangeSerializer,
        responses=s.PreferencesSerializer,
        examples=[
            OpenApiExample(
                "Mute like emails, quiet nights",
                value={"kinds": {"like": {"channels": {"push": False}, "sender_rule": "following"}},
                       "quiet_hours_start": "22:00", "quiet_hours_end": "07:00", "digest_frequency": "daily"},
                request_only=True,
            ),
            OpenApiExample("Preferences", value=SETTINGS_EXAMPLE, response_only=True),
        ],
    )  # fmt: skip
    def patch(self, request):
        body = s.PreferencesChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.settings_update(user=request.user, **body.validated_data)
        return Response(s.PreferencesSerializer(selectors.preferences_for_user(user=request.user)).data)


@extend_schema(tags=["notifications"])
class PushTokenView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Register this device's push token",
        description="FCM registration token (android, ios) or Web Push subscription (web: the "
        "endpoint as `token`, with `keys`). Registering again refreshes it. The token is tied to "
        "the session or API token that registers it, and stops when that device is signed out.",
        request=s.PushTokenRegisterSerializer,
        responses={201: s.PushTokenSerializer},
        examples=[
            OpenApiExample("Android", value={"token": "fcm-registration-token", "platform": "android",
                                             "app_version": "3.2.0", "locale": "fr-FR"}, request_only=True),
            OpenApiExample("Web", value={"token": "https://updates.push.services.mozilla.com/wpush/v2/gAAA",
                                         "platform": "web", "keys": {"p256dh": "BNc...", "auth": "tBH..."}},
                           request_only=True),
        ],
    )  # fmt: skip
    def post(self, request):
        body = s.PushTokenRegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        device = account_selectors.device_for_request(request=request)
        token = services.push_token_register(
            user=request.user,
            token=data["token"],
            platform=data["platform"],
            app_version=data["app_version"],
            locale=data["locale"],
            web_push_keys=data.get("keys"),
            device_id=device.pk if device else None,
        )
        return Response(s.PushTokenSerializer(token).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["notifications"])
class PushTokenUnregisterView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Unregister a push token", request=s.PushTokenUnregisterSerializer, responses={204: None})
    def post(self, request):
        body = s.PushTokenUnregisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.push_token_unregister(user=request.user, token=body.validated_data["token"])
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["notifications"])
def _kind_label(kind: str) -> str:
    from notifications.kinds import KINDS

    return "the digest" if kind == "digest" else (KINDS[kind].label if kind in KINDS else kind)


class UnsubscribeView(APIView):
    """The link in every notification email: no login, the signed token says who and what."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="One-click unsubscribe (RFC 8058)",
        description="Turns email off for one kind (or the digest). The token comes from the "
        "email's link (`?token=`) or the body. A bad token: 400 `invalid_token`.",
        parameters=[OpenApiParameter("token", str, required=False)],
        request=s.UnsubscribeSerializer,
        responses={
            200: s.UnsubscribedSerializer,
            (200, "text/html"): OpenApiResponse(
                response=OpenApiTypes.STR, description="The confirmation page's button (`from_page`)."
            ),
        },
        examples=[OpenApiExample("Done", value={"kind": "comment", "email": False}, response_only=True)],
    )
    def post(self, request):
        return self._unsubscribe(request)

    @extend_schema(
        summary="The email link's confirmation page (HTML)",
        description="Changes nothing: mail scanners open links. The page's button POSTs here.",
        parameters=[OpenApiParameter("token", str, required=True)],
        responses={
            (200, "text/html"): OpenApiResponse(response=OpenApiTypes.STR, description="A confirmation page."),
            (400, "text/html"): OpenApiResponse(
                response=OpenApiTypes.STR, description="The page, saying the link is not valid."
            ),
            (400, "application/json"): error_response_serializer(400),  # a NUL byte in the query
        },
    )
    def get(self, request):
        token = request.query_params.get("token", "")
        try:
            _user, kind = services.unsubscribe_token_read(token=token)
        except ApplicationError as error:
            return render(request, "notifications/unsubscribe.html", {"error": error.message}, status=400)
        return render(request, "notifications/unsubscribe.html", {"token": token, "kind": _kind_label(kind)})

    def _unsubscribe(self, request):
        raw = request.query_params.get("token") or (request.data.get("token") if request.method == "POST" else None)
        body = s.UnsubscribeSerializer(data={"token": raw})
        body.is_valid(raise_exception=True)
        _, kind = services.unsubscribe(token=body.validated_data["token"])
        if request.data.get("from_page"):  # the confirmation page's button
            return render(request, "notifications/unsubscribe.html", {"done": True, "kind": _kind_label(kind)})
        return Response({"kind": kind, "email": False})
