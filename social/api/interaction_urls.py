"""Social's interaction routes under /api/v1/: comments, likes and saves (included from config/urls.py)."""

from django.urls import path

from social.api import interaction_views as views

app_name = "interactions"

urlpatterns = [
    path("posts/<uuid:pk>/comments/", views.PostCommentsView.as_view(), name="post-comments"),
    path("posts/<uuid:pk>/comments/settings/", views.PostCommentSettingsView.as_view(), name="post-comment-settings"),
    path("posts/<uuid:pk>/like/", views.PostLikeView.as_view(), name="post-like"),
    path("posts/<uuid:pk>/likes/", views.PostLikersView.as_view(), name="post-likers"),
    path("posts/<uuid:pk>/save/", views.PostSaveView.as_view(), name="post-save"),
    path("videos/<uuid:pk>/comments/", views.VideoCommentsView.as_view(), name="video-comments"),
    path(
        "videos/<uuid:pk>/comments/settings/", views.VideoCommentSettingsView.as_view(), name="video-comment-settings"
    ),
    path("videos/<uuid:pk>/like/", views.VideoLikeView.as_view(), name="video-like"),
    path("videos/<uuid:pk>/likes/", views.VideoLikersView.as_view(), name="video-likers"),
    path("videos/<uuid:pk>/save/", views.VideoSaveView.as_view(), name="video-save"),
    path("comments/<uuid:comment_id>/", views.CommentDetailView.as_view(), name="comment-detail"),
    path("comments/<uuid:comment_id>/replies/", views.CommentRepliesView.as_view(), name="comment-replies"),
    path("comments/<uuid:comment_id>/revisions/", views.CommentRevisionsView.as_view(), name="comment-revisions"),
    path("comments/<uuid:pk>/like/", views.CommentLikeView.as_view(), name="comment-like"),
    path("saves/", views.SavesListView.as_view(), name="saves"),
]
