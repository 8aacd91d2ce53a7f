"""The creator's video pages, mounted by config/urls.py under /studio/ (before core's shell)."""

from django.urls import path

from content.dashboard import video_views as views

app_name = "content_studio"

urlpatterns = [
    path("videos/", views.video_list, name="videos"),
    path("videos/upload/", views.video_upload, name="video-upload"),
    path("videos/<uuid:video_id>/", views.video_edit, name="video-edit"),
    path("videos/<uuid:video_id>/delete/", views.video_delete, name="video-delete"),
    path("videos/<uuid:video_id>/poster/", views.video_poster, name="video-poster"),
    path("videos/<uuid:video_id>/renditions/<str:name>/retry/", views.rendition_retry, name="rendition-retry"),
    path("videos/<uuid:video_id>/analytics/", views.video_analytics, name="video-analytics"),
]
