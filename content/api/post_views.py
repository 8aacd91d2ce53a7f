"""The posts API under /api/v1/posts/. Thin: parse, call one selector or service, render."""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsEmailVerified
from content.api.post_serializers import (
    HashtagSerializer,
    PollSerializer,
    PollVoteSerializer,
    PostCreateSerializer,
    PostEditSerializer,
    PostRevisionSerializer,
    PostSerializer,
    QuoteCreateSerializer,
)
from content.selectors import posts as selectors
from content.services import posts as services
from content.services.post_images import ImageUpload
from core.errors import ApplicationError
from core.openapi import error_responses
from core.pagination import CursorPagination
from core.parsers import JSONParser

TAGS = ["posts"]
_POST_ID = "01936a1e-8b1c-7cc0-9d41-2b7f0c1a9e55"
_POST_EXAMPLE = {
    "id": _POST_ID,
    "kind": "post",
    "author": {"id": "01936a1e-0000-7000-8000-000000000001", "handle": "ana", "display_name": "Ana Lima"},
    "text": "New sketch for #inktober with @bob",
    "visibility": "public",
    "content_warning": "",
    "sensitive": False,
    "hashtags": ["inktober"],
    "mentions": [{"id": "01936a1e-0000-7000-8000-000000000002", "handle": "bob", "display_name": "Bob"}],
    "images": [
        {
            "full_url": f"https://cdn.example.com/posts/{_POST_ID}/3f2a_full.webp",
            "feed_url": f"https://cdn.example.com/posts/{_POST_ID}/3f2a_feed.webp",
            "width": 2048,
            "height": 1536,
            "alt_text": "A fox drawn in ink",
        }
    ],
    "poll": {
        "id": "01936a1e-0000-7000-8000-0000000000aa",
        "multiple_choice": False,
        "ends_at": "2026-11-25T20:42:28Z",
        "ended": False,
        "results_visible": False,
        "voters_count": None,
        "own_vote": None,
        "options": [
            {"id": "01936a1e-0000-7000-8000-0000000000b1", "label": "Fox", "votes_count": None},
            {"id": "01936a1e-0000-7000-8000-0000000000b2", "label": "Owl", "votes_count": None},
        ],
    },
    "counts": {"likes": 0, "comments": 0, "reposts": 2, "quotes": 1},
    "moderation_status": "visible",
    "created_at": "2026-11-24T20:42:28Z",
    "edited_at": None,
    "original": None,
    "original_gone": False,
}
_REPOST_GONE_EXAMPLE = {
    **_POST_EXAMPLE,
    "kind": "repost",
    "text": "",
    "hashtags": [],
    "mentions": [],
    "images": [],
    "poll": None,
    "original": None,
    "original_gone": True,
}
_PERMISSIONS = [IsAuthenticatedOrReadOnly, IsEmailVerified]
_IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Up to 100 characters, unique per request you mean. Sending the same key again returns the post "
        "the first request created (200, `Idempotent-Replayed: true`) instead of creating another."
    ),
)

# The response header of a replay (documented so that clients generated from the schema read it).
_REPLAYED_HEADER = OpenApiParameter(
    "Idempotent-Replayed",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    enum=["true"],
    required=True,
    response=[200],
    description="Present on a replay: this is the post an earlier request with the same key created.",
)


def _content_from(data: dict, *, with_poll: bool) -> services.PostContent:
    alt_texts = data.get("alt_texts", [])
    images = [
        ImageUpload(file=file, alt_text=alt_texts[i] if i < len(alt_texts) else "")
        for i, file in enumerate(data.get("images", []))
    ]
    poll = None
    if with_poll and data.get("poll_options"):
        poll = services.PollSpec(
            options=data["poll_options"], ends_at=data["poll_ends_at"], multiple_choice=data["poll_multiple_choice"]
        )
    return services.PostContent(
        text=data.get("text", ""),
        visibility=data.get("visibility", "public"),
        content_warning=data.get("content_warning", ""),
        sensitive=data.get("sensitive", False),
        images=images,
        poll=poll,
        minimum_tier=data.get("minimum_tier"),
    )


def _created(request: Request, post, created: bool) -> Response:
    post = selectors.post_get(post_id=post.pk, user=request.user)
    body = PostSerializer(post, context={"request": request}).data
    if created:
        return Response(body, status=status.HTTP_201_CREATED)
    return Response(body, status=status.HTTP_200_OK, headers={"Idempotent-Replayed": "true"})


class PostListCreateView(APIView):
    pagination_class = CursorPagination  # documents the GET as a page (next, previous, results)
    permission_classes = _PERMISSIONS
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="posts_list",
        summary="A user's posts",
        description="The posts of `author` that you may read, newest first, cursor-paginated.",
        parameters=[
            OpenApiParameter("author", OpenApiTypes.STR, required=True, description="The author's handle."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="Up to 100; 20 by default."),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next` or `previous`."),
        ],
        responses={200: PostSerializer(many=True)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        handle = request.query_params.get("author", "").strip().lstrip("@")
        if not handle:
            raise ApplicationError("Name the author: ?author=<handle>.", code="author_required")
        queryset = selectors.posts_by_author(handle=handle, user=request.user)
        paginator = CursorPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(PostSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="posts_create",
        summary="Write a post",
        description=(
            "JSON, or multipart with up to 4 `images` (JPEG, PNG, WebP or GIF; re-encoded, metadata removed) "
            "and their `alt_texts` in the same order. A poll is `poll_options` (2 to 4), `poll_ends_at` "
            "(5 minutes to 30 days ahead) and `poll_multiple_choice`. Needs a verified email."
        ),
        parameters=[_IDEMPOTENCY_HEADER, _REPLAYED_HEADER],
        request={"application/json": PostCreateSerializer, "multipart/form-data": PostCreateSerializer},
        responses={
            201: PostSerializer,
            200: OpenApiResponse(PostSerializer, description="Replayed: the post an earlier request created."),
            **error_responses(413),
        },
        examples=[
            OpenApiExample(
                "Text with a poll",
                value={
                    "text": "Which one next? #inktober",
                    "visibility": "public",
                    "poll_options": ["Fox", "Owl"],
                    "poll_ends_at": "2026-11-25T20:42:28Z",
                },
                request_only=True,
            ),
            OpenApiExample("Created", value=_POST_EXAMPLE, response_only=True, status_codes=["201"]),
        ],
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        serializer = PostCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post, created = services.post_create(
            author=request.user,
            content=_content_from(serializer.validated_data, with_poll=True),
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        return _created(request, post, created)


class PostDetailView(APIView):
    permission_classes = _PERMISSIONS
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="posts_retrieve",
        summary="One post",
        responses={200: PostSerializer},
        examples=[
            OpenApiExample("A post", value=_POST_EXAMPLE, response_only=True),
            OpenApiExample("A repost of a deleted post", value=_REPOST_GONE_EXAMPLE, response_only=True),
        ],
        tags=TAGS,
    )
    def get(self, request: Request, post_id: uuid.UUID) -> Response:
        post = selectors.post_get(post_id=post_id, user=request.user)
        return Response(PostSerializer(post, context={"request": request}).data)

    @extend_schema(
        operation_id="posts_partial_update",
        summary="Edit your post",
        description=(
            "Within `POST_EDIT_WINDOW_MINUTES` (60 by default) of posting; after that 409 `edit_window_closed`. "
            "Each edit adds a revision; earlier versions stay readable under `revisions/`. `minimum_tier` "
            "(members-only) can be changed at any time, alone or with an edit: the position of one of your "
            "tiers, 400 `minimum_tier_unknown` when you have none there, `minimum_tier_archived` when it is "
            "archived; null opens the post to everyone."
        ),
        request={"application/json": PostEditSerializer, "multipart/form-data": PostEditSerializer},
        responses={200: PostSerializer, **error_responses(409, 413)},
        examples=[OpenApiExample("Fix a typo", value={"text": "New sketch for #inktober"}, request_only=True)],
        tags=TAGS,
    )
    def patch(self, request: Request, post_id: uuid.UUID) -> Response:
        post = selectors.post_get(post_id=post_id, user=request.user)
        serializer = PostEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        images = None
        if data.get("remove_images"):
            images = []
        elif "images" in data:
            images = _content_from(data, with_poll=False).images
        services.post_update(
            post=post,
            by=request.user,
            minimum_tier=data.get("minimum_tier", services.UNSET),
            text=data.get("text"),
            content_warning=data.get("content_warning"),
            sensitive=data.get("sensitive"),
            images=images,
        )
        post = selectors.post_get(post_id=post_id, user=request.user)
        return Response(PostSerializer(post, context={"request": request}).data)

    @extend_schema(operation_id="posts_destroy", summary="Delete your post", responses={204: None}, tags=TAGS)
    def delete(self, request: Request, post_id: uuid.UUID) -> Response:
        post = selectors.post_get(post_id=post_id, user=request.user)
        services.post_delete(post=post, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostRevisionsView(APIView):
    permission_classes = _PERMISSIONS

    @extend_schema(
        operation_id="posts_revisions_list",
        summary="Every version of a post",
        description="Oldest first; number 1 is the post as first published. Readable by whoever can read the post.",
        responses={200: PostRevisionSerializer(many=True)},
        examples=[
            OpenApiExample(
                "Two versions",
                value=[
                    {
                        "number": 1,
                        "text": "New sketch for #inktobr",
                        "content_warning": "",
                        "images": [],
                        "created_at": "2026-11-24T20:42:28Z",
                    },
                    {
                        "number": 2,
                        "text": "New sketch for #inktober",
                        "content_warning": "",
                        "images": [],
                        "created_at": "2026-11-24T20:44:02Z",
                    },
                ],
                response_only=True,
            )
        ],
        tags=TAGS,
    )
    def get(self, request: Request, post_id: uuid.UUID) -> Response:
        post = selectors.post_get(post_id=post_id, user=request.user)
        revisions = selectors.post_revisions(post=post)
        return Response(PostRevisionSerializer(revisions, many=True, context={"request": request}).data)


class PostRepostView(APIView):
    permission_classes = _PERMISSIONS

    @extend_schema(
        operation_id="posts_repost",
        summary="Repost",
        description=(
            "Only public posts; once per post (409 `already_reposted`). Reposting a repost reposts its original. "
            "403 `blocked` when you and the author have a block between you."
        ),
        request=None,
        responses={201: PostSerializer, **error_responses(403, 409)},
        tags=TAGS,
    )
    def post(self, request: Request, post_id: uuid.UUID) -> Response:
        post = selectors.post_get_to_share(post_id=post_id, user=request.user)
        repost = services.post_repost(user=request.user, post=post)
        return _created(request, repost, True)

    @extend_schema(
        operation_id="posts_unrepost",
        summary="Undo your repost",
        description="404 `not_reposted` when you have not reposted it.",
        responses={204: None},
        tags=TAGS,
    )
    def delete(self, request: Request, post_id: uuid.UUID) -> Response:
        post = selectors.post_get(post_id=post_id, user=request.user)
        services.post_unrepost(user=request.user, post=post)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostQuoteView(APIView):
    permission_classes = _PERMISSIONS
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="posts_quote",
        summary="Quote a post",
        description=(
            "A new public post with your text that embeds this one. Only public posts can be quoted; "
            "403 `blocked` when you and the author have a block between you."
        ),
        parameters=[_IDEMPOTENCY_HEADER, _REPLAYED_HEADER],
        request={"application/json": QuoteCreateSerializer, "multipart/form-data": QuoteCreateSerializer},
        responses={
            201: PostSerializer,
            200: OpenApiResponse(PostSerializer, description="Replayed: the quote an earlier request created."),
            **error_responses(403, 413),
        },
        examples=[OpenApiExample("Quote", value={"text": "This is how it's done"}, request_only=True)],
        tags=TAGS,
    )
    def post(self, request: Request, post_id: uuid.UUID) -> Response:
        post = selectors.post_get_to_share(post_id=post_id, user=request.user)
        serializer = QuoteCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        quote, created = services.post_quote(
            user=request.user,
            post=post,
            content=_content_from(serializer.validated_data, with_poll=False),
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        return _created(request, quote, created)


class PollVoteView(APIView):
    permission_classes = _PERMISSIONS

    @extend_schema(
        operation_id="posts_poll_vote",
        summary="Vote in a post's poll",
        description=(
            "Once per poll (409 `already_voted`), before it ends (409 `poll_closed`). One option unless the poll "
            "is multiple choice (400 `single_choice`). The answer shows the results."
        ),
        request=PollVoteSerializer,
        responses={200: PollSerializer, **error_responses(409)},
        examples=[
            OpenApiExample("Vote", value={"options": ["01936a1e-0000-7000-8000-0000000000b1"]}, request_only=True),
            OpenApiExample(
                "Results after voting",
                value={
                    **_POST_EXAMPLE["poll"],
                    "results_visible": True,
                    "voters_count": 1,
                    "own_vote": ["01936a1e-0000-7000-8000-0000000000b1"],
                    "options": [
                        {"id": "01936a1e-0000-7000-8000-0000000000b1", "label": "Fox", "votes_count": 1},
                        {"id": "01936a1e-0000-7000-8000-0000000000b2", "label": "Owl", "votes_count": 0},
                    ],
                },
                response_only=True,
            ),
        ],
        tags=TAGS,
    )
    def post(self, request: Request, post_id: uuid.UUID) -> Response:
        post = selectors.post_get(post_id=post_id, user=request.user)
        serializer = PollVoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        poll = services.poll_vote(post=post, user=request.user, option_ids=serializer.validated_data["options"])
        return Response(PollSerializer(poll, context={"request": request}).data)


class PostSearchView(APIView):
    permission_classes = _PERMISSIONS

    @extend_schema(
        operation_id="posts_search",
        summary="Search posts",
        description=(
            'Full-text search over post text (words, "quoted phrases", -excluded words), best match first; '
            "only posts you may read, limited posts left out; at most 50."
        ),
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                required=True,
                examples=[OpenApiExample("Phrase and exclusion", value='"red fox" -owl')],
            )
        ],
        responses={200: PostSerializer(many=True)},
        examples=[OpenApiExample("Results", value=[_POST_EXAMPLE], response_only=True)],
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        query = request.query_params.get("q", "").strip()
        if not query:
            raise ApplicationError("Give a search query: ?q=...", code="query_required")
        posts = selectors.posts_search(query=query, user=request.user, limit=50)
        return Response(PostSerializer(posts, many=True, context={"request": request}).data)


class HashtagLookupView(APIView):
    permission_classes = _PERMISSIONS

    @extend_schema(
        operation_id="posts_hashtags_lookup",
        summary="Hashtags by prefix",
        description="Up to 10 hashtags starting with `prefix` (with or without `#`, any case), most used first.",
        parameters=[OpenApiParameter("prefix", OpenApiTypes.STR, required=True)],
        responses={200: HashtagSerializer(many=True)},
        examples=[OpenApiExample("Lookup", value=[{"name": "inktober", "usage_count": 42}], response_only=True)],
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        prefix = request.query_params.get("prefix", "").strip()
        if not prefix.lstrip("#"):
            raise ApplicationError("Give a prefix: ?prefix=...", code="prefix_required")
        return Response(HashtagSerializer(selectors.hashtags_by_prefix(prefix=prefix), many=True).data)
