"""Every WebSocket route, gathered from each app's ``routing.py``."""

from core.routing import websocket_urlpatterns as core_routes

websocket_urlpatterns = [*core_routes]
