"""The creator's stream pages, mounted by config/urls.py under /studio/ (before core's shell).

The live control room (``streams/<id>/control/``) is the chat part's page."""

from django.urls import path

from streaming.dashboard import views

app_name = "streaming_studio"

urlpatterns = [
    path("streams/", views.stream_list, name="streams"),
    path("streams/<uuid:stream_id>/", views.stream_detail, name="stream"),
    path("streams/<uuid:stream_id>/rotate-key/", views.stream_rotate_key, name="stream-rotate-key"),
    path("streams/<uuid:stream_id>/end/", views.stream_end, name="stream-end"),
    path("streams/<uuid:stream_id>/cancel/", views.stream_cancel, name="stream-cancel"),
]
