"""The social API: the graph under /api/v1/social/, feeds under /api/v1/feed/, search under
/api/v1/search/. Thin: parse, call one selector or service, render."""

from __future__ import annotations

from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsEmailVerified
from core.errors import ApplicationError
from core.openapi import error_responses
from core.pagination import CursorPagination
from social.api import serializers as out
from social.selectors import feeds, graph, search
from social.services import graph as services

GRAPH = ["social"]
FEEDS = ["feeds"]
SEARCH = ["search"]
_WRITE = [IsAuthenticated, IsEmailVerified]
_READ = [IsAuthenticatedOrReadOnly, IsEmailVerified]
_PRIVATE_LISTS = (
    "Newest follow first. A private account's lists are for itself and its followers (403 `private_account`)."
)
_PAGE = [
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Up to 100; 20 by default."),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next` (or `next_cursor` for feeds)."),
]


def _viewer(request: Request):
    return request.user if request.user.is_authenticated else None


def _paginated(view: APIView, request: Request, queryset, serializer) -> Response:
    paginator = CursorPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True, context={"request": request}).data)


def _state(state: services.FollowState) -> Response:
    return Response(out.FollowStateSerializer(state).data)


class FollowView(APIView):
    permission_classes = _WRITE

    @extend_schema(
        operation_id="social_follow",
        summary="Follow a user",
        description=(
            "Follow `handle`; for a private account this sends a follow request (`state: requested`) that "
            "they approve or reject. Idempotent: following again answers the same state. "
            "400 `cannot_follow_self`; 403 `blocked` when a block stands between you; 404 `user_not_found`."
        ),
        request=None,
        responses={200: out.FollowStateSerializer, **error_responses(400, 403, 404)},
        tags=GRAPH,
    )
    def post(self, request: Request, handle: str) -> Response:
        target = graph.user_by_handle(handle=handle)
        return _state(services.follow_create(follower=request.user, followee=target))

    @extend_schema(
        operation_id="social_unfollow",
        summary="Unfollow a user (or withdraw your follow request)",
        description="Idempotent: answers `state: none` whether or not you followed.",
        responses={200: out.FollowStateSerializer, **error_responses(400, 404)},
        tags=GRAPH,
    )
    def delete(self, request: Request, handle: str) -> Response:
        target = graph.user_by_handle(handle=handle)
        return _state(services.follow_delete(follower=request.user, followee=target))


class FollowersView(APIView):
    permission_classes = _READ

    @extend_schema(
        operation_id="social_followers",
        summary="A user's followers",
        description=_PRIVATE_LISTS,
        parameters=_PAGE,
        responses={200: out.page_of(out.FollowerSerializer, "FollowerPage"), **error_responses(403, 404)},
        tags=GRAPH,
    )
    def get(self, request: Request, handle: str) -> Response:
        user = graph.user_for_viewer(handle=handle, viewer=_viewer(request))
        queryset = graph.followers_of(user=user, viewer=_viewer(request))
        return _paginated(self, request, queryset, out.FollowerSerializer)


class FollowingView(APIView):
    permission_classes = _READ

    @extend_schema(
        operation_id="social_following",
        summary="Whom a user follows",
        description=_PRIVATE_LISTS,
        parameters=_PAGE,
        responses={200: out.page_of(out.FolloweeSerializer, "FolloweePage"), **error_responses(403, 404)},
        tags=GRAPH,
    )
    def get(self, request: Request, handle: str) -> Response:
        user = graph.user_for_viewer(handle=handle, viewer=_viewer(request))
        queryset = graph.following_of(user=user, viewer=_viewer(request))
        return _paginated(self, request, queryset, out.FolloweeSerializer)


class FollowerRemoveView(APIView):
    permission_classes = _WRITE

    @extend_schema(
        operation_id="social_follower_remove",
        summary="Remove one of your followers",
        description="Idempotent.",
        responses={204: None, **error_responses(404)},
        tags=GRAPH,
    )
    def delete(self, request: Request, handle: str) -> Response:
        follower = graph.user_by_handle(handle=handle)
        services.follower_remove(user=request.user, follower=follower)
        return Response(status=204)


class PrivacyView(APIView):
    permission_classes = _WRITE

    @extend_schema(
        operation_id="social_privacy",
        summary="Your account's privacy",
        description="Whether your account is private (a follow is then a request you approve or reject).",
        responses={200: out.PrivacySerializer},
        tags=GRAPH,
    )
    def get(self, request: Request) -> Response:
        data = {"is_private": request.user.is_private, "pending_requests": graph.follow_requests_pending_count(
            user=request.user
        )}  # fmt: skip
        return Response(out.PrivacySerializer(data).data)

    @extend_schema(
        operation_id="social_privacy_set",
        summary="Make your account private or public",
        description=(
            "Private: from now on a follow is a request you approve or reject; your followers stay. "
            "Public: anyone may follow you, and every pending request is approved (each requester is "
            "notified, `follow_request_approved`). Idempotent. 400 `validation_error` without a boolean "
            "`is_private`."
        ),
        request=out.PrivacyWriteSerializer,
        responses={200: out.PrivacyChangedSerializer, **error_responses(400)},
        tags=GRAPH,
    )
    def put(self, request: Request) -> Response:
        body = out.PrivacyWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        state = services.account_privacy_set(user=request.user, is_private=body.validated_data["is_private"])
        return Response(out.PrivacyChangedSerializer(state).data)


class FollowRequestsView(APIView):
    permission_classes = _WRITE

    @extend_schema(
        operation_id="social_follow_requests",
        summary="Requests to follow you",
        description="Pending requests to follow your private account, newest first.",
        parameters=_PAGE,
        responses={200: out.page_of(out.FollowRequestSerializer, "FollowRequestPage")},
        tags=GRAPH,
    )
    def get(self, request: Request) -> Response:
        return _paginated(self, request, graph.follow_requests_incoming(user=request.user), out.FollowRequestSerializer)


class SentFollowRequestsView(APIView):
    permission_classes = _WRITE

    @extend_schema(
        operation_id="social_follow_requests_sent",
        summary="Your pending follow requests",
        description="Withdraw one with `DELETE /social/users/{handle}/follow/`.",
        parameters=_PAGE,
        responses={200: out.page_of(out.SentFollowRequestSerializer, "SentFollowRequestPage")},
        tags=GRAPH,
    )
    def get(self, request: Request) -> Response:
        return _paginated(
            self, request, graph.follow_requests_outgoing(user=request.user), out.SentFollowRequestSerializer
        )


class FollowRequestDecisionView(APIView):
    permission_classes = _WRITE
    decision = "approve"

    def post(self, request: Request, handle: str) -> Response:
        requester = graph.user_by_handle(handle=handle)
        if self.decision == "approve":
            services.follow_request_approve(target=request.user, requester=requester)
        else:
            services.follow_request_reject(target=request.user, requester=requester)
        return Response(status=204)


class FollowRequestApproveView(FollowRequestDecisionView):
    decision = "approve"

    @extend_schema(
        operation_id="social_follow_request_approve",
        summary="Approve a follow request",
        description=(
            "`handle` now follows you and is notified (`follow_request_approved`). "
            "404 `follow_request_not_found` when there is no pending request."
        ),
        request=None,
        responses={204: None, **error_responses(404)},
        tags=GRAPH,
    )
    def post(self, request: Request, handle: str) -> Response:
        return super().post(request, handle)


class FollowRequestRejectView(FollowRequestDecisionView):
    decision = "reject"

    @extend_schema(
        operation_id="social_follow_request_reject",
        summary="Reject a follow request",
        description="404 `follow_request_not_found` when there is no pending request. They are not told.",
        request=None,
        responses={204: None, **error_responses(404)},
        tags=GRAPH,
    )
    def post(self, request: Request, handle: str) -> Response:
        return super().post(request, handle)


class BlockView(APIView):
    permission_classes = _WRITE

    @extend_schema(
        operation_id="social_block",
        summary="Block a user",
        description=(
            "Ends follows both ways and pending requests; they can no longer follow you, mention you, quote or "
            "repost your posts, or see your content. Idempotent. 400 `cannot_block_self`."
        ),
        request=None,
        responses={204: None, **error_responses(400, 404)},
        tags=GRAPH,
    )
    def post(self, request: Request, handle: str) -> Response:
        services.block_create(blocker=request.user, blocked=graph.user_by_handle(handle=handle))
        return Response(status=204)

    @extend_schema(
        operation_id="social_unblock",
        summary="Unblock a user",
        description="Idempotent. Follows the block ended do not come back.",
        responses={204: None, **error_responses(404)},
        tags=GRAPH,
    )
    def delete(self, request: Request, handle: str) -> Response:
        services.block_delete(blocker=request.user, blocked=graph.user_by_handle(handle=handle))
        return Response(status=204)


class MuteView(APIView):
    permission_classes = _WRITE

    @extend_schema(
        operation_id="social_mute",
        summary="Mute a user",
        description=(
            "Hides them from your feeds and notifications; they are not told. Idempotent. 400 `cannot_mute_self`."
        ),
        request=None,
        responses={204: None, **error_responses(400, 404)},
        tags=GRAPH,
    )
    def post(self, request: Request, handle: str) -> Response:
        target = graph.user_by_handle(handle=handle)
        services.mute_create(muter=request.user, muted=target)
        return Response(status=204)

    @extend_schema(
        operation_id="social_unmute",
        summary="Unmute a user",
        description="Idempotent.",
        responses={204: None, **error_responses(404)},
        tags=GRAPH,
    )
    def delete(self, request: Request, handle: str) -> Response:
        target = graph.user_by_handle(handle=handle)
        services.mute_delete(muter=request.user, muted=target)
        return Response(status=204)


class BlocksView(APIView):
    permission_classes = _WRITE

    @extend_schema(
        operation_id="social_blocks",
        summary="Users you block",
        parameters=_PAGE,
        responses={200: out.page_of(out.BlockedUserSerializer, "BlockedUserPage")},
        tags=GRAPH,
    )
    def get(self, request: Request) -> Response:
        return _paginated(self, request, graph.blocks_of(user=request.user), out.BlockedUserSerializer)


class MutesView(APIView):
    permission_classes = _WRITE

    @extend_schema(
        operation_id="social_mutes",
        summary="Users you mute",
        parameters=_PAGE,
        responses={200: out.page_of(out.MutedUserSerializer, "MutedUserPage")},
        tags=GRAPH,
    )
    def get(self, request: Request) -> Response:
        return _paginated(self, request, graph.mutes_of(user=request.user), out.MutedUserSerializer)


# --- feeds ---------------------------------------------------------------------------------------


def _feed_response(request: Request, page: feeds.FeedPage, *, sponsored: bool = False) -> Response:
    next_url = None
    if page.next_cursor:
        query = QueryDict(mutable=True)
        query.update(request.query_params)
        query["cursor"] = page.next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    data = {"next": next_url, "next_cursor": page.next_cursor, "results": page.items}
    context = out.feed_context(request=request, items=page.items)
    if sponsored:
        from social.sponsored import home_slots

        data["sponsored"] = home_slots(request=request, items=page.items)
        return Response(out.HomeFeedPageSerializer(data, context=context).data)
    return Response(out.FeedPageSerializer(data, context=context).data)


def _feed_args(request: Request) -> dict:
    return {
        "cursor": request.query_params.get("cursor") or None,
        "page_size": feeds.page_size_parse(request.query_params.get("page_size")),
    }


class HomeFeedView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="feed_home",
        summary="Home feed",
        description=(
            "Posts, reposts, quotes and videos of the people you follow and your own, newest first, with blocks "
            "and mutes applied (also to reposted posts). Cursor-paginated: no gaps or repeats while new items "
            "arrive. `sponsored`: ads placed every `ADS_FEED_SLOT_EVERY` items (docs/ads.md). 400 `invalid_cursor`."
        ),
        parameters=_PAGE,
        responses={200: out.HomeFeedPageSerializer, **error_responses(400)},
        tags=FEEDS,
    )
    def get(self, request: Request) -> Response:
        return _feed_response(request, feeds.feed_home(user=request.user, **_feed_args(request)), sponsored=True)


class ProfileFeedView(APIView):
    permission_classes = _READ

    @extend_schema(
        operation_id="feed_profile",
        summary="A user's posts and videos",
        description=(
            "What you may see of them, newest first. 404 `user_not_found` (also when a block stands between you)."
        ),
        parameters=_PAGE,
        responses={200: out.FeedPageSerializer, **error_responses(400, 404)},
        tags=FEEDS,
    )
    def get(self, request: Request, handle: str) -> Response:
        page = feeds.feed_profile(handle=handle, viewer=_viewer(request), **_feed_args(request))
        return _feed_response(request, page)


class HashtagFeedView(APIView):
    permission_classes = _READ

    @extend_schema(
        operation_id="feed_hashtag",
        summary="Posts and videos with a hashtag",
        description="Newest first; limited posts and users you block, are blocked by or mute left out.",
        parameters=_PAGE,
        responses={200: out.FeedPageSerializer, **error_responses(400)},
        tags=FEEDS,
    )
    def get(self, request: Request, tag: str) -> Response:
        page = feeds.feed_hashtag(tag=tag, viewer=_viewer(request), **_feed_args(request))
        return _feed_response(request, page)


class TrendingHashtagsView(APIView):
    permission_classes = _READ

    @extend_schema(
        operation_id="feed_trending_hashtags",
        summary="Trending hashtags",
        description=(
            "Hashtags ranked by uses in the last 24 hours against their usual daily rate over the week before: "
            "`score = uses_24h / (usual_per_day + 1)`. Tags blocked from trending are left out."
        ),
        parameters=[OpenApiParameter("limit", OpenApiTypes.INT, description="Up to 50; 10 by default.")],
        responses={200: out.TrendingHashtagSerializer(many=True)},
        tags=FEEDS,
    )
    def get(self, request: Request) -> Response:
        try:
            limit = max(1, min(int(request.query_params.get("limit", 10)), 50))
        except ValueError:
            raise ApplicationError("limit is a whole number.", code="invalid_limit") from None
        return Response(out.TrendingHashtagSerializer(feeds.hashtags_trending(limit=limit), many=True).data)


# --- search --------------------------------------------------------------------------------------

_Q = OpenApiParameter("q", OpenApiTypes.STR, required=True, description="At least 2 characters.")


def _query(request: Request) -> str:
    query = request.query_params.get("q", "").strip()[:200]
    if len(query.lstrip("@")) < search.MIN_QUERY:
        raise ApplicationError("Give a search query of at least 2 characters: ?q=...", code="query_required")
    return query


class SearchView(APIView):
    permission_classes = _READ

    @extend_schema(
        operation_id="search",
        summary="Search users, posts and videos",
        description=(
            "Up to 10 of each: users by handle and display name (close spellings too), posts and videos by full "
            'text (words, "phrases", -excluded). Only what you may see; users with a block between you left out.'
        ),
        parameters=[_Q],
        responses={200: out.SearchResultsSerializer, **error_responses(400)},
        tags=SEARCH,
    )
    def get(self, request: Request) -> Response:
        results = search.search_all(query=_query(request), viewer=_viewer(request))
        return Response(out.SearchResultsSerializer(results, context={"request": request}).data)


class UserSearchView(APIView):
    permission_classes = _READ

    @extend_schema(
        operation_id="search_users",
        summary="Search users",
        description="By handle and display name, best match first (trigram similarity); at most 20.",
        parameters=[_Q],
        responses={200: out.UserSummarySerializer(many=True), **error_responses(400)},
        tags=SEARCH,
    )
    def get(self, request: Request) -> Response:
        users = search.users_search(query=_query(request), viewer=_viewer(request))
        return Response(out.UserSummarySerializer(users, many=True).data)
