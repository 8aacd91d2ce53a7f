"""Videos under /api/v1/videos/: upload, edit, play, count views, read analytics. Thin: parse, call, render."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsEmailVerified
from content.api.video_serializers import (
    OwnVideoSerializer,
    UploadCompleteSerializer,
    UploadSerializer,
    VideoAnalyticsSerializer,
    VideoCreateSerializer,
    VideoSerializer,
    VideoUpdateSerializer,
    ViewHeartbeatSerializer,
)
from content.models import Upload
from content.selectors import video_playback
from content.selectors import videos as selectors
from content.services import video_mediaconvert, video_pipeline, video_s3, video_views, videos
from content.video_files import output_file
from core.errors import ApplicationError, NotFoundError
from core.eventbridge import event_and_token, events_token_parameter
from core.openapi import any_of, error_responses
from core.pagination import CursorPagination
from core.ranged_files import ranged_file_response

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
STREAM_BLOCK = 64 * 1024


def viewer_country(request: Request) -> str:
    header = "HTTP_" + settings.VIEWER_COUNTRY_HEADER.upper().replace("-", "_")
    return request.META.get(header, "").strip().upper()[:2]


def _user(request: Request):
    return request.user if request.user.is_authenticated else None


def _render(request: Request, video, *, with_preroll: bool = False) -> dict:
    is_owner = request.user.is_authenticated and video.owner_id == request.user.pk
    serializer = OwnVideoSerializer if is_owner else VideoSerializer
    return serializer(video, context={"request": request, "with_preroll": with_preroll and not is_owner}).data


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="A retried request with the same key returns the same video instead of a new one.",
)  # fmt: skip


class VideoCreateResponseSerializer(OwnVideoSerializer):
    pass


class VideoListCreateView(APIView):
    pagination_class = CursorPagination  # documents the GET as a page (next, previous, results)

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAuthenticated(), IsEmailVerified()]
        return [AllowAny()]

    @extend_schema(
        operation_id="videos_list",
        parameters=[
            OpenApiParameter("owner", OpenApiTypes.UUID, description="Only this creator's videos."),
            OpenApiParameter("tag", str, description="Only videos with this tag."),
        ],
        responses={200: VideoSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        paginator = CursorPagination()
        source = selectors.video_page_public(
            owner_id=request.query_params.get("owner") or None,
            tag=request.query_params.get("tag") or None,
            user=_user(request),
        )
        page = paginator.paginate_queryset(source, request, view=self)
        return paginator.get_paginated_response(VideoSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="videos_create",
        parameters=[IDEMPOTENCY_KEY],
        request=VideoCreateSerializer,
        responses={201: OwnVideoSerializer, **error_responses(413)},
        description=(
            "Start a video: its metadata and the size of the file. The answer's `upload.url` takes the "
            "file in chunks (PATCH with `Upload-Offset`). Over the size limit: 413 `request_too_large`; "
            "over a quota: 403 `quota_exceeded` or `daily_quota_exceeded`."
        ),
    )
    def post(self, request: Request) -> Response:
        serializer = VideoCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        video, _created = videos.video_create(
            owner=request.user,
            idempotency_key=request.headers.get("Idempotency-Key") or None,
            **serializer.validated_data,
        )
        return Response(_render(request, video), status=status.HTTP_201_CREATED)


class MyVideosView(APIView):
    pagination_class = CursorPagination  # documents the GET as a page (next, previous, results)
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="videos_mine", responses={200: OwnVideoSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = CursorPagination()
        page = paginator.paginate_queryset(selectors.video_list_for_owner(owner=request.user), request, view=self)
        return paginator.get_paginated_response(OwnVideoSerializer(page, many=True, context={"request": request}).data)


class VideoSearchView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="videos_search",
        parameters=[OpenApiParameter("q", str, required=True, description='Words, "phrases", -excluded.')],
        responses={200: VideoSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        query = request.query_params.get("q", "").strip()
        if not query:
            raise ApplicationError("Give a search query (q).", code="query_required")
        results = selectors.video_search(query=query[:200], user=_user(request))
        return Response(VideoSerializer(results, many=True, context={"request": request}).data)


class VideoDetailView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly, IsEmailVerified]

    @extend_schema(
        operation_id="videos_retrieve",
        responses={200: any_of("OwnVideo", "Video"), **error_responses(451)},
        description="Owners get the processing detail too (`renditions`, `error_code`, `upload`).",
    )
    def get(self, request: Request, pk) -> Response:
        video = selectors.video_get_for_viewer(video_id=pk, user=_user(request), country=viewer_country(request))
        return Response(_render(request, video, with_preroll=True))

    @extend_schema(operation_id="videos_update", request=VideoUpdateSerializer, responses={200: OwnVideoSerializer})
    def patch(self, request: Request, pk) -> Response:
        video = selectors.video_get_owned(video_id=pk, owner=request.user)  # access before the body
        serializer = VideoUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        video = videos.video_update(video=video, by=request.user, changes=serializer.validated_data)
        video = selectors.video_get_for_viewer(video_id=video.pk, user=request.user)
        return Response(_render(request, video))

    @extend_schema(operation_id="videos_destroy", responses={204: None})
    def delete(self, request: Request, pk) -> Response:
        videos.video_delete(video=selectors.video_get_owned(video_id=pk, owner=request.user), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UploadView(APIView):
    """tus-style resumable upload: GET (or HEAD) says the offset, PATCH appends at it."""

    permission_classes = [IsAuthenticated, IsEmailVerified]

    def _headers(self, upload: Upload) -> dict[str, str]:
        return {"Upload-Offset": str(upload.offset), "Upload-Length": str(upload.size), "Cache-Control": "no-store"}

    @extend_schema(operation_id="videos_upload_retrieve", responses={200: UploadSerializer})
    def get(self, request: Request, pk) -> Response:
        upload = Upload.objects.filter(pk=pk, video__owner=request.user, video__deleted_at__isnull=True).first()
        if upload is None:
            raise NotFoundError("No such upload.")
        return Response(UploadSerializer(upload, context={"request": request}).data, headers=self._headers(upload))

    @extend_schema(
        operation_id="videos_upload_append",
        parameters=[
            OpenApiParameter(
                "Upload-Offset",
                int,
                OpenApiParameter.HEADER,
                required=True,
                description="Where this chunk starts: the upload's current offset.",
            ),
        ],
        request={"application/offset+octet-stream": OpenApiTypes.BINARY},
        responses={200: UploadSerializer, **error_responses(409, 413, 415)},
        description=(
            "Append the request body at `Upload-Offset`. A wrong offset: 409 `offset_mismatch` (the "
            "current one in the `Upload-Offset` header). After the last byte the file is probed: not a "
            "video, 415 `unsupported_media`."
        ),
    )
    def patch(self, request: Request, pk) -> Response:
        try:
            offset = int(request.headers["Upload-Offset"])
            length = int(request.headers["Content-Length"])
        except (KeyError, ValueError):
            raise ApplicationError("Send Upload-Offset and Content-Length headers.", code="offset_required") from None
        try:
            upload = videos.upload_append(
                upload_id=pk, user=request.user, offset=offset, length=length, stream=request._request
            )
        except ApplicationError as error:
            if error.code == "offset_mismatch":
                error.extra = {}
                response = Response(
                    {"type": "client_error", "errors": [{"code": error.code, "detail": error.message, "attr": None}]},
                    status=status.HTTP_409_CONFLICT,
                )
                current = Upload.objects.get(pk=pk)
                for key, value in self._headers(current).items():
                    response[key] = value
                return response
            raise
        return Response(UploadSerializer(upload, context={"request": request}).data, headers=self._headers(upload))


class UploadCompleteView(APIView):
    """S3 mode: the client sent every part to its presigned URL; complete the multipart upload."""

    permission_classes = [IsAuthenticated, IsEmailVerified]

    @extend_schema(
        operation_id="videos_upload_complete",
        request=UploadCompleteSerializer,
        responses={200: UploadSerializer, **error_responses(409, 413, 415)},
        description=(
            "Send the ETag of every part (numbers 1..N in order). The object must be the declared size "
            "(bigger: 413 `request_too_large`, smaller: 400 `size_mismatch`); S3 refusing the ETags: 400 "
            "`invalid_parts`; not a video: 415 `unsupported_media`; done or abandoned before: 409 "
            "`upload_complete` or `upload_aborted`."
        ),
    )
    def post(self, request: Request, pk) -> Response:
        # Access first (as GET upload.url): 404 for someone else's upload before any 400 about the body.
        if not Upload.objects.filter(pk=pk, video__owner=request.user, video__deleted_at__isnull=True).exists():
            raise NotFoundError("No such upload.")
        serializer = UploadCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = video_s3.upload_s3_complete(upload_id=pk, user=request.user, parts=serializer.validated_data["parts"])
        return Response(UploadSerializer(upload, context={"request": request}).data)


class RenditionRetryView(APIView):
    permission_classes = [IsAuthenticated, IsEmailVerified]

    @extend_schema(
        operation_id="videos_rendition_retry", request=None, responses={202: OwnVideoSerializer, **error_responses(409)}
    )
    def post(self, request: Request, pk, name: str) -> Response:
        video = selectors.video_get_owned(video_id=pk, owner=request.user)
        video_pipeline.rendition_retry(video=video, name=name, by=request.user)
        video = selectors.video_get_for_viewer(video_id=pk, user=request.user)
        return Response(_render(request, video), status=status.HTTP_202_ACCEPTED)


class ViewHeartbeatView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="videos_view_heartbeat",
        request=ViewHeartbeatSerializer,
        responses={204: None, **error_responses(451)},
        description="Players send one every 10 seconds or so. Anonymous players send a stable `client_id`.",
    )
    def post(self, request: Request, pk) -> Response:
        country = viewer_country(request)
        video = selectors.video_get_for_playback(video_id=pk, user=_user(request), country=country)
        serializer = ViewHeartbeatSerializer(data=request.data)  # access first, then the body
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        video_views.view_heartbeat_record(
            video=video, user=_user(request), client_id=data.get("client_id"), session=data["session"],
            position=data["position"], watched=data["watched"], country=country,
        )  # fmt: skip
        return Response(status=status.HTTP_204_NO_CONTENT)


class VideoAnalyticsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="videos_analytics",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="First day (UTC); 28 days ago by default."),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (UTC); today by default."),
        ],
        responses={200: VideoAnalyticsSerializer},
    )
    def get(self, request: Request, pk) -> Response:
        video = selectors.video_get_owned(video_id=pk, owner=request.user)
        today = timezone.now().date()
        try:
            end = dt.date.fromisoformat(request.query_params.get("end") or today.isoformat())
            start = dt.date.fromisoformat(
                request.query_params.get("start") or (end - dt.timedelta(days=27)).isoformat()
            )
        except ValueError:
            raise ApplicationError("Dates are YYYY-MM-DD.", code="invalid_date") from None
        data = selectors.video_analytics(video=video, start=start, end=end)
        return Response(VideoAnalyticsSerializer(data).data)


class MediaConvertEventResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["processed", "duplicate", "ignored"], read_only=True)


class MediaConvertEventsView(APIView):
    """EventBridge's API destination for MediaConvert job state changes (VIDEO_BACKEND=mediaconvert)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="videos_mediaconvert_events",
        request=OpenApiTypes.OBJECT,
        parameters=[events_token_parameter("MEDIACONVERT_EVENTS_TOKEN")],
        responses={200: MediaConvertEventResultSerializer},
        description="A repeated event (same `id`) answers `duplicate` and changes nothing.",
    )
    def post(self, request: Request) -> Response:
        event, token = event_and_token(request)
        result = video_mediaconvert.mediaconvert_event_handle(event=event, token=token)
        return Response({"status": result})


class VideoMediaView(APIView):
    """A video's files after the access checks: local files with ranges; for outputs in S3, playlists
    with every segment signed, and a redirect to a signed URL for anything else."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="videos_media",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            (206, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="A byte range."),
            302: OpenApiResponse(description="Outputs in S3: a signed URL of the file (not a playlist)."),
            **error_responses(451),
        },
    )
    def get(self, request: Request, pk, name: str) -> HttpResponse:
        video = selectors.video_get_for_playback(video_id=pk, user=_user(request), country=viewer_country(request))
        if video.output_storage == video.Storage.S3:
            return _s3_media_response(request, video, name)
        path = output_file(pk, name)
        if path is None:
            raise NotFoundError("No such file.")
        return _ranged_file_response(request, path)


def _s3_media_response(request: Request, video, name: str) -> HttpResponse:
    if name.endswith(".m3u8"):
        body = video_playback.playlist_signed(
            video=video, name=name,
            api_url=lambda target: request.build_absolute_uri(reverse("v1:video-media", args=[video.pk, target])),
        )  # fmt: skip
        response = HttpResponse(body, content_type=CONTENT_TYPES[".m3u8"])
    else:
        response = HttpResponseRedirect(video_playback.media_signed_url(video=video, name=name))
    response["Cache-Control"] = "private, no-store"  # signed URLs inside: never shared, never stale
    return response


CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".jpg": "image/jpeg"}


def _ranged_file_response(request: Request, path) -> HttpResponse:
    return ranged_file_response(request, path)
