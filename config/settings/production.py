"""Production: secure defaults, secrets and the database only from the environment, JSON logs.

Refuses to start without SECRET_KEY or DATABASE_URL (django-environ raises ImproperlyConfigured),
and without Stripe's secret key and webhook secret (production talks to the local peer, or any
Stripe-compatible test endpoint, only when STRIPE_API_BASE names it, with an sk_test_ key).
"""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, LOGGING, env

DEBUG = False

SECRET_KEY = env.str("SECRET_KEY")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured("SECRET_KEY must be a random value of at least 50 characters.")
if not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "Set the DATABASE_URL environment variable: production never uses the embedded database."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# Stripe (docs/billing.md, "Production"): a real account's key, never the local peer's, and the
# signing secret of Fanfare's webhook endpoint there. The one exception is an explicit
# STRIPE_API_BASE: a Stripe-compatible test endpoint (the local peer for staging, CI and
# benchmarks), accepted only with an sk_test_ key (config/settings/base.py refuses it with any other).
_stripe_key = env.str("STRIPE_SECRET_KEY", default="")
_stripe_api_base = env.str("STRIPE_API_BASE", default="")
if not _stripe_key:
    raise ImproperlyConfigured(
        "Set the STRIPE_SECRET_KEY environment variable to your Stripe account's secret key (sk_live_...): "
        "production never uses the local Stripe peer unless STRIPE_API_BASE names it (with an sk_test_ key)."
    )
if not _stripe_api_base and (
    not _stripe_key.startswith(("sk_live_", "sk_test_", "rk_live_", "rk_test_"))
    or "FanfareLocalStripePeer" in _stripe_key
):
    raise ImproperlyConfigured(
        "Set the STRIPE_SECRET_KEY environment variable to your Stripe account's secret key (sk_live_...): "
        "production never uses the local Stripe peer."
    )
if not env.str("STRIPE_WEBHOOK_SECRET", default="").startswith("whsec_"):
    raise ImproperlyConfigured(
        "Set the STRIPE_WEBHOOK_SECRET environment variable to the signing secret (whsec_...) of Fanfare's "
        "webhook endpoint at Stripe (manage.py billing_webhook_register prints it)."
    )

# A psycopg connection pool per process, on unless DATABASE_POOL=false (e.g. behind PgBouncer in
# transaction mode). Without one, every request under ASGI opens its own connection.
if env.bool("DATABASE_POOL", default=True) and "pool" not in DATABASES["default"]["OPTIONS"]:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
    }

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "servestatic.storage.CompressedManifestStaticFilesStorage"},
}
SERVESTATIC_USE_FINDERS = False  # production serves what collectstatic gathered

LOGGING = {**LOGGING, "handlers": {**LOGGING["handlers"]}}
LOGGING["handlers"]["console"] = {**LOGGING["handlers"]["console"], "formatter": env.str("LOG_FORMAT", default="json")}
