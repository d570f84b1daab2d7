"""Settings for the CRM, driven by environment variables (see CONTRACT.md section 2).

Defaults serve the embedded mode: SQLite file, in-memory channel layer, Celery tasks in process,
local media. Setting ``DATABASE_URL``, ``REDIS_URL`` and ``AWS_*`` switches to the distributed mode.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# --------------------------------------------------------------------------------------------
# Core
# --------------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
DATABASE_URL = env.str("DATABASE_URL", default="")
REDIS_URL = env.str("REDIS_URL", default="")


def _secret_key() -> str:
    """The key comes from the environment; only the embedded mode may keep one in ``var/``."""
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if DATABASE_URL and not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set outside the embedded mode.")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
HTTPS = PUBLIC_BASE_URL.startswith("https://")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

VERSION = "0.1.0"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "channels",
    "django_celery_beat",
    "crispy_forms",
    "crispy_bootstrap5",
    "auditlog",  # before accounts: accounts' admin replaces auditlog's page for the entry model
    "core",
    "accounts",
    "notifications",
    "operators",
    "leads",
    "conversations",
    "ai",
    "panel",
    "agreements",
    "sales",
    "calls",
    "tickets",
    "chat",
    "routing",
    "sla",
    "csat",
    "quality",
    "automations",
    "reports",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.audit_context.AuditRequestMiddleware",
    "core.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "accounts.middleware.IPAllowlistMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.two_factor.middleware.TwoFactorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.runtime",
                "panel.context_processors.topbar",
            ],
        },
    },
]

# --------------------------------------------------------------------------------------------
# Database
# --------------------------------------------------------------------------------------------
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
else:
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The web process (config/asgi.py sets CRM_PROCESS=web) runs each request's sync code in a thread
    # of its own, so a persistent per-thread connection would be opened per request and left behind:
    # it takes connections from a psycopg pool instead. Workers and commands run in stable threads
    # and keep a persistent connection.
    if env.str("CRM_PROCESS", default="") == "web" and env.int("DATABASE_POOL_MAX_SIZE", default=16) > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=16),
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --------------------------------------------------------------------------------------------
# Redis: cache, channel layer, Celery broker. Unset means the embedded mode.
# --------------------------------------------------------------------------------------------
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {
            # Redis pub/sub: one publish per group, each web process subscribed once (core/channel_layer.py),
            # with a bound per socket and a resync after a lost connection.
            "BACKEND": "core.channel_layer.PubSubChannelLayer",
            # A busy agent's socket may fall behind by more than 100 events; past the capacity it is told to
            # reconnect and catch up from the database.
            # redis-py 8 gives every read a 5 s timeout by default; the subscriber polls every 0.1 s, a publish to
            # a Redis that accepts and never answers gives up after 15 s.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 5}],
                "capacity": 1000,
                # Pub/sub channels belong to the whole Redis server, not to a database: two installations on
                # one Redis (staging on /1, production on /0) would hear each other's events without this.
                "prefix": f"asgi{urlsplit(REDIS_URL).path.strip('/') or '0'}",
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# No result backend: nothing waits on a task's return value, and storing results costs every
# enqueue a Redis round trip (and the web process a backend per thread).
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Embedded mode: tasks run in process (reported at start-up and in /system/status/).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# Workers keep their database connections between tasks (config/celery_app.py recycles them by
# CONN_MAX_AGE and health, as Django does per request) instead of Celery's close-after-every-task.
CELERY_DB_REUSE_MAX = 10**9
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# With acks_late, a task whose worker died is handed out again after this many seconds (Redis).
# Every task is idempotent, so a redelivery of a task that was only slow is harmless.
# A broker that refuses connections fails a publish at once; one that accepts them and answers nothing
# (a hung Redis, a dropped route) fails it after these timeouts instead of holding the request forever.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
    "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=2),
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=3),
}
# Stored webhook events are handed to the inbound workers after commit; Redis keeps nothing on disk, so a
# task queued there is lost if it restarts. A `received` event whose hand-over is older than this many
# seconds is handed over again by the sweep below (every 15 s) or by the provider's redelivery: every stored
# event reaches a worker within about a minute (core/handover.py; Twilio Voice callbacks too, by their own sweep).
WEBHOOK_HANDOVER_STALE_SECONDS = env.int("WEBHOOK_HANDOVER_STALE_SECONDS", default=40)
# Older events left `received` are not swept (an answer to a days-old line would surprise the customer):
# `replay_webhooks` takes them by hand.
WEBHOOK_SWEEP_MAX_AGE_HOURS = env.int("WEBHOOK_SWEEP_MAX_AGE_HOURS", default=24)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = env.str("TIME_ZONE", default="America/Lima")
# Forms render through django-crispy-forms with its Bootstrap 5 pack (the vendored Bootstrap in static/vendor).
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# The embedded mode runs the periodic tasks below in the web process (core/scheduler.py): `make run` turns it on.
EMBEDDED_SCHEDULER = env.bool("EMBEDDED_SCHEDULER", default=False)
# The Celery workers' CPU priority, taken when a worker starts (core/priority.py): "idle" (the default:
# only the CPU the web processes leave, so a webhook's acknowledgement never waits behind processing),
# "low" (nice 19) or "normal" (workers on machines or containers of their own).
WORKER_CPU_PRIORITY = env.str("WORKER_CPU_PRIORITY", default="idle")
# Configuration read on every message (routing policies, service hours, automation rules, the scoring table...) is
# kept in each process (core/config_cache.py): a change is seen at once by the process that made it, by the others
# within CONFIG_CACHE_CHECK_SECONDS, and every entry is read again after CONFIG_CACHE_MAX_AGE_SECONDS anyway.
CONFIG_CACHE_ENABLED = env.bool("CONFIG_CACHE_ENABLED", default=True)
CONFIG_CACHE_CHECK_SECONDS = env.float("CONFIG_CACHE_CHECK_SECONDS", default=1.0)
CONFIG_CACHE_MAX_AGE_SECONDS = env.float("CONFIG_CACHE_MAX_AGE_SECONDS", default=60.0)
# Periodic tasks; DatabaseScheduler copies these into django_celery_beat at start-up.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "conversations-webhooks-sweep": {
        "task": "conversations.tasks.sweep_stranded_webhook_events",
        "schedule": timedelta(seconds=15),
    },
    "calls-voice-events-sweep": {
        "task": "calls.tasks.sweep_stranded_voice_events",
        "schedule": timedelta(seconds=15),
    },
    "conversations-followups-due": {
        "task": "conversations.tasks.run_due_followups",
        "schedule": crontab(minute="*"),
    },
    "conversations-silence-reminders": {
        "task": "conversations.tasks.remind_silent_conversations",
        "schedule": crontab(minute="*/5"),
    },
    "conversations-events-prune": {
        "task": "conversations.tasks.prune_conversation_events",
        "schedule": crontab(hour=3, minute=40),
    },
    "agreements-mark-overdue": {
        "task": "agreements.tasks.installments_mark_overdue_task",
        "schedule": crontab(hour=6, minute=0),
    },
    "agreements-remind": {
        "task": "agreements.tasks.installments_remind_task",
        "schedule": crontab(hour=9, minute=30),
    },
    "calls-transcripts-retry": {
        "task": "calls.tasks_ai.calls_transcription_retry_pending_task",
        "schedule": crontab(minute="*/15"),
    },
    "sales-quotes-expire": {
        "task": "sales.tasks.quotes_expire_task",
        "schedule": crontab(hour=0, minute=15),
    },
    "sales-quotes-remind": {
        "task": "sales.tasks.quotes_remind_task",
        "schedule": crontab(hour=10, minute=0),
    },
    "tickets-sla-check": {
        "task": "tickets.tasks.tickets_check_sla_task",
        "schedule": crontab(minute="*"),
    },
    "agreements-collection-followups": {
        "task": "agreements.tasks.collection_followups_notify_task",
        "schedule": crontab(minute="*/5"),
    },
    "csat-surveys-expire": {
        "task": "csat.tasks.csat_surveys_expire_task",
        "schedule": crontab(minute="*/10"),
    },
    "sla-conversations-check": {
        "task": "sla.tasks.sla_conversations_check_task",
        "schedule": crontab(minute="*"),
    },
    "routing-return-unanswered": {
        "task": "routing.tasks.routing_return_unanswered_task",
        "schedule": crontab(minute="*"),
    },
    "dashboard-rollup": {
        "task": "dashboard.tasks.analytics_rollup_task",
        "schedule": crontab(minute="*/10"),
    },
}
# Files attached to tickets: the largest accepted (bytes); the types are checked by content in tickets.services.
TICKET_ATTACHMENT_MAX_BYTES = env.int("TICKET_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)

# --------------------------------------------------------------------------------------------
# Auth, sessions, login throttling
# --------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_HOURS = env.int("SESSION_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_HOURS * 3600

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address is REMOTE_ADDR, which config/asgi.py takes from X-Forwarded-For only when a
# proxy of TRUSTED_PROXIES sent the request (core/client_ip.py); axes must never read the header itself.
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
AXES_IPWARE_PROXY_COUNT = 0
# Addresses or networks of the reverse proxies in front of the web server (comma-separated). Empty:
# X-Forwarded-For is ignored and the peer's address is the client's.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Two-step verification (accounts/two_factor/): these roles must sign in with an authenticator app's code
# (superusers count as admin); everyone else may turn it on from the Security page.
TWO_FACTOR_REQUIRED_ROLES = env.list("TWO_FACTOR_REQUIRED_ROLES", default=["admin", "supervisor"])
if unknown := set(TWO_FACTOR_REQUIRED_ROLES) - {"agent", "backoffice", "supervisor", "admin"}:
    raise ImproperlyConfigured(f"TWO_FACTOR_REQUIRED_ROLES names unknown roles: {sorted(unknown)}")
OTP_TOTP_ISSUER = env.str("TWO_FACTOR_ISSUER", default="CRM de ventas")  # the account's name in the app
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# IP allowlist (accounts/ip_allowlist.py): people work only from the networks admin allows their role.
IP_RESTRICTION_ENABLED = env.bool("IP_RESTRICTION_ENABLED", default=False)
IP_ACCESS_LOG_MINUTES = env.int("IP_ACCESS_LOG_MINUTES", default=10)  # an allowed person+address is logged this often
# Optional reputation lookup (VPN, proxy, Tor) of addresses let in: GET <url>/<address> → JSON flags.
IP_RISK_LOOKUP_URL = env.str("IP_RISK_LOOKUP_URL", default="")
IP_RISK_LOOKUP_KEY = env.str("IP_RISK_LOOKUP_KEY", default="")
IP_RISK_ACTION = env.str("IP_RISK_ACTION", default="log")  # "log" or "block"

# --------------------------------------------------------------------------------------------
# Audit log (accounts/audit.py): django-auditlog diffs these back-office models on every save, with the
# actor and address of the request (accounts.audit_context). Never a model saved on the inbound path
# (conversations, messages, contacts, leads, webhook events): its update signal reads the row first.
# --------------------------------------------------------------------------------------------
AUDITLOG_LOGENTRY_MODEL = "accounts.AuditEntry"
# Its only model is swapped for ours: its migrations would still create an unused table that references
# the content types (and PostgreSQL then refuses to empty them between transactional tests).
MIGRATION_MODULES = {"auditlog": None}
AUDITLOG_DISABLE_ON_RAW_SAVE = True
AUDITLOG_USE_FK_STRING_REPRESENTATION = True  # "team: Equipo Lima → Equipo Norte", not ids
_MASK_CALLABLE = "accounts.audit_context.secret_mask"
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {"model": "accounts.user", "include_fields": ["username", "role", "team", "is_active", "is_staff",
                                                  "is_superuser", "password"],
     "mask_fields": ["password"], "mask_callable": _MASK_CALLABLE},
    {"model": "accounts.team", "include_fields": ["name", "supervisor"]},
    {"model": "conversations.channelaccount",
     "include_fields": ["provider", "name", "account_ref", "phone_number", "account_sid", "access_token",
                        "app_secret", "verify_token", "is_active", "ai_mode", "reminder_after_hours"],
     "mask_fields": ["access_token", "app_secret", "verify_token"], "mask_callable": _MASK_CALLABLE},
    {"model": "sales.discountlimit", "include_fields": ["role", "max_percent"]},
    {"model": "agreements.debt", "include_fields": ["assignee"]},
)

# --------------------------------------------------------------------------------------------
# Security (production-like when PUBLIC_BASE_URL is https)
# --------------------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS)
if env.bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --------------------------------------------------------------------------------------------
# Content Security Policy (django-csp; core/csp.py adds ws:// or wss:// of the page's host to
# connect-src for the panel socket). No inline scripts or styles anywhere: templates load static
# files and pass server data through data- attributes or json_script.
# --------------------------------------------------------------------------------------------
def _media_origins() -> list[str]:
    """Where media files are served from when they live in S3/MinIO (images, audio and video in the panel)."""
    bucket = env.str("AWS_STORAGE_BUCKET_NAME", default="")
    endpoint = env.str("AWS_S3_ENDPOINT_URL", default="")
    if not bucket:
        return []
    if endpoint:
        scheme, _sep, rest = endpoint.partition("://")
        return [f"{scheme}://{rest.split('/', 1)[0]}"] if rest else []
    region = env.str("AWS_S3_REGION_NAME", default="")
    return [f"https://{bucket}.s3.amazonaws.com"] + ([f"https://{bucket}.s3.{region}.amazonaws.com"] if region else [])


CSP_MEDIA_ORIGINS = env.list("CSP_MEDIA_ORIGINS", default=_media_origins())
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *CSP_MEDIA_ORIGINS],
        "media-src": ["'self'", *CSP_MEDIA_ORIGINS],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}

# --------------------------------------------------------------------------------------------
# Internationalisation
# --------------------------------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="es")
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="America/Lima")
USE_I18N = True
USE_TZ = True
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="PE")
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="PEN")

# --------------------------------------------------------------------------------------------
# Static and media files
# --------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
WHITENOISE_MANIFEST_STRICT = False

# --------------------------------------------------------------------------------------------
# REST API
# --------------------------------------------------------------------------------------------
def _throttle_rate(name: str, default: str) -> str | None:
    rate = env.str(name, default=default).strip()
    return None if rate.lower() in ("", "none", "off") else rate


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so a request without credentials is told 401 with WWW-Authenticate; the token's
        # user is held to the IP allowlist like a session user.
        "accounts.api_auth.IPCheckedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StandardPagination",
    "PAGE_SIZE": 25,
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Rate limits counted in the cache (core/api/throttling.py): per address without a user (refused
    # logins included), per user with one. "none" turns a limit off.
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.AnonRateThrottle",
        "core.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": _throttle_rate("API_THROTTLE_ANON", "60/min"),
        "user": _throttle_rate("API_THROTTLE_USER", "600/min"),
    },
    # The client's address is REMOTE_ADDR (see TRUSTED_PROXIES above), never a header it could forge.
    "NUM_PROXIES": 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM de ventas por WhatsApp e Instagram",
    "DESCRIPTION": "API REST del CRM: catálogo, contactos, leads y más.",
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and Swagger UI only for signed-in users (session or token): they map the whole API.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CategoryEnum": "operators.models.Category",
        "LeadStatusEnum": "leads.models.LeadStatus",
        "ConversationStatusEnum": "conversations.models.Conversation.Status",
        "MessageStatusEnum": "conversations.models.Message.Status",
        "AgreementStateEnum": "agreements.models.PaymentAgreement.State",
        "InstallmentStateEnum": "agreements.models.Installment.State",
        "InstallationStateEnum": "sales.models.Sale.InstallationState",
        "QuoteStatusEnum": "sales.models.Quote.Status",
        "SaleStatusEnum": "sales.models.Sale.Status",
        "CallDirectionEnum": "calls.models.Call.Direction",
        "CallStatusEnum": "calls.models.Call.Status",
        "CallOutcomeEnum": "calls.models.Call.Outcome",
        "AuditStatusEnum": "quality.models.Audit.Status",
        "AuditAnswerEnum": "quality.models.AuditScore.Answer",
        "AuditResolutionEnum": "quality.models.Audit.Resolution",
        "TicketStateEnum": "tickets.models.Ticket.State",
        "TicketPriorityEnum": "tickets.models.Priority",
        "TicketSourceEnum": "tickets.models.Ticket.Source",
        "LeadSourceEnum": "leads.models.SourceChannel",
        "CallSourceEnum": "calls.models.Call.Source",
        "TicketEventKindEnum": "tickets.models.TicketEvent.Kind",
        "TicketCommentVisibilityEnum": "tickets.models.TicketComment.Visibility",
        "ChatRoomKindEnum": "chat.models.Room.Kind",
        "CollectionActionKindEnum": "agreements.models.CollectionAction.Kind",
        "DebtContactStatusEnum": "agreements.models.ContactStatus",
    },
    # Vendored Swagger UI assets: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --------------------------------------------------------------------------------------------
# Messaging providers: these seed a ChannelAccount each; more accounts are added in admin.
# Credentials stored in the database are encrypted (keys derived from SECRET_KEY and SALT_KEY).
# --------------------------------------------------------------------------------------------
SALT_KEY = env.list("FIELD_ENCRYPTION_SALT", default=["crm-channel-credentials"])
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_WHATSAPP_FROM = env.str("TWILIO_WHATSAPP_FROM", default="")
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="https://api.twilio.com").rstrip("/")
# Real reply buttons and list pickers through Twilio's Content API (https://content.twilio.com); unset, they go as
# numbered text the customer answers by number.
TWILIO_CONTENT_BASE_URL = env.str("TWILIO_CONTENT_BASE_URL", default="").rstrip("/")
# Phone calls (Twilio Voice, the calls app). The number customers call and our caller id; unset, the Twilio WhatsApp
# number without its "whatsapp:" prefix.
TWILIO_VOICE_NUMBER = env.str("TWILIO_VOICE_NUMBER", default="") or TWILIO_WHATSAPP_FROM.removeprefix("whatsapp:")
# When people answer the phone, in TIME_ZONE: day ranges and hours, ";" between ranges ("mon-fri 09:00-19:00").
VOICE_BUSINESS_HOURS = env.str("VOICE_BUSINESS_HOURS", default="mon-fri 09:00-19:00; sat 09:00-13:00")
VOICE_RING_SECONDS = env.int("VOICE_RING_SECONDS", default=20)  # ring the agents this long, then voicemail
VOICE_MAX_RECORDING_BYTES = env.int("VOICE_MAX_RECORDING_BYTES", default=50 * 1024 * 1024)
CALLS_PER_AGENT_PER_HOUR = env.int("CALLS_PER_AGENT_PER_HOUR", default=30)  # click-to-call rate limit
# Quality audits (the quality app): the largest recording of an outside call an analyst may upload (mp3, wav, ogg,
# m4a, mpeg; checked by content). 25 MB is the most the OpenAI transcription endpoint takes in one file.
QUALITY_MAX_UPLOAD_BYTES = env.int("QUALITY_MAX_UPLOAD_BYTES", default=25 * 1024 * 1024)
META_APP_SECRET = env.str("META_APP_SECRET", default="")
META_VERIFY_TOKEN = env.str("META_VERIFY_TOKEN", default="")
META_ACCESS_TOKEN = env.str("META_ACCESS_TOKEN", default="")
META_WHATSAPP_PHONE_NUMBER_ID = env.str("META_WHATSAPP_PHONE_NUMBER_ID", default="")
META_GRAPH_BASE_URL = env.str("META_GRAPH_BASE_URL", default="https://graph.facebook.com/v21.0").rstrip("/")
INSTAGRAM_ACCOUNT_ID = env.str("INSTAGRAM_ACCOUNT_ID", default="")
INSTAGRAM_ACCESS_TOKEN = env.str("INSTAGRAM_ACCESS_TOKEN", default="")
INSTAGRAM_GRAPH_BASE_URL = env.str("INSTAGRAM_GRAPH_BASE_URL", default="https://graph.instagram.com/v21.0").rstrip(
    "/"
)
PROVIDER_TIMEOUT_SECONDS = env.float("PROVIDER_TIMEOUT_SECONDS", default=10)
# Sends per second per sender number/account (Twilio about 10/s, Meta 80/s per number).
SEND_RATE_PER_SECOND = {"twilio_whatsapp": 10, "meta_whatsapp": 80, "instagram": 80, "sandbox": 20}
SEND_MAX_RETRIES = 5
# The sandbox (/sandbox/): a pretend customer's phone in the browser, through the real inbound path. On by default
# only in the embedded mode (no REDIS_URL); anyone who can open the page may write as any phone number there.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=not REDIS_URL)
SANDBOX_SESSION_HOURS = env.int("SANDBOX_SESSION_HOURS", default=24)

CELERY_TASK_ROUTES = {
    "conversations.tasks.process_webhook_event": {"queue": "inbound"},
    "conversations.tasks.send_message": {"queue": "outbound"},
    "conversations.tasks.assist_message": {"queue": "ai"},
    "calls.tasks.process_voice_event": {"queue": "inbound"},
    # A transcription may take minutes: never on the queue whose worker sends messages.
    "calls.tasks_ai.call_transcribe_task": {"queue": "ai"},
    "calls.tasks_ai.call_analyze_task": {"queue": "ai"},
}
CELERY_TASK_DEFAULT_QUEUE = "default"

# --------------------------------------------------------------------------------------------
# AI provider: local rules (default) or any OpenAI-compatible server
# --------------------------------------------------------------------------------------------
AI_PROVIDER = env.str("AI_PROVIDER", default="local")
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="https://api.openai.com/v1")
OPENAI_MODEL = env.str("OPENAI_MODEL", default="gpt-4o-mini")
# How structured answers are asked for: "json_schema" (OpenAI), "json_object" (DeepSeek and other OpenAI-compatible
# servers without JSON-schema output), or "auto": by OPENAI_BASE_URL's host.
OPENAI_JSON_MODE = env.str("OPENAI_JSON_MODE", default="auto")
AI_TIMEOUT_SECONDS = env.float("AI_TIMEOUT_SECONDS", default=8)
OPENAI_TRANSCRIBE_MODEL = env.str("OPENAI_TRANSCRIBE_MODEL", default="whisper-1")
AI_MONTHLY_BUDGET_USD = env.str("AI_MONTHLY_BUDGET_USD", default="")
# The intent model retrained with agents' corrections (manage.py train_intents); absent, the shipped one
# (ai/data/intent_model.joblib) is used.
INTENT_MODEL_PATH = env.str("INTENT_MODEL_PATH", default=str(VAR_DIR / "intent_model.joblib"))
# Under a spike the AI step waits while more than this many webhook events wait for a free inbound
# worker (new messages reach the agents first), at most AI_YIELD_MAX_SECONDS (core/queues.py).
AI_YIELD_BACKLOG = env.int("AI_YIELD_BACKLOG", default=0)
AI_YIELD_MAX_SECONDS = env.float("AI_YIELD_MAX_SECONDS", default=20)
# Outreach: a contact who spent more than this (validated sales) gets the VIP opening message.
OUTREACH_VIP_AMOUNT = env.str("OUTREACH_VIP_AMOUNT", default="3000")

# --------------------------------------------------------------------------------------------
# Collections: payment agreements (agreements app)
# --------------------------------------------------------------------------------------------
AGREEMENTS_MAX_DISCOUNT_PERCENT = env.int("AGREEMENTS_MAX_DISCOUNT_PERCENT", default=30)
AGREEMENTS_MAX_INSTALLMENTS = env.int("AGREEMENTS_MAX_INSTALLMENTS", default=24)
# Reminders go out this many days before an instalment falls due (and once more when overdue).
AGREEMENTS_REMIND_DAYS_BEFORE = env.int("AGREEMENTS_REMIND_DAYS_BEFORE", default=2)
# An agreement with an instalment overdue for longer than this is broken.
AGREEMENTS_GRACE_DAYS = env.int("AGREEMENTS_GRACE_DAYS", default=15)

# --------------------------------------------------------------------------------------------
# Logging: no secrets and no customer data in log lines.
# --------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Paths name customers (/api/v1/conversations/by-phone/<phone>/..., ?q=<phone>): the loggers that log
    # paths star phone numbers but their last 3 digits (core/log_filters.py).
    "filters": {"mask_phones": {"()": "core.log_filters.MaskPhoneNumbers"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "django.request": {"filters": ["mask_phones"]},
        # These three have handlers of their own (uvicorn's, Django's and daphne's runserver); configured
        # here they log through ours, filtered.
        "uvicorn.access": {"handlers": ["console"], "filters": ["mask_phones"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "filters": ["mask_phones"], "level": "INFO", "propagate": False},
        "django.channels.server": {
            "handlers": ["console"], "filters": ["mask_phones"], "level": "INFO", "propagate": False,
        },
    },
}
if EMBEDDED_SCHEDULER:
    # `make run`: the periodic jobs tick inside the web process (the webhook sweeps every 15 s); their
    # "Sending due task" and "succeeded" lines would bury the requests. Failures still show (WARNING and up).
    LOGGING["loggers"] |= {"celery.beat": {"level": "WARNING"}, "celery.app.trace": {"level": "WARNING"}}
