from django.urls import path

from streaming.consumers import StreamChatConsumer

websocket_urlpatterns = [
    path("ws/streams/<uuid:stream_id>/chat/", StreamChatConsumer.as_asgi()),
]
