"""/api/v1/social/ (the graph), /api/v1/feed/ (feeds) and /api/v1/search/."""

from django.urls import include, path

from social.api import views

social_patterns = [
    path("users/<str:handle>/follow/", views.FollowView.as_view(), name="follow"),
    path("users/<str:handle>/followers/", views.FollowersView.as_view(), name="followers"),
    path("users/<str:handle>/following/", views.FollowingView.as_view(), name="following"),
    path("users/<str:handle>/block/", views.BlockView.as_view(), name="block"),
    path("users/<str:handle>/mute/", views.MuteView.as_view(), name="mute"),
    path("followers/<str:handle>/", views.FollowerRemoveView.as_view(), name="follower-remove"),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
    path("follow-requests/", views.FollowRequestsView.as_view(), name="follow-requests"),
    path("follow-requests/sent/", views.SentFollowRequestsView.as_view(), name="follow-requests-sent"),
    path("follow-requests/<str:handle>/approve/", views.FollowRequestApproveView.as_view(), name="approve"),
    path("follow-requests/<str:handle>/reject/", views.FollowRequestRejectView.as_view(), name="reject"),
    path("blocks/", views.BlocksView.as_view(), name="blocks"),
    path("mutes/", views.MutesView.as_view(), name="mutes"),
]

feed_patterns = [
    path("home/", views.HomeFeedView.as_view(), name="home"),
    path("users/<str:handle>/", views.ProfileFeedView.as_view(), name="profile"),
    path("hashtags/<str:tag>/", views.HashtagFeedView.as_view(), name="hashtag"),
    path("trending-hashtags/", views.TrendingHashtagsView.as_view(), name="trending"),
]

search_patterns = [
    path("", views.SearchView.as_view(), name="all"),
    path("users/", views.UserSearchView.as_view(), name="users"),
]

urlpatterns = [
    path("social/", include((social_patterns, "social"))),
    path("feed/", include((feed_patterns, "feed"))),
    path("search/", include((search_patterns, "search"))),
]
