"""Lien settings, driven by environment variables (see .env.example).

Without any variable set, Lien runs in the embedded mode: SQLite in WAL mode under var/,
an in-process cache, local media files and background jobs run inline.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from lien.lib.env import email_settings, envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(envstr("LIEN_VAR_DIR", str(PROJECT_DIR / "var")))

LIEN_ENV = envstr("LIEN_ENV", "development")
PRODUCTION = LIEN_ENV == "production"

DEBUG = envbool("DEBUG", default=not PRODUCTION)
SECRET_KEY = envstr("SECRET_KEY") or (
    "" if PRODUCTION else "embedded-mode-only-secret-key-do-not-use-in-production-0123456789"
)
if PRODUCTION and len(SECRET_KEY) < 50:
    raise RuntimeError("SECRET_KEY must be set (50 characters or more) when LIEN_ENV=production")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    # First: its runserver serves ASGI, so `make demo` has WebSockets (real time) too.
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "channels",
    "lien.core",
    "lien.accounts",
    "lien.home",
    "lien.directory",
    "lien.messaging",
    "lien.admission",
    "lien.ops",
    "lien.usage",
    "lien.news",
    "lien.homework",
    "lien.assignments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Counts and times every request (Prometheus), so first after the HTTPS redirect.
    "lien.ops.middleware.MetricsMiddleware",
    "lien.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # When saturated, admits staff and teachers first, then pupils, then families (reads only the
    # session): early, so that a waiting page costs little.
    "lien.admission.middleware.PriorityAdmissionMiddleware",
    # Counts page views for the usage statistics (in memory or Redis, no database write).
    "lien.usage.middleware.UsageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After MessageMiddleware: it tells the user why their session ended.
    "lien.accounts.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lien.urls"
WSGI_APPLICATION = "lien.wsgi.application"
ASGI_APPLICATION = "lien.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lien.core.context_processors.active_profile",
                "lien.admission.context_processors.crisis_banner",
                "lien.messaging.context_processors.messaging",
            ],
        },
    }
]

# Database: DATABASE_URL (PostgreSQL in production), SQLite in WAL mode otherwise.
DATABASE_URL = envstr("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "lien.sqlite3"),
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Kept open between requests, as with PostgreSQL: no connection set-up per request.
            "CONN_MAX_AGE": envint("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and sessions: Redis when REDIS_URL is set, in-process otherwise.
REDIS_URL = envstr("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": envstr("CACHE_KEY_PREFIX", "lien"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Real time (WebSockets, Django Channels): the Redis channel layer when REDIS_URL is set, so
# that every web and worker process reaches every browser; in-process otherwise (embedded mode).
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # The layer waits for messages 5 s at a time (BZPOPMIN); redis-py 8 gives up
                # reading after 5 s by default, which closed every idle socket (code 1011).
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                # Instances sharing a Redis database must not share users' groups.
                "prefix": envstr(
                    "CHANNEL_LAYER_PREFIX", envstr("CACHE_KEY_PREFIX", "lien") + "-asgi"
                ),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Background jobs: Celery on Redis in production, inline otherwise.
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Instances sharing a Redis database keep their task queues apart (e.g. "lien-prod:").
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": envstr("CELERY_KEY_PREFIX", "")}
CELERY_TIMEZONE = "Europe/Paris"
CELERY_BEAT_SCHEDULE = {
    # Scheduled messages that became due, and e-mails postponed while the mail server was down.
    "messaging-due-notifications": {
        "task": "lien.messaging.tasks.send_due_notifications",
        "schedule": 60.0,
    },
    "messaging-daily-digests": {
        "task": "lien.messaging.tasks.send_message_digests",
        "schedule": crontab(hour=17, minute=30),
    },
    # Page views, sessions and unique visitors counted since, added to the usage statistics.
    "usage-flush": {
        "task": "lien.usage.tasks.flush_usage",
        "schedule": 60.0,
    },
}

# Accounts
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "lien.accounts.backends.UsernameOrEmailBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:index"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

# Lockout after repeated failures, keyed on the account: a whole school shares one address.
AXES_FAILURE_LIMIT = envint("LIEN_LOGIN_FAILURE_LIMIT", 5)
# With 5 failures and a 30-minute cool-off, at most 5 passwords per account are tried per 30 min.
AXES_COOLOFF_TIME = timedelta(minutes=envint("LIEN_LOGIN_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "lien.accounts.backends.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "lien.accounts.views.login.lockout"
AXES_VERBOSE = False
# axes.W006 asks to count failures per IP address too; on purpose we don't: a whole school
# reaches Lien from one public address, and its pupils mistyping passwords must not lock it out.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# The login gate (lien/ops/login_gate.py): password checks running at once on this machine,
# all worker processes together (half the cores by default); logins allowed to wait for a turn
# (each holds a worker meanwhile), and for how long, before the form asks to come back (503).
LIEN_LOGIN_CONCURRENCY = envint("LIEN_LOGIN_CONCURRENCY", max(1, (os.cpu_count() or 2) // 2))
LIEN_LOGIN_QUEUE_LENGTH = envint("LIEN_LOGIN_QUEUE_LENGTH", LIEN_LOGIN_CONCURRENCY)
LIEN_LOGIN_QUEUE_TIMEOUT_SECONDS = float(envstr("LIEN_LOGIN_QUEUE_TIMEOUT_SECONDS", "2"))
LIEN_LOGIN_GATE_DIR = Path(envstr("LIEN_LOGIN_GATE_DIR", str(VAR_DIR / "login-gate")))
# Prometheus metrics at /exploitation/metriques/: from the loopback address, or anywhere with
# this bearer token (LIEN_METRICS_TOKEN_FILE also works).
LIEN_METRICS_TOKEN = envstr("LIEN_METRICS_TOKEN")

# Priority admission (lien/admission/middleware.py), off at 0: requests in flight in every web
# process together, and milliseconds a request waited before Django (X-Request-Start from nginx).
LIEN_ADMISSION_MAX_IN_FLIGHT = envint("LIEN_ADMISSION_MAX_IN_FLIGHT", 0)
LIEN_ADMISSION_MAX_QUEUE_DELAY_MS = envint("LIEN_ADMISSION_MAX_QUEUE_DELAY_MS", 0)

# Session lifetime: an idle timeout and an absolute lifetime (ASVS L2 limits).
LIEN_SESSION_IDLE_MINUTES = envint("LIEN_SESSION_IDLE_MINUTES", 30)
LIEN_SESSION_MAX_HOURS = envint("LIEN_SESSION_MAX_HOURS", 12)
SESSION_COOKIE_AGE = LIEN_SESSION_MAX_HOURS * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LIEN_ACTIVATION_CODE_DAYS = envint("LIEN_ACTIVATION_CODE_DAYS", 90)
# The name authentication applications show next to the account (two-factor for staff).
OTP_TOTP_ISSUER = envstr("LIEN_TOTP_ISSUER", "Lien")

# Messaging: attachments and sending limits
LIEN_MESSAGE_MAX_FILE_MB = envint("LIEN_MESSAGE_MAX_FILE_MB", 10)
LIEN_MESSAGE_MAX_TOTAL_MB = envint("LIEN_MESSAGE_MAX_TOTAL_MB", 20)
LIEN_MESSAGE_MAX_FILES = envint("LIEN_MESSAGE_MAX_FILES", 10)
# Messages a person may send per hour, by profile (the most generous of their profiles counts).
_families_per_hour = envint("LIEN_MESSAGES_PER_HOUR_FAMILIES", 30)
_adults_per_hour = envint("LIEN_MESSAGES_PER_HOUR_STAFF", 200)
LIEN_MESSAGES_PER_HOUR = {
    "student": _families_per_hour,
    "parent": _families_per_hour,
    "tutor": _families_per_hour,
    "teacher": _adults_per_hour,
    "staff": _adults_per_hour,
    "operator": _adults_per_hour,
}

# Cahier de textes: a class's day of homework above this many minutes shows a warning.
LIEN_HOMEWORK_DAILY_MINUTES_WARNING = envint("LIEN_HOMEWORK_DAILY_MINUTES_WARNING", 90)

# Online assignments: what a pupil may hand in at once (a crisis mode may lower the sizes).
LIEN_ASSIGNMENT_MAX_FILE_MB = envint("LIEN_ASSIGNMENT_MAX_FILE_MB", 20)
LIEN_ASSIGNMENT_MAX_TOTAL_MB = envint("LIEN_ASSIGNMENT_MAX_TOTAL_MB", 50)
LIEN_ASSIGNMENT_MAX_FILES = envint("LIEN_ASSIGNMENT_MAX_FILES", 10)

# Usage statistics: without Redis, each process adds its counters to the database this often
# (0: only when the flush_usage task runs) or when it holds this many keys.
LIEN_USAGE_FLUSH_SECONDS = envint("LIEN_USAGE_FLUSH_SECONDS", 60)
LIEN_USAGE_BUFFER_MAX_KEYS = envint("LIEN_USAGE_BUFFER_MAX_KEYS", 20000)
# With Redis, each process sends its page views there at most this often (one round trip).
LIEN_USAGE_PUSH_SECONDS = float(envstr("LIEN_USAGE_PUSH_SECONDS", "1"))
# The Redis keys of the usage counters (by default the cache's key prefix + ":usage").
LIEN_USAGE_REDIS_PREFIX = envstr("LIEN_USAGE_REDIS_PREFIX")

# Internationalisation: French first, English second.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True

# Static and media files
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production, WhiteNoise serves the files straight from the apps (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("LIEN_MAX_REQUEST_BYTES", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# E-mail
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Lien <ne-pas-repondre@lien.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
globals().update(email_settings(envstr("EMAIL_URL", "console://")))

# Security headers
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
LIEN_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)
if PRODUCTION:
    # LIEN_INSECURE_HTTP=1: the production stack tried on this machine over plain HTTP
    # (`make serve-prod`): no HTTPS redirect, cookies without Secure. Loopback hosts only.
    INSECURE_HTTP = envbool("LIEN_INSECURE_HTTP", False)
    if INSECURE_HTTP and set(ALLOWED_HOSTS) - {"127.0.0.1", "localhost", "::1"}:
        raise RuntimeError("LIEN_INSECURE_HTTP=1 requires ALLOWED_HOSTS of loopback names only")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True) and not INSECURE_HTTP
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = not INSECURE_HTTP
    CSRF_COOKIE_SECURE = not INSECURE_HTTP
    LANGUAGE_COOKIE_SECURE = not INSECURE_HTTP

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}
