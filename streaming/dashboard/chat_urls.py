"""The live control room, mounted by config/urls.py under /studio/."""

from django.urls import path

from streaming.dashboard import chat_views as views

app_name = "streaming_chat_studio"

urlpatterns = [
    path("streams/<uuid:stream_id>/control/", views.control_room, name="control-room"),
]
