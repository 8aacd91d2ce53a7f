from django.urls import path

from content.api import video_views as views

urlpatterns = [
    path("videos/", views.VideoListCreateView.as_view(), name="video-list"),
    path("videos/mine/", views.MyVideosView.as_view(), name="video-mine"),
    path("videos/search/", views.VideoSearchView.as_view(), name="video-search"),
    path("videos/mediaconvert/events/", views.MediaConvertEventsView.as_view(), name="video-mediaconvert-events"),
    path("videos/uploads/<uuid:pk>/", views.UploadView.as_view(), name="video-upload"),
    path("videos/uploads/<uuid:pk>/complete/", views.UploadCompleteView.as_view(), name="video-upload-complete"),
    path("videos/<uuid:pk>/", views.VideoDetailView.as_view(), name="video-detail"),
    path(
        "videos/<uuid:pk>/renditions/<str:name>/retry/",
        views.RenditionRetryView.as_view(),
        name="video-rendition-retry",
    ),
    path("videos/<uuid:pk>/views/", views.ViewHeartbeatView.as_view(), name="video-views"),
    path("videos/<uuid:pk>/analytics/", views.VideoAnalyticsView.as_view(), name="video-analytics"),
    path("videos/<uuid:pk>/media/<path:name>", views.VideoMediaView.as_view(), name="video-media"),
]
