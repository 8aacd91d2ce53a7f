"""/api/v1/posts/: posts, reposts, quotes, polls, search and hashtag lookup."""

from django.urls import include, path

from content.api import post_views as views

post_patterns = [
    path("", views.PostListCreateView.as_view(), name="list"),
    path("search/", views.PostSearchView.as_view(), name="search"),
    path("hashtags/", views.HashtagLookupView.as_view(), name="hashtags"),
    path("<uuid:post_id>/", views.PostDetailView.as_view(), name="detail"),
    path("<uuid:post_id>/revisions/", views.PostRevisionsView.as_view(), name="revisions"),
    path("<uuid:post_id>/repost/", views.PostRepostView.as_view(), name="repost"),
    path("<uuid:post_id>/quote/", views.PostQuoteView.as_view(), name="quote"),
    path("<uuid:post_id>/poll/vote/", views.PollVoteView.as_view(), name="poll-vote"),
]

urlpatterns = [path("posts/", include((post_patterns, "posts")))]
