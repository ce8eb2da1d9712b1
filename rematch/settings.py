"""Re:Match settings: one module, configured from the environment.

Defaults make ``runserver`` work on SQLite with zero configuration (Celery tasks run in-process,
e-mail goes to the console). Production sets the variables listed in ``.env.example``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {value!r}") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "false")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # A fixed key only for the embedded default; check --deploy flags it, production sets one.
    SECRET_KEY = "insecure-development-key-only-for-the-embedded-default"  # noqa: S105
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "core",
    "accounts",
    "rounds",
    "municipalities",
    "refugees",
    "matching",
    "evaluation",
    "portal",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "core.static.StaticFilesMiddleware",  # WhiteNoise, its index built once per process
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.ClientAddressMiddleware",
    "accounts.middleware.StaffSessionExpiryMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RequireMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Project templates override Django's form widgets with KERN-UX markup.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

ROOT_URLCONF = "rematch.urls"
WSGI_APPLICATION = "rematch.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.platform",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", "0"),
        # A persistent connection is checked before reuse, so a database restart costs no
        # request a 500 (each thread would otherwise answer once with the stale connection).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and an eager task share the file without
    # "database is locked" errors.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and envbool(
    "DB_PREPARED_STATEMENTS", "true"
):
    # A kept connection prepares each query it has run five times (psycopg's threshold) and
    # PostgreSQL then stops planning it: planning was 1-2 ms a query against 0.1 ms of running
    # it for a staff dashboard's joins, and the database's CPU for the municipal staff's pages
    # fell from 2.1 to 0.75 ms a request (issue #18). Needs server-side binding (psycopg sends
    # the values apart from the query). Off behind a pooler in transaction mode (PgBouncer
    # without max_prepared_statements); they pay only on kept connections (DB_CONN_MAX_AGE).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
if os.environ.get("DB_PARALLEL_WORKERS") and (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
):
    # PostgreSQL's parallel workers per query (its default 2): gunicorn sets 0 for the web
    # processes (gunicorn.conf.py), whose short queries share the cores with each other; each
    # worker of a parallel join builds the whole hash table again (a caseworker's offer list
    # over 35,000 offers took three times the CPU of the same join without workers).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _flag = f"-c max_parallel_workers_per_gather={envint('DB_PARALLEL_WORKERS', '2')}"
    _options["options"] = f"{_options.get('options', '')} {_flag}".strip()
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery ----------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    # Sessions read from Redis, kept in the database (core.sessions): one query less on every
    # signed-in page. Without a shared cache (runserver, a single process) the database alone,
    # since a per-process copy would outlive a sign-out in another process.
    SESSION_ENGINE = "core.sessions"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://localhost/")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", "false" if REDIS_URL else "true")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", "900")
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", "840")
CELERY_TIMEZONE = "Europe/Berlin"
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "expire-offers": {"task": "matching.tasks.expire_offers", "schedule": 300.0},
    "remind-offers": {"task": "matching.tasks.remind_offers", "schedule": 3600.0},
    # Runs whose worker died are failed within about a minute of their last heartbeat.
    "reap-stale-runs": {"task": "matching.tasks.reap_stale_runs", "schedule": 30.0},
    "reap-stale-sensitivities": {
        "task": "matching.tasks.reap_stale_sensitivities",
        "schedule": 600.0,
    },
    # Surveys: idempotent, so hourly runs send each invitation and reminder once, on its day.
    "send-due-surveys": {"task": "evaluation.tasks.send_due_surveys", "schedule": 3600.0},
    "remind-surveys": {"task": "evaluation.tasks.remind_surveys", "schedule": 3600.0},
    # A finished run or an answered offer makes a round's stored metrics stale: measured again
    # within a minute (evaluation.services.stored), not on every view of the evaluation.
    "refresh-round-metrics": {
        "task": "evaluation.tasks.refresh_stale_round_metrics",
        "schedule": 60.0,
    },
    "reap-stale-comparisons": {
        "task": "evaluation.tasks.reap_stale_comparisons",
        "schedule": 600.0,
    },
    # GDPR: anonymise households past the retention period; idempotent, so retries are safe.
    # Import files waiting for confirmation hold names and needs: gone after the preview time.
    "purge-import-previews": {"task": "refugees.tasks.purge_import_previews", "schedule": 900.0},
    # Applications of municipalities: unconfirmed ones after the link expired, declined ones
    # after the retention period.
    "purge-applications": {"task": "municipalities.tasks.purge_applications", "schedule": 86400.0},
    "anonymise-expired-households": {
        "task": "portal.tasks.anonymise_expired_households",
        "schedule": 86400.0,
    },
}

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
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
    {"NAME": "accounts.passwords.NotOwnEmailValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 600
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Re:Match] "
ACCOUNT_FORMS = {"request_login_code": "accounts.forms.RequestLoginCodeForm"}
ACCOUNT_RATE_LIMITS = {
    "login": os.environ.get("REMATCH_LOGIN_RATE_LIMIT", "30/m/ip"),
    "login_failed": "5/5m/key,20/15m/ip",
    # Households of a reception centre share one address (its Wi-Fi): the limit per network is
    # generous, the one per e-mail address (a mailbox flooded with codes) strict.
    "request_login_code": "30/5m/ip,3/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    # The public application form of municipalities (portal): per client and per e-mail.
    "municipality_application": os.environ.get("REMATCH_APPLICATION_RATE_LIMIT", "10/h/ip,3/d/key"),
    "confirm_email": "1/3m/key",
}
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
MFA_FORMS = {"activate_totp": "accounts.forms.ActivateTOTPForm"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Re:Match"
# Coordinators and municipal staff must set up TOTP before they see personal data. The demo may
# switch this off; every page then says so.
REMATCH_REQUIRE_MFA = envbool("REMATCH_REQUIRE_MFA", "true")
# Staff sessions end after this much inactivity (seconds).
REMATCH_STAFF_IDLE_TIMEOUT = envint("REMATCH_STAFF_IDLE_TIMEOUT", "1800")
# Number of reverse proxies in front of the app whose X-Forwarded-For entries we trust.
REMATCH_TRUSTED_PROXY_COUNT = envint("REMATCH_TRUSTED_PROXY_COUNT", "0")
REMATCH_INVITATION_DAYS = envint("REMATCH_INVITATION_DAYS", "14")
REMATCH_DEMO = envbool("REMATCH_DEMO", "false")
# Days after a household's last round closed (or after it withdrew its consent) until its
# personal data is anonymised; only anonymous statistics stay for the evaluation.
REMATCH_RETENTION_DAYS = envint("REMATCH_RETENTION_DAYS", "365")
# Fernet keys for health-related needs, comma-separated; the first encrypts, all decrypt (put a
# new key in front, run `manage.py encryption_rotate`, then drop the old one). Unset: a key
# derived from SECRET_KEY, which `check --deploy` warns about (rematch.W001).
FIELD_ENCRYPTION_KEYS = envlist("FIELD_ENCRYPTION_KEYS")

SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(12 * 3600))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "false")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = False
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Security headers -------------------------------------------------------------------------
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "false")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if REMATCH_TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", str(5 * 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# --- I18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English")), ("uk", _("Ukrainian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates that end cleanly in a sentence (rematch/formats/: no "р." or "p.m." before a full stop).
FORMAT_MODULE_PATH = ["rematch.formats"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static files, e-mail ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
WHITENOISE_USE_FINDERS = DEBUG

_EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")


def _mail_options(backend: str) -> dict:
    if backend.endswith("smtp.EmailBackend"):
        return {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": envint("EMAIL_PORT", "25"),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": envbool("EMAIL_USE_TLS", "false"),
            "timeout": 15,
        }
    if backend.endswith("filebased.EmailBackend"):
        # One file per message (benchmarks/load.py reads the households' sign-in codes there).
        return {"file_path": os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "mail"))}
    return {}


MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND, "OPTIONS": _mail_options(_EMAIL_BACKEND)}}
# Quoted: the colon in the name makes an unquoted "Re:Match <...>" an address group (core.mail
# quotes a value given without quotes, too).
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", '"Re:Match" <noreply@rematch.example>')
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST framework ---------------------------------------------------------------------------
# Requests a minute per client (anonymous: per address; signed in: per user).
REMATCH_API_ANON_PER_MINUTE = envint("REMATCH_API_ANON_PER_MINUTE", "60")
REMATCH_API_USER_PER_MINUTE = envint("REMATCH_API_USER_PER_MINUTE", "600")
# Largest JSON request body (bytes); file uploads are limited by REMATCH_IMPORT_MAX_BYTES.
REMATCH_API_MAX_BODY_BYTES = envint("REMATCH_API_MAX_BODY_BYTES", str(1024 * 1024))
# Failed token authentications per client address in ten minutes before the API answers 429.
REMATCH_API_TOKEN_FAILURES = envint("REMATCH_API_TOKEN_FAILURES", "20")
# Largest household import file (bytes), through the portal and the API.
REMATCH_IMPORT_MAX_BYTES = envint("REMATCH_IMPORT_MAX_BYTES", str(5 * 1024 * 1024))
# Minutes an uploaded import file waits (encrypted) for its confirmation before it is removed.
REMATCH_IMPORT_PREVIEW_MINUTES = envint("REMATCH_IMPORT_PREVIEW_MINUTES", "60")
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes missing credentials a 401.
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonThrottle", "api.throttling.UserThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.FallbackContentNegotiation",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Re:Match API",
    "DESCRIPTION": (
        "Municipalities, rounds, capacity questionnaires, households, match runs, offers and "
        "evaluation metrics. Every endpoint enforces the same permissions as the portal. "
        "Errors use one shape (RFC 9457 problem details with a list of field errors)."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "HouseholdStatusEnum": "refugees.models.HouseholdStatus",
        "RoundStatusEnum": "rounds.models.RoundStatus",
        "RunStatusEnum": "matching.models.RunStatus",
        "OfferStatusEnum": "matching.models.OfferStatus",
        "AnswerEnum": "matching.models.Answer",
        "ReasonCodeEnum": "matching.reasons.ReasonCode",
        "QuestionnaireStatusEnum": "municipalities.models.QuestionnaireStatus",
        "SettlementTypeEnum": "municipalities.models.SettlementType",
        "FederalStateEnum": "municipalities.models.FederalState",
        "AvailabilityEnum": "municipalities.models.Availability",
        "SectorEnum": "municipalities.choices.Sector",
        "SpecialistCareEnum": "municipalities.choices.SpecialistCare",
        "EditableHouseholdStatusEnum": [("draft", "draft"), ("ready", "ready")],
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    # No deep links: Swagger UI would put each one as a link inside the operation's toggle
    # button (nested interactive controls, WCAG 4.1.2).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging: structured, no personal data (services log ids, never names or needs) ----------
# The Celery worker and beat log through this, too (rematch/celery.py), not Celery's own format.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "accounts.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": LOG_LEVEL},
    },
}
