from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from billing.webhook_view import WebhookView
from core.views import api_not_found, healthz

api_v1 = [
    path("", include("core.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("content.api.video_urls")),
    path("", include("content.api.post_urls")),
    path("", include("social.api.urls")),
    path("", include("social.api.interaction_urls")),
    path("", include("streaming.api.urls")),
    path("", include("streaming.api.chat_urls")),
    path("", include("streaming.api.tip_urls")),
    path("", include("billing.api.urls")),
    path("", include("moderation.api.urls")),
    path("", include("ads.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Stripe's webhooks, through dj-stripe: /stripe/webhook/<endpoint uuid>/ (billing.receivers).
    path("stripe/webhook/<uuid:uuid>/", WebhookView.as_view(), name="stripe_webhook"),
    path("stripe/", include("djstripe.urls", namespace="djstripe")),
    # Accounts' studio pages first: its /studio/login/ (password, then a second factor) wins over core's.
    path("studio/", include("accounts.dashboard.urls")),
    path("studio/", include("content.dashboard.video_urls")),
    path("studio/", include("content.dashboard.post_urls")),
    path("studio/", include("streaming.dashboard.urls")),
    path("studio/", include("streaming.dashboard.chat_urls")),
    path("studio/", include("social.dashboard.urls")),
    path("studio/", include("notifications.dashboard.urls")),
    path("studio/", include("billing.dashboard.urls")),
    path("studio/", include("ads.dashboard.urls")),
    path("studio/", include("billing.earnings_studio.urls")),
    path("studio/", include("core.dashboard.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # Any other /api/ path: a JSON 404 in the API's error shape, with DEBUG on or off.
    re_path(r"^api/", api_not_found),
]

if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
    # Local media (the default): served by Django. With S3, media comes from the bucket or CDN.
    urlpatterns.append(
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})
    )

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
