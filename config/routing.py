"""Every WebSocket route, gathered from each app's ``routing.py``."""

from core.routing import websocket_urlpatterns as core_routes
from notifications.routing import websocket_urlpatterns as notification_routes
from streaming.routing import websocket_urlpatterns as streaming_routes

websocket_urlpatterns = [*core_routes, *notification_routes, *streaming_routes]
