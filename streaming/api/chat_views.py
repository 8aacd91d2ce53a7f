"""REST around the chat: the streamer's chat moderators, viewer heartbeats and live metrics."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsEmailVerified
from core.errors import NotFoundError
from core.openapi import error_responses
from streaming.api.chat_serializers import (
    ChannelModeratorAddSerializer,
    ChannelModeratorSerializer,
    HeartbeatSerializer,
    StreamMetricsSerializer,
)
from streaming.selectors.metrics import stream_get_for_moderation
from streaming.selectors.streams import can_view_stream, channel_moderators, stream_get
from streaming.services import metrics, moderators, viewers


def _user(request: Request):
    return request.user if request.user.is_authenticated else None


class ChannelModeratorListView(APIView):
    """The signed-in streamer's chat moderators (they moderate every stream of the streamer)."""

    permission_classes = [IsAuthenticated, IsEmailVerified]

    @extend_schema(operation_id="streams_moderators_list", responses={200: ChannelModeratorSerializer(many=True)})
    def get(self, request: Request) -> Response:
        rows = channel_moderators(streamer=request.user)
        return Response(ChannelModeratorSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="streams_moderators_add",
        request=ChannelModeratorAddSerializer,
        responses={201: ChannelModeratorSerializer, **error_responses(404, 409)},
    )
    def post(self, request: Request) -> Response:
        serializer = ChannelModeratorAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = moderators.channel_moderator_add(
            streamer=request.user,
            user_id=serializer.validated_data.get("user_id"),
            handle=serializer.validated_data.get("handle"),
        )
        return Response(ChannelModeratorSerializer(row).data, status=status.HTTP_201_CREATED)


class ChannelModeratorDetailView(APIView):
    permission_classes = [IsAuthenticated, IsEmailVerified]

    @extend_schema(operation_id="streams_moderators_remove", responses={204: None, **error_responses(404)})
    def delete(self, request: Request, user_id) -> Response:
        moderators.channel_moderator_remove(streamer=request.user, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StreamHeartbeatView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="streams_heartbeat",
        request=HeartbeatSerializer,
        responses={204: None, **error_responses(404)},
        description=(
            "Viewers who are not on the chat socket send one every 15 seconds while they watch a live "
            "stream. Anonymous viewers send a stable `client_id` (400 `invalid_client_id` without one)."
        ),
    )
    def post(self, request: Request, pk) -> Response:
        stream = stream_get(stream_id=pk)  # access first: 404 before any 400 about the body
        user = _user(request)
        if not can_view_stream(stream=stream, user=user) or stream.status != stream.Status.LIVE:
            raise NotFoundError("No such live stream.")
        serializer = HeartbeatSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        viewers.viewer_heartbeat(
            stream=stream,
            viewer_key=viewers.viewer_key_for(user=user, client_id=serializer.validated_data.get("client_id")),
            user=user,
            country=viewers.country_from_headers(request.META),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class StreamMetricsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="streams_metrics",
        responses={200: StreamMetricsSerializer, **error_responses(404)},
        description="Live figures (and the summary once ended), for the streamer and the chat's moderators.",
    )
    def get(self, request: Request, pk) -> Response:
        stream = stream_get_for_moderation(stream_id=pk, user=request.user)
        data = metrics.stream_metrics(stream=stream)
        stream.refresh_from_db()
        data.update(
            average_viewers=stream.average_viewers,
            total_watch_seconds=stream.total_watch_seconds,
            unique_viewers=stream.unique_viewers,
            chat_messages_count=stream.chat_messages_count,
        )
        return Response(StreamMetricsSerializer(data).data)
