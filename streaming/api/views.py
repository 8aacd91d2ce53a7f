"""The streams API (thin: parse, call one service or selector, render)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsEmailVerified
from core.errors import ApplicationError, NotFoundError
from core.eventbridge import event_and_token, events_token_parameter
from core.openapi import any_of, error_responses
from core.pagination import CursorPagination
from core.ranged_files import ranged_file_response
from streaming.api.serializers import (
    IvsEventResultSerializer,
    OwnStreamSerializer,
    ReminderSerializer,
    StreamCreateSerializer,
    StreamSerializer,
    StreamUpdateSerializer,
)
from streaming.selectors import streams as selectors
from streaming.services import ivs_events
from streaming.services import streams as services
from streaming.sponsored import stream_ad_for


def _user(request: Request):
    return request.user if request.user.is_authenticated else None


def _render(request: Request, stream) -> dict:
    is_owner = request.user.is_authenticated and stream.owner_id == request.user.pk
    serializer = OwnStreamSerializer if is_owner else StreamSerializer
    return serializer(stream, context={"request": request}).data


def _page(request: Request, view, queryset, serializer=StreamSerializer) -> Response:
    paginator = CursorPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    context = {"request": request, "in_list": True}
    return paginator.get_paginated_response(serializer(page, many=True, context=context).data)


class StreamListCreateView(APIView):
    pagination_class = CursorPagination  # documents the GET as a page (next, previous, results)

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAuthenticated(), IsEmailVerified()]
        return [AllowAny()]

    @extend_schema(
        operation_id="streams_list",
        parameters=[
            OpenApiParameter(
                "status", str, enum=["live", "upcoming"], description="Public streams live now (default) or scheduled."
            ),
            OpenApiParameter("owner", OpenApiTypes.UUID, description="One streamer's streams you may see."),
        ],
        responses={200: StreamSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        owner = request.query_params.get("owner")
        if owner:
            queryset = selectors.stream_list_of_owner(owner_id=_uuid(owner), viewer=_user(request))
        elif request.query_params.get("status", "live") == "upcoming":
            queryset = selectors.stream_page_upcoming()
        elif request.query_params.get("status", "live") == "live":
            queryset = selectors.stream_page_live()
        else:
            raise ApplicationError("status is live or upcoming.", code="invalid_status")
        return _page(request, self, queryset)

    @extend_schema(
        operation_id="streams_create",
        request=StreamCreateSerializer,
        responses={201: OwnStreamSerializer, **error_responses(503)},
        description=(
            "Create a stream now (no `scheduled_at`: it goes live when you start publishing) or for "
            "later. Creators only (403 `creators_only`); a past time is 400 `scheduled_in_past`. The "
            "answer has the ingest URL and the stream key (shown to the owner only). IVS: a "
            "followers-only or subscribers-only stream without the server's playback signing key is "
            "503 `playback_auth_unconfigured`."
        ),
    )
    def post(self, request: Request) -> Response:
        serializer = StreamCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stream = services.stream_create(owner=request.user, **serializer.validated_data)
        return Response(_render(request, stream), status=status.HTTP_201_CREATED)


def _uuid(value: str):
    import uuid

    try:
        return uuid.UUID(value)
    except ValueError:
        raise ApplicationError("owner is a user id.", code="invalid_owner") from None


class MyStreamsView(APIView):
    pagination_class = CursorPagination  # documents the GET as a page (next, previous, results)
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="streams_mine", responses={200: OwnStreamSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return _page(request, self, selectors.stream_list_mine(owner=request.user), OwnStreamSerializer)


class StreamDetailView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly, IsEmailVerified]

    @extend_schema(
        operation_id="streams_retrieve",
        responses={200: any_of("OwnStream", "Stream"), **error_responses(503)},
        description=(
            "Anyone who may see the stream (403 `followers_only` / `subscribers_only`). Only the owner "
            "gets `stream_key`, `ingest_url` and the other ingest settings. A followers-only or "
            "subscribers-only stream on IVS has a `playback_url` with a token for the caller (until "
            "`playback_expires_at`: fetch again for a new one); without the server's signing key it is "
            "503 `playback_auth_unconfigured`."
        ),
    )
    def get(self, request: Request, pk) -> Response:
        stream = selectors.stream_get_for_viewer(stream_id=pk, user=_user(request))
        data = _render(request, stream)
        is_owner = request.user.is_authenticated and stream.owner_id == request.user.pk
        if not is_owner and stream.status == stream.Status.LIVE and stream.monetized:
            sponsored = stream_ad_for(request=request, stream=stream)
            if sponsored is not None:
                data["sponsored"] = sponsored
        return Response(data)

    @extend_schema(
        operation_id="streams_update",
        request=StreamUpdateSerializer,
        responses={200: OwnStreamSerializer, **error_responses(409, 503)},
        description=(
            "The owner's settings. Ended: 409 `stream_ended`; the time or recording after the start: "
            "409 `stream_started`. IVS: a visibility change between open (public, unlisted) and "
            "private (followers, subscribers) while live is 409 `visibility_locked_while_live`; "
            "making a stream private without the server's playback signing key is 503 "
            "`playback_auth_unconfigured`."
        ),
    )
    def patch(self, request: Request, pk) -> Response:
        stream = selectors.stream_get_owned(stream_id=pk, owner=request.user)  # access before the body
        serializer = StreamUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        stream = services.stream_update(stream=stream, by=request.user, changes=serializer.validated_data)
        return Response(_render(request, stream))

    @extend_schema(
        operation_id="streams_destroy",
        responses={204: None},
        description="Delete the stream (ending it first when live). The owner, or a stream moderator.",
    )
    def delete(self, request: Request, pk) -> Response:
        if selectors.is_stream_moderator(user=request.user):
            stream = selectors.stream_get_for_viewer(stream_id=pk, user=request.user)
        else:
            stream = selectors.stream_get_owned(stream_id=pk, owner=request.user)
        services.stream_delete(stream=stream, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _OwnerAction(APIView):
    permission_classes = [IsAuthenticated, IsEmailVerified]

    def _stream(self, request: Request, pk):
        return selectors.stream_get_owned(stream_id=pk, owner=request.user)


class StreamCancelView(_OwnerAction):
    @extend_schema(
        operation_id="streams_cancel",
        request=None,
        responses={200: OwnStreamSerializer, **error_responses(409)},
        description="Cancel a scheduled stream (`scheduled → ended`); once it started: 409 `invalid_transition`.",
    )
    def post(self, request: Request, pk) -> Response:
        stream = services.stream_cancel(stream=self._stream(request, pk), by=request.user)
        return Response(_render(request, stream))


class StreamEndView(_OwnerAction):
    @extend_schema(
        operation_id="streams_end",
        request=None,
        responses={200: OwnStreamSerializer, **error_responses(409)},
        description="End a live stream (`live → ended`); otherwise 409 `invalid_transition`.",
    )
    def post(self, request: Request, pk) -> Response:
        stream = services.stream_end(stream=self._stream(request, pk), by=request.user)
        return Response(_render(request, stream))


class StreamKeyRotateView(_OwnerAction):
    @extend_schema(
        operation_id="streams_rotate_key",
        request=None,
        responses={200: OwnStreamSerializer, **error_responses(409, 503)},
        description="A new stream key; the old one is refused from now on (a session using it is cut).",
    )
    def post(self, request: Request, pk) -> Response:
        stream = services.stream_key_rotate(stream=self._stream(request, pk), by=request.user)
        return Response(_render(request, stream))


class StreamReminderView(APIView):
    permission_classes = [IsAuthenticated, IsEmailVerified]

    @extend_schema(
        operation_id="streams_reminder_set",
        request=None,
        responses={200: ReminderSerializer, **error_responses(409)},
        description="Be reminded shortly before a scheduled stream starts (and told when it goes live).",
    )
    def post(self, request: Request, pk) -> Response:
        stream = selectors.stream_get_for_viewer(stream_id=pk, user=request.user)
        services.stream_reminder_set(stream=stream, user=request.user)
        return Response({"reminder": True})

    @extend_schema(operation_id="streams_reminder_unset", request=None, responses={200: ReminderSerializer})
    def delete(self, request: Request, pk) -> Response:
        stream = selectors.stream_get_for_viewer(stream_id=pk, user=request.user)
        services.stream_reminder_unset(stream=stream, user=request.user)
        return Response({"reminder": False})


class StreamMediaView(APIView):
    """The live HLS of a local stream (playlist and segments), after the visibility checks."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="streams_media",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            (206, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="A byte range."),
        },
    )
    def get(self, request: Request, pk, name: str) -> HttpResponse:
        stream = selectors.stream_get_for_viewer(stream_id=pk, user=_user(request))
        path = selectors.stream_file(stream.pk, name)
        if path is None or stream.provider != stream.Provider.LOCAL:
            raise NotFoundError("No such file.")
        # The live playlist changes every segment: never cached; segments never change.
        cache = "no-store" if path.suffix == ".m3u8" else "private, max-age=3600"
        return ranged_file_response(request, path, cache_control=cache)


class IvsEventsView(APIView):
    """EventBridge's API destination for IVS stream and recording state changes (STREAMING_PROVIDER=ivs)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="streams_ivs_events",
        request=OpenApiTypes.OBJECT,
        parameters=[events_token_parameter("IVS_EVENTS_TOKEN")],
        responses={200: IvsEventResultSerializer},
        description=(
            "A repeated event (same `id`) answers `duplicate`; one that would move the stream backwards "
            "(a late `Stream Start` after its end) answers `ignored`. Neither changes anything."
        ),
    )
    def post(self, request: Request) -> Response:
        event, token = event_and_token(request)
        result = ivs_events.ivs_event_handle(event=event, token=token)
        return Response({"status": result})
