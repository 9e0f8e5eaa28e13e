"""Settings, read from the environment (12-factor).

With no environment at all this is a working development server: SQLite, the in-memory
channel layer, files under ./var, SMS printed to the console, DEBUG on. Production sets
``DJANGO_ENV=production`` (DEBUG off, a real SECRET_KEY required, HTTPS-only cookies, masked
errors, no introspection, no GraphiQL) plus ``DATABASE_URL`` and ``REDIS_URL``.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent  # the repository root


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


PRODUCTION = env("DJANGO_ENV", "development") == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production")
    SECRET_KEY = "django-insecure-development-only-key-change-me-0123456789abcdef"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Browser origins allowed to open the GraphQL WebSocket (scheme://host[:port]); a cookie
# session must never be usable from another site's page.
WEBSOCKET_ALLOWED_ORIGINS = env_list(
    "WEBSOCKET_ALLOWED_ORIGINS",
    "" if PRODUCTION else "http://127.0.0.1:8000,http://localhost:8000",
)

# CORS (django-cors-headers), for single-page apps served from another origin: browser
# origins (scheme://host[:port]) that may call /graphql, with credentials (the session
# cookie). They are trusted by the CSRF check of cookie-session requests too
# (config.views); bearer-token requests need no CSRF.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_ALLOW_CREDENTIALS = True
CORS_URLS_REGEX = r"^/graphql$"
CORS_EXPOSE_HEADERS = ["x-csrftoken"]  # GET /graphql answers the CSRF token in it
CORS_ALLOW_HEADERS = [
    "accept",
    "accept-language",
    "authorization",
    "content-type",
    "x-csrftoken",
    "x-requested-with",
    # what Apollo Client and apollo-upload-client send
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "apollographql-client-name",
    "apollographql-client-version",
]

INSTALLED_APPS = [
    "daphne",
    "config.apps.ExchangeAdminConfig",  # django.contrib.admin with the exchange's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "corsheaders",
    "strawberry_django",
    "config",
    "accounts",
    "files",
    "reviews",
    "notifications",
    "agreements",
    "shops",
    "listings",
    "auctions",
    "deals",
    "calendars",  # issue 12
    "datarooms",  # issue 14
]

MIDDLEWARE = [
    "config.ops.RequestIdMiddleware",  # issue 13: request id, request count, /healthz /readyz
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The admin's CSS and JS under Daphne with DEBUG off (from STATIC_ROOT, after
    # `manage.py collectstatic`); with DEBUG on, straight from the apps.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.BearerTokenMiddleware",
    "config.middleware.GraphQLRequestLimits",  # issue 9: body bounds before parsing
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

# Database: SQLite by default (IMMEDIATE transactions so concurrent writers queue instead of
# failing on lock upgrade), PostgreSQL from DATABASE_URL through psycopg 3 and Django's
# built-in pool (docs/connections.md): at most DATABASE_POOL_MAX_SIZE connections per process,
# shared by its threads; a request's connection goes back to the pool when the request ends
# (Django closes it, which with a pool means "return"), a worker loop's after each round.
# CONN_MAX_AGE stays 0 (the pool keeps the connections; persistent per-thread connections
# would leak one per request under ASGI, whose sync code runs in changing threads).
# DATABASE_POOL_MAX_SIZE=0: no pool, a connection per request (behind PgBouncer in
# transaction mode, then also DATABASE_PGBOUNCER=1: no server-side cursors).
DATABASE_URL = env("DATABASE_URL")
DATABASE_POOL_MAX_SIZE = env_int("DATABASE_POOL_MAX_SIZE", 8)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASE_POOL_MAX_SIZE > 0:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(env_int("DATABASE_POOL_MIN_SIZE", 1), DATABASE_POOL_MAX_SIZE),
            "max_size": DATABASE_POOL_MAX_SIZE,
            # A request that finds every connection taken waits this long, then fails
            # (psycopg_pool.PoolTimeout) instead of queueing without end.
            "timeout": float(env("DATABASE_POOL_TIMEOUT", "10")),
            # Idle connections above min_size are closed after this (PostgreSQL's side).
            "max_idle": 300,
        }
    if env_bool("DATABASE_PGBOUNCER", False):
        # Transaction pooling: a cursor WITH HOLD would outlive its server connection.
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        # psycopg prepares a statement a connection has run this many times. Only cursors
        # that bind on the server prepare (Django's bind client-side and never do): the bid
        # path's (auctions.services.bid_rows), whose statements are then planned once per
        # pooled connection. Off behind PgBouncer (a statement prepared on one server
        # connection would be looked for on another).
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3")),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Live events (see docs/live-events.md). Production: Redis pub/sub, one PUBLISH per group
# and one subscription per group and process, so no group membership expires and a dead
# process leaves no stale members; the connection is configured for long idle reads (redis
# is pinned: redis-py 8 changed the default socket timeout under channels-redis' blocking
# reads) and health-checked. Embedded default: the in-memory layer plus a SQLite relay
# file, so events published by the worker process reach the web process's sockets.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_connect_timeout": 2,
                        "socket_timeout": 10,
                        "socket_keepalive": True,
                        "health_check_interval": 15,
                        "retry_on_timeout": True,
                    }
                ],
                "prefix": env("CHANNEL_LAYER_PREFIX", "asgi"),
            },
        }
    }
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "live.layers.EmbeddedChannelLayer",
            "CONFIG": {
                "relay_path": env("LIVE_RELAY_PATH", str(BASE_DIR / "var" / "live-relay.sqlite3"))
            },
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# How often a WebSocket re-checks its credential (token revoked or expired, session ended)
# besides the immediate close on logout, tokenRevoke and passwordSet.
WEBSOCKET_AUTH_RECHECK_SECONDS = env_int("WEBSOCKET_AUTH_RECHECK_SECONDS", 300)

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "platform" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "static")))

# Uploaded files are private: stored under random names outside any served path and read
# back only through short-lived signed links (files.views.download).
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# issue 13: an S3-compatible object store instead (docs/operations.md, files.storage):
# s3://[KEY:SECRET@]BUCKET[/PREFIX]?endpoint_url=…&region=…; downloads are then presigned
# URLs of the store and nothing is written under PRIVATE_MEDIA_ROOT.
STORAGE_URL = env("STORAGE_URL")
if STORAGE_URL:
    from files.storage import storage_from_url

    STORAGES["default"] = storage_from_url(STORAGE_URL)
FILE_UPLOAD_MAX_BYTES = env_int("FILE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# Batch import of listings (xlsx): the workbook's size cap and its data-row cap.
LISTING_IMPORT_MAX_BYTES = env_int("LISTING_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
LISTING_IMPORT_MAX_ROWS = env_int("LISTING_IMPORT_MAX_ROWS", 10_000)
# issue 14: a data-room document's size cap (within the request body limit below).
DATA_ROOM_MAX_BYTES = env_int("DATA_ROOM_MAX_BYTES", 20 * 1024 * 1024)
# issue 14: how long before a lot's bidding opens its patent's legal status is re-checked.
LEGAL_STATUS_CHECK_LEAD_MINUTES = env_int("LEGAL_STATUS_CHECK_LEAD_MINUTES", 60)
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("FILE_UPLOAD_MAX_COUNT", 5)
FILE_URL_MAX_AGE = timedelta(seconds=env_int("FILE_URL_MAX_AGE_SECONDS", 300))
# issue 9: a GraphQL request's body (config.middleware, config.limits): room for the largest
# set of uploads when signed in, 1 MiB when anonymous; JSON nesting and multipart map caps.
GRAPHQL_MAX_BODY_BYTES = env_int(
    "GRAPHQL_MAX_BODY_BYTES",
    max(FILE_UPLOAD_MAX_BYTES * DATA_UPLOAD_MAX_NUMBER_FILES, LISTING_IMPORT_MAX_BYTES) + 2**20,
)
GRAPHQL_MAX_ANONYMOUS_BODY_BYTES = env_int("GRAPHQL_MAX_ANONYMOUS_BODY_BYTES", 2**20)
GRAPHQL_MAX_JSON_DEPTH = env_int("GRAPHQL_MAX_JSON_DEPTH", 32)
GRAPHQL_MAX_UPLOAD_PATHS = env_int("GRAPHQL_MAX_UPLOAD_PATHS", 20)

# Sessions and CSRF. Bearer-token requests carry no ambient credential and skip CSRF;
# cookie sessions are checked (see config.views.GraphQLView).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
API_TOKEN_LIFETIME = timedelta(days=env_int("API_TOKEN_LIFETIME_DAYS", 30))

# SMS
SMS_BACKEND = env("SMS_BACKEND", "notifications.sms.ConsoleBackend")
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL")
SMS_GATEWAY_KEY = env("SMS_GATEWAY_KEY")
SMS_GATEWAY_TIMEOUT = float(env("SMS_GATEWAY_TIMEOUT", "5"))
# issue 13: the worker's sms loop tries a failed message again after this long.
SMS_RETRY_AFTER = timedelta(seconds=env_int("SMS_RETRY_SECONDS", 30))
SMS_CODE_LIFETIME = timedelta(minutes=5)
SMS_CODE_MAX_ATTEMPTS = 5
SMS_CODE_RESEND_INTERVAL = timedelta(seconds=60)
SMS_CODE_DAILY_LIMIT_PER_PHONE = env_int("SMS_CODE_DAILY_LIMIT_PER_PHONE", 10)
SMS_CODE_DAILY_LIMIT_PER_ADDRESS = env_int("SMS_CODE_DAILY_LIMIT_PER_ADDRESS", 50)
PASSWORD_LOGIN_MAX_FAILURES = 10
PASSWORD_LOGIN_LOCK = timedelta(minutes=15)

# issue 9: how far X-Forwarded-For is believed (kernel.addresses): the number of proxies in
# front of Daphne, or their networks (comma-separated CIDRs). Neither: the TCP peer.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
TRUSTED_PROXY_NETWORKS = env_list("TRUSTED_PROXY_NETWORKS")
# Failed logins and code checks per client address (kernel.throttle), within FAILURE_WINDOW.
PASSWORD_LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("PASSWORD_LOGIN_MAX_FAILURES_PER_ADDRESS", 30)
CODE_FAILURES_PER_ADDRESS = env_int("CODE_FAILURES_PER_ADDRESS", 30)
FAILURE_WINDOW = timedelta(minutes=15)
# The admin login checks passwords through the same counters as the GraphQL login.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.PhonePasswordBackend",
    "django.contrib.auth.backends.ModelBackend",  # resolves sessions made before; see backends
]

# Patent information service (auto-fill): the local registry by default, or an HTTP service.
PATENT_PROVIDER = env("PATENT_PROVIDER", "listings.patents.LocalRegistryProvider")
PATENT_SERVICE_URL = env("PATENT_SERVICE_URL")
PATENT_SERVICE_KEY = env("PATENT_SERVICE_KEY")
PATENT_SERVICE_TIMEOUT = float(env("PATENT_SERVICE_TIMEOUT", "5"))

# A buyer with this many defaults (cancelled deals) may not register for lots any more.
BUYER_STRIKES_TO_BAR = env_int("BUYER_STRIKES_TO_BAR", 2)

# issue 12: the public page a notice's or certificate's QR code points at (this server's
# /deals/verify as the outside world reaches it); serial and code are appended as a query.
DOCUMENT_VERIFY_URL = env("DOCUMENT_VERIFY_URL", "http://127.0.0.1:8000/deals/verify")

# GraphQL limits
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 10)
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 15)
GRAPHQL_MAX_TOKENS = env_int("GRAPHQL_MAX_TOKENS", 2000)
# issue 9: the most nodes one document may ask for (each connection's first multiplies).
GRAPHQL_MAX_NODES = env_int("GRAPHQL_MAX_NODES", 10_000)
GRAPHQL_IDE = not PRODUCTION and env_bool("GRAPHQL_IDE", True)
# GraphiQL's browser assets, installed from package.json by `make assets` (docs/graphiql.md).
GRAPHIQL_ASSETS_DIR = Path(env("GRAPHIQL_ASSETS_DIR", str(BASE_DIR / "node_modules")))
GRAPHQL_INTROSPECTION = not PRODUCTION and env_bool("GRAPHQL_INTROSPECTION", True)
GRAPHQL_MASK_ERRORS = PRODUCTION
GRAPHQL_FIELD_SUGGESTIONS = not PRODUCTION  # issue 9: "Did you mean …?" maps the schema

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# issue 13: operations (config.ops, kernel.logs, kernel.metrics). /readyz wants the worker's
# clock loop to have beaten within this many seconds (0: the worker is not checked);
# /metrics asks for `Authorization: Bearer <METRICS_TOKEN>` when it is set. Production logs
# are one JSON object per line, each with the request id.
READYZ_WORKER_MAX_AGE_SECONDS = env_int("READYZ_WORKER_MAX_AGE_SECONDS", 30)
METRICS_TOKEN = env("METRICS_TOKEN")
LOGGING["filters"] = {"request_id": {"()": "kernel.logs.RequestIdFilter"}}
LOGGING["handlers"]["console"]["filters"] = ["request_id"]
if PRODUCTION or env_bool("LOG_JSON", False):
    LOGGING["formatters"] = {"json": {"()": "kernel.logs.JsonFormatter"}}
    LOGGING["handlers"]["console"]["formatter"] = "json"

# issue 13: optional error reporting (kernel.sentry), in web and worker processes alike;
# nothing is imported without a DSN. Environment defaults to DJANGO_ENV's value.
SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    from kernel.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", env("DJANGO_ENV", "development")),
        release=env("SENTRY_RELEASE") or None,
        traces_sample_rate=float(env("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
