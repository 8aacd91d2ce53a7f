"""Social's API: comments, likes and saves on posts, videos and comments. Thin: parse, call
one selector or service, render. Views for posts and videos are one class per kind (made by the
``_for_kind`` helpers) so that each has its own operation in the OpenAPI schema."""

from __future__ import annotations

import uuid

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsEmailVerified
from content.services import posts as post_services
from content.services import videos as video_services
from core.openapi import error_responses
from core.pagination import CursorPagination
from social.api.interaction_serializers import (
    CommentCreateSerializer,
    CommentEditSerializer,
    CommentRevisionSerializer,
    CommentSerializer,
    CommentSettingsSerializer,
    LikerSerializer,
    LikeStateSerializer,
    ReplyCreateSerializer,
    SaveSerializer,
    SaveStateSerializer,
    SubthreadSerializer,
    ThreadSerializer,
)
from social.selectors import comments as comment_selectors
from social.selectors import likes as like_selectors
from social.selectors import saves as save_selectors
from social.selectors.targets import content_get, content_of_comment
from social.services import comments as comment_services
from social.services import likes as like_services

_PERMISSIONS = [IsAuthenticatedOrReadOnly, IsEmailVerified]
_PAGE_PARAMETERS = [
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Up to 100; 20 by default."),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next` or `previous`."),
]
_AUTHOR = {"id": "01936a1e-0000-7000-8000-000000000002", "handle": "bob", "display_name": "Bob"}
_COMMENT_EXAMPLE = {
    "id": "01936a1f-0000-7000-8000-0000000000c1",
    "post_id": "01936a1e-8b1c-7cc0-9d41-2b7f0c1a9e55",
    "video_id": None,
    "parent_id": None,
    "root_id": "01936a1f-0000-7000-8000-0000000000c1",
    "depth": 0,
    "display_depth": 0,
    "reply_to": None,
    "state": "visible",
    "author": _AUTHOR,
    "text": "Love the linework, @ana",
    "mentions": [{"id": "01936a1e-0000-7000-8000-000000000001", "handle": "ana", "display_name": "Ana Lima"}],
    "likes_count": 3,
    "replies_count": 1,
    "liked": False,
    "edited_at": None,
    "created_at": "2026-11-24T20:50:00Z",
}
_REPLY_EXAMPLE = {
    **_COMMENT_EXAMPLE,
    "id": "01936a1f-0000-7000-8000-0000000000c2",
    "parent_id": _COMMENT_EXAMPLE["id"],
    "depth": 1,
    "display_depth": 1,
    "reply_to": "bob",
    "author": {"id": "01936a1e-0000-7000-8000-000000000001", "handle": "ana", "display_name": "Ana Lima"},
    "text": "Thank you!",
    "mentions": [],
    "likes_count": 0,
    "replies_count": 0,
}
_ERRORS_BLOCKED = (
    "403 `blocked` when you and the owner (for a reply: or the parent's author) have a block between you; "
    "403 `account_suspended`/`account_banned`."
)


def _viewer(request: Request):
    return request.user if request.user.is_authenticated else None


def _country(request: Request) -> str:
    header = "HTTP_" + settings.VIEWER_COUNTRY_HEADER.upper().replace("-", "_")
    return request.META.get(header, "").strip().upper()[:2]


def _content(request: Request, kind: str, pk: uuid.UUID):
    return content_get(kind=kind, pk=pk, user=request.user, country=_country(request))


def _render_comments(request: Request, comments: list, serializer_class=CommentSerializer, many: bool = True):
    rows = comments if many else [comments]
    everything = list(rows)
    for comment in rows:
        everything.extend(getattr(comment, "thread", []) or getattr(comment, "subthread", []))
    context = comment_selectors.viewer_context(viewer=_viewer(request), comments=everything)
    return serializer_class(comments, many=many, context={"request": request, "viewer": context}).data


def _comment_created(request: Request, comment) -> Response:
    comment = comment_selectors.comment_get(comment_id=comment.pk)
    return Response(_render_comments(request, comment, many=False), status=status.HTTP_201_CREATED)


# --- comments on posts and videos ----------------------------------------------------------------


class _ContentCommentsView(APIView):
    pagination_class = CursorPagination  # documents the GET as a page (next, previous, results)
    permission_classes = _PERMISSIONS
    kind = ""

    def get(self, request: Request, pk: uuid.UUID) -> Response:
        content = _content(request, self.kind, pk)
        paginator = CursorPagination()
        page = paginator.paginate_queryset(comment_selectors.top_level_comments(content=content), request, view=self)
        replies = comment_selectors.thread_replies(root_ids=[c.pk for c in page])
        for comment in page:
            comment.thread = replies.get(comment.pk, [])
        return paginator.get_paginated_response(_render_comments(request, page, ThreadSerializer))

    def post(self, request: Request, pk: uuid.UUID) -> Response:
        content = _content(request, self.kind, pk)
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = None
        if data.get("parent_id"):
            parent = comment_selectors.comment_get(comment_id=data["parent_id"])
        comment = comment_services.comment_create(
            author=request.user, content=content, text=data["text"], parent=parent
        )
        return _comment_created(request, comment)


def _comments_view(kind: str, tag: str):
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"{kind}s_comments_list",
            summary=f"Comments on a {kind}, threaded",
            description=(
                f"Top-level comments on the {kind}, newest first, cursor-paginated; each with the first "
                f"{comment_selectors.REPLIES_PER_THREAD} replies of its thread in depth-first order. "
                f"Replies nest down to display depth {comment_selectors.DISPLAY_DEPTH}; deeper ones are "
                "shown at that depth with `reply_to`. The rest of a thread: `comments/{id}/replies/`. "
                "A page costs a fixed number of queries whatever its size."
            ),
            parameters=_PAGE_PARAMETERS,
            responses={200: ThreadSerializer(many=True)},
            examples=[
                OpenApiExample(
                    "A thread",
                    value=[{**_COMMENT_EXAMPLE, "replies": [_REPLY_EXAMPLE], "thread_replies_total": 1}],
                    response_only=True,
                )
            ],
            tags=[tag],
        ),
        post=extend_schema(
            operation_id=f"{kind}s_comments_create",
            summary=f"Comment on a {kind}",
            description=(
                f"Top-level, or a reply with `parent_id` (a comment on the same {kind}; 400 `parent_mismatch` "
                "otherwise, 404 `comment_not_found` when it is deleted or removed). Up to "
                f"{comment_services.COMMENT_MAX_LENGTH} characters (400 `text_too_long`). @mentions notify the "
                f"users named. 403 `comments_disabled` when the owner turned comments off. {_ERRORS_BLOCKED}"
            ),
            request=CommentCreateSerializer,
            responses={201: CommentSerializer},
            examples=[
                OpenApiExample("Comment", value={"text": "Love the linework, @ana"}, request_only=True),
                OpenApiExample(
                    "Reply", value={"text": "Thank you!", "parent_id": _COMMENT_EXAMPLE["id"]}, request_only=True
                ),
                OpenApiExample("Created", value=_COMMENT_EXAMPLE, response_only=True, status_codes=["201"]),
            ],
            tags=[tag],
        ),
    )(type(f"{kind.title()}CommentsView", (_ContentCommentsView,), {"kind": kind}))


PostCommentsView = _comments_view("post", "posts")
VideoCommentsView = _comments_view("video", "videos")


class _CommentSettingsView(APIView):
    permission_classes = [IsAuthenticated, IsEmailVerified]
    kind = ""

    def patch(self, request: Request, pk: uuid.UUID) -> Response:
        content = _content(request, self.kind, pk)
        serializer = CommentSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enabled = serializer.validated_data["comments_enabled"]
        if self.kind == "post":
            content = post_services.post_set_comments_enabled(post=content, by=request.user, enabled=enabled)
        else:
            content = video_services.video_set_comments_enabled(video=content, by=request.user, enabled=enabled)
        return Response(CommentSettingsSerializer({"comments_enabled": content.comments_enabled}).data)


def _settings_view(kind: str, tag: str):
    owner = "author" if kind == "post" else "owner"
    return extend_schema_view(
        patch=extend_schema(
            operation_id=f"{kind}s_comment_settings_update",
            summary=f"Turn comments on your {kind} on or off",
            description=(
                f"Only the {kind}'s {owner} (403 `not_{owner}`). Existing comments stay readable; while "
                "comments are off nobody can add one (403 `comments_disabled`)."
            ),
            request=CommentSettingsSerializer,
            responses={200: CommentSettingsSerializer},
            examples=[OpenApiExample("Turn off", value={"comments_enabled": False})],
            tags=[tag],
        )
    )(type(f"{kind.title()}CommentSettingsView", (_CommentSettingsView,), {"kind": kind}))


PostCommentSettingsView = _settings_view("post", "posts")
VideoCommentSettingsView = _settings_view("video", "videos")


# --- one comment ---------------------------------------------------------------------------------


def _visible_comment(request: Request, comment_id: uuid.UUID, *, live: bool = False):
    comment = comment_selectors.comment_get(comment_id=comment_id, live=live)
    comment_selectors.comment_hidden_check(comment=comment, viewer=_viewer(request))
    content = content_of_comment(comment=comment, user=request.user, country=_country(request))
    return comment, content


class CommentDetailView(APIView):
    permission_classes = _PERMISSIONS

    @extend_schema(
        operation_id="comments_retrieve",
        summary="A comment and its replies",
        description=(
            f"The comment (a tombstone if deleted or removed) with up to {comment_selectors.SUBTHREAD_REPLIES} "
            "replies below it at any depth, depth-first; `more_replies` says whether `replies/` has more."
        ),
        responses={200: SubthreadSerializer},
        examples=[
            OpenApiExample(
                "A comment with a reply",
                value={**_COMMENT_EXAMPLE, "replies": [_REPLY_EXAMPLE], "more_replies": False},
                response_only=True,
            )
        ],
        tags=["comments"],
    )
    def get(self, request: Request, comment_id: uuid.UUID) -> Response:
        comment, _content = _visible_comment(request, comment_id)
        limit = comment_selectors.SUBTHREAD_REPLIES
        replies = list(comment_selectors.descendants(comment=comment)[: limit + 1])
        comment.subthread = replies[:limit]
        comment.more_replies = len(replies) > limit
        return Response(_render_comments(request, comment, SubthreadSerializer, many=False))

    @extend_schema(
        operation_id="comments_partial_update",
        summary="Edit your comment",
        description=(
            "Only the author (403 `not_author`); not a removed comment (403 `comment_removed`). The previous "
            "text is kept (`revisions/`). Users newly mentioned are notified."
        ),
        request=CommentEditSerializer,
        responses={200: CommentSerializer},
        examples=[OpenApiExample("Fix a typo", value={"text": "Love the linework!"}, request_only=True)],
        tags=["comments"],
    )
    def patch(self, request: Request, comment_id: uuid.UUID) -> Response:
        comment, _content = _visible_comment(request, comment_id, live=True)
        serializer = CommentEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment_services.comment_edit(comment=comment, by=request.user, text=serializer.validated_data["text"])
        comment = comment_selectors.comment_get(comment_id=comment_id)
        return Response(_render_comments(request, comment, many=False))

    @extend_schema(
        operation_id="comments_destroy",
        summary="Delete a comment",
        description=(
            "By its author, or by the owner of the post or video it is on (403 `not_allowed` for anyone else). "
            "Replies stay; the comment shows as `deleted`. Deleting again is a 204 too."
        ),
        responses={204: None},
        tags=["comments"],
    )
    def delete(self, request: Request, comment_id: uuid.UUID) -> Response:
        comment, content = _visible_comment(request, comment_id)
        comment_services.comment_delete(comment=comment, by=request.user, content=content)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PathCursorPagination(CursorPagination):
    """Replies in thread order (``path``: depth-first), oldest branch first."""

    ordering = "path"


class CommentRepliesView(APIView):
    pagination_class = PathCursorPagination  # documents the GET as a page (next, previous, results)
    permission_classes = _PERMISSIONS

    @extend_schema(
        operation_id="comments_replies_list",
        summary="Replies below a comment",
        description="Every reply below the comment at any depth, depth-first, cursor-paginated.",
        parameters=_PAGE_PARAMETERS,
        responses={200: CommentSerializer(many=True)},
        examples=[OpenApiExample("Replies", value=[_REPLY_EXAMPLE], response_only=True)],
        tags=["comments"],
    )
    def get(self, request: Request, comment_id: uuid.UUID) -> Response:
        comment, _content = _visible_comment(request, comment_id)
        paginator = PathCursorPagination()
        page = paginator.paginate_queryset(comment_selectors.descendants(comment=comment), request, view=self)
        return paginator.get_paginated_response(_render_comments(request, page))

    @extend_schema(
        operation_id="comments_replies_create",
        summary="Reply to a comment",
        description=(
            "As commenting with `parent_id`: 404 `comment_not_found` for a deleted or removed comment, "
            f"403 `comments_disabled`. {_ERRORS_BLOCKED}"
        ),
        request=ReplyCreateSerializer,
        responses={201: CommentSerializer},
        examples=[
            OpenApiExample("Reply", value={"text": "Thank you!"}, request_only=True),
            OpenApiExample("Created", value=_REPLY_EXAMPLE, response_only=True, status_codes=["201"]),
        ],
        tags=["comments"],
    )
    def post(self, request: Request, comment_id: uuid.UUID) -> Response:
        parent, content = _visible_comment(request, comment_id)
        serializer = ReplyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = comment_services.comment_create(
            author=request.user, content=content, text=serializer.validated_data["text"], parent=parent
        )
        return _comment_created(request, comment)


class CommentRevisionsView(APIView):
    permission_classes = _PERMISSIONS

    @extend_schema(
        operation_id="comments_revisions_list",
        summary="Earlier texts of a comment",
        description="Oldest first: each text the comment had before an edit. Empty for a deleted or removed comment.",
        responses={200: CommentRevisionSerializer(many=True)},
        tags=["comments"],
    )
    def get(self, request: Request, comment_id: uuid.UUID) -> Response:
        comment, _content = _visible_comment(request, comment_id)
        context = comment_selectors.viewer_context(viewer=None, comments=[])
        if comment_selectors.comment_state(comment=comment, context=context) != "visible":
            return Response([])
        return Response(CommentRevisionSerializer(comment_selectors.comment_revisions(comment=comment), many=True).data)


# --- likes ---------------------------------------------------------------------------------------


_LIKE_EXAMPLES = [
    OpenApiExample("Liked", value={"liked": True, "likes_count": 4}, response_only=True),
]


class _LikeView(APIView):
    permission_classes = [IsAuthenticated, IsEmailVerified]
    kind = ""

    def _target(self, request: Request, pk: uuid.UUID):
        if self.kind == "comment":
            comment, content = _visible_comment(request, pk)
            return comment, content
        return _content(request, self.kind, pk), None

    def put(self, request: Request, pk: uuid.UUID) -> Response:
        target, content = self._target(request, pk)
        state = like_services.like(user=request.user, target=target, content=content)
        return Response(LikeStateSerializer(state).data)

    def delete(self, request: Request, pk: uuid.UUID) -> Response:
        target, _content = self._target(request, pk)
        state = like_services.unlike(user=request.user, target=target)
        return Response(LikeStateSerializer(state).data)


def _like_view(kind: str, tag: str):
    return extend_schema_view(
        put=extend_schema(
            operation_id=f"{kind}s_like",
            summary=f"Like a {kind}",
            description=(
                "Idempotent: liking again changes nothing and answers the same state. The owner is notified "
                f"once, however often you like, unlike and like again. {_ERRORS_BLOCKED}"
                + (" 404 `comment_not_found` for a deleted or removed comment." if kind == "comment" else "")
            ),
            request=None,
            responses={200: LikeStateSerializer},
            examples=_LIKE_EXAMPLES,
            tags=[tag],
        ),
        delete=extend_schema(
            operation_id=f"{kind}s_unlike",
            summary=f"Unlike a {kind}",
            description="Idempotent: without a like, nothing changes and the answer is the same.",
            responses={200: LikeStateSerializer},
            examples=[OpenApiExample("Not liked", value={"liked": False, "likes_count": 3}, response_only=True)],
            tags=[tag],
        ),
    )(type(f"{kind.title()}LikeView", (_LikeView,), {"kind": kind}))


class _LikersView(APIView):
    pagination_class = CursorPagination  # documents the GET as a page (next, previous, results)
    permission_classes = [IsAuthenticated]
    kind = ""

    def get(self, request: Request, pk: uuid.UUID) -> Response:
        content = _content(request, self.kind, pk)
        paginator = CursorPagination()
        likes = like_selectors.likers_of(content=content, viewer=request.user)
        page = paginator.paginate_queryset(likes, request, view=self)
        return paginator.get_paginated_response(LikerSerializer(page, many=True).data)


def _likers_view(kind: str, tag: str):
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"{kind}s_likers_list",
            summary=f"Who liked your {kind}",
            description="Newest like first, cursor-paginated. Only the owner (403 `not_owner`).",
            parameters=_PAGE_PARAMETERS,
            responses={200: LikerSerializer(many=True), **error_responses(403)},
            examples=[
                OpenApiExample(
                    "One like", value=[{"user": _AUTHOR, "liked_at": "2026-11-24T21:00:00Z"}], response_only=True
                )
            ],
            tags=[tag],
        )
    )(type(f"{kind.title()}LikersView", (_LikersView,), {"kind": kind}))


PostLikersView = _likers_view("post", "posts")
VideoLikersView = _likers_view("video", "videos")
PostLikeView = _like_view("post", "posts")
VideoLikeView = _like_view("video", "videos")
CommentLikeView = _like_view("comment", "comments")


# --- saves ---------------------------------------------------------------------------------------


class _SaveView(APIView):
    permission_classes = [IsAuthenticated, IsEmailVerified]
    kind = ""

    def put(self, request: Request, pk: uuid.UUID) -> Response:
        state = like_services.save(user=request.user, content=_content(request, self.kind, pk))
        return Response(SaveStateSerializer(state).data)

    def delete(self, request: Request, pk: uuid.UUID) -> Response:
        state = like_services.unsave(user=request.user, content=_content(request, self.kind, pk))
        return Response(SaveStateSerializer(state).data)


def _save_view(kind: str, tag: str):
    return extend_schema_view(
        put=extend_schema(
            operation_id=f"{kind}s_save",
            summary=f"Save (bookmark) a {kind}",
            description=f"Private to you; idempotent. {_ERRORS_BLOCKED}",
            request=None,
            responses={200: SaveStateSerializer},
            examples=[OpenApiExample("Saved", value={"saved": True}, response_only=True)],
            tags=[tag],
        ),
        delete=extend_schema(
            operation_id=f"{kind}s_unsave",
            summary=f"Remove a {kind} from your saves",
            description="Idempotent: without a save, nothing changes.",
            responses={200: SaveStateSerializer},
            examples=[OpenApiExample("Not saved", value={"saved": False}, response_only=True)],
            tags=[tag],
        ),
    )(type(f"{kind.title()}SaveView", (_SaveView,), {"kind": kind}))


PostSaveView = _save_view("post", "posts")
VideoSaveView = _save_view("video", "videos")


class SavesListView(APIView):
    pagination_class = CursorPagination  # documents the GET as a page (next, previous, results)
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="saves_list",
        summary="Your saves",
        description="Posts and videos you saved, newest save first, cursor-paginated. Deleted content drops out.",
        parameters=_PAGE_PARAMETERS,
        responses={200: SaveSerializer(many=True)},
        examples=[
            OpenApiExample(
                "One saved post",
                value=[
                    {
                        "id": "01936a20-0000-7000-8000-0000000000d1",
                        "kind": "post",
                        "post": {
                            "id": "01936a1e-8b1c-7cc0-9d41-2b7f0c1a9e55",
                            "author": _AUTHOR,
                            "text": "New sketch for #inktober",
                            "created_at": "2026-11-24T20:42:28Z",
                        },
                        "video": None,
                        "saved_at": "2026-11-24T21:00:00Z",
                    }
                ],
                response_only=True,
            )
        ],
        tags=["saves"],
    )
    def get(self, request: Request) -> Response:
        paginator = CursorPagination()
        page = paginator.paginate_queryset(save_selectors.saves_of_user(user=request.user), request, view=self)
        return paginator.get_paginated_response(SaveSerializer(page, many=True).data)
