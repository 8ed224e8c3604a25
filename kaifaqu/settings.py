"""Kaifaqu settings: everything from the environment, with defaults that run a zone on one machine.

SQLite is the default database (WAL, IMMEDIATE transactions, busy timeout); set DATABASE_URL for PostgreSQL.
Security defaults follow docs/security.md (等保 2.0 practice); each figure is a setting an assessor can read.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

# The disclosure control's linear algebra works on matrices of a few hundred cells: BLAS threads only add CPU time to
# a web worker (measured: twice the CPU, same wall time). Set before numpy is first imported; an operator may override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KAIFAQU_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    return int(os.environ.get(name, default))


DEBUG = env_bool("DEBUG")
PRODUCTION = env_bool("KAIFAQU_PRODUCTION")


def load_secret_key():
    """A production deployment must set SECRET_KEY; a local run generates one and keeps it under var/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set when KAIFAQU_PRODUCTION=1")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = load_secret_key()
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "kaifaqu.core",
    "kaifaqu.accounts",
    "kaifaqu.zones",
    "kaifaqu.enterprises",
    "kaifaqu.stats",
    "kaifaqu.projects",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kaifaqu.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kaifaqu.accounts.middleware.SessionTimeoutMiddleware",
    "kaifaqu.accounts.middleware.PasswordChangeRequiredMiddleware",
    "kaifaqu.accounts.middleware.NoStoreMiddleware",
    "kaifaqu.accounts.middleware.DeniedAccessAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kaifaqu.core.middleware.StaleEditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kaifaqu.urls"
WSGI_APPLICATION = "kaifaqu.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "kaifaqu.core.context_processors.site",
                "kaifaqu.accounts.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory, or Redis when REDIS_URL is set.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work: imports are validated and committed in `manage.py db_worker` (the database backend), never in
# the web server, so a hostile file ends its own job under the worker's memory limit. TASKS_BACKEND=immediate runs
# them inline in the request (one process; the test suite's default).
if os.environ.get("TASKS_BACKEND", "database") == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Authentication and passwords (IA-1, IA-2).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 8)
PASSWORD_MIN_CHARACTER_CLASSES = env_int("PASSWORD_MIN_CHARACTER_CLASSES", 3)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
AUTH_PASSWORD_VALIDATORS = [
    # Django's four validators with messages of our own: its zh-hans catalogue lacks some of them (IA-1).
    {"NAME": "kaifaqu.accounts.validators.UserAttributeSimilarityValidator"},
    {"NAME": "kaifaqu.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH}},
    {"NAME": "kaifaqu.accounts.validators.CommonPasswordValidator"},
    {"NAME": "kaifaqu.accounts.validators.NumericPasswordValidator"},
    {
        "NAME": "kaifaqu.accounts.validators.CharacterClassValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CHARACTER_CLASSES},
    },
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Sessions: idle timeout and absolute lifetime (IA-2).
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30))
SESSION_COOKIE_AGE = env_int("SESSION_ABSOLUTE_HOURS", 8) * 3600
SESSION_COOKIE_HTTPONLY = True

# API tokens (IA-2 for keys without a session): a token lasts API_TOKEN_DAYS from creation and lapses after
# API_TOKEN_IDLE_DAYS without use (0: never lapses from disuse).
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 30)
API_TOKEN_IDLE_DAYS = env_int("API_TOKEN_IDLE_DAYS", 7)
SESSION_COOKIE_SAMESITE = "Lax"

# HTTPS-only cookies and HSTS outside DEBUG; KAIFAQU_HTTPS=0 for a plain-http intranet trial or the test server.
HTTPS = env_bool("KAIFAQU_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-security policy: every asset is ours, nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Uploads: size and row limits for every import.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 50_000)
# A value further right than this ends the reading of a file (the widest template, a statistics form with every
# indicator of a data set, has about 200 columns).
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 1000)
# The import worker (manage.py db_worker): its address space, and how long a running job may go without a heartbeat
# (written every 2 s) before it counts as interrupted (处理进程中断) and may be run again.
IMPORT_WORKER_MEMORY_MB = env_int("IMPORT_WORKER_MEMORY_MB", 2048)
IMPORT_STALE_SECONDS = env_int("IMPORT_STALE_SECONDS", 60)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

# Audit log retention (AU-5): never purge records younger than this.
AUDIT_RETENTION_DAYS = max(env_int("AUDIT_RETENTION_DAYS", 184), 184)
# Denied requests (越权, AU-1/2) are audited at most once per account and path in this many minutes: a scanner's
# thousands of probes leave one record per address tried, not a flood that buries everything else.
AUDIT_DENIED_INTERVAL_MINUTES = env_int("AUDIT_DENIED_INTERVAL_MINUTES", 10)

# Statistics confidentiality (统计法): suppress aggregates of fewer than k firms for viewers not entitled.
STATS_MIN_GROUP_SIZE = env_int("STATS_MIN_GROUP_SIZE", 3)
STATS_DOMINANCE_PCT = env_int("STATS_DOMINANCE_PCT", 85)  # and cells where one firm exceeds p% of the total

# Project progress dispatch (项目调度): a month's report may be entered until day N of the next month.
PROJECT_PROGRESS_DEADLINE_DAY = env_int("PROJECT_PROGRESS_DEADLINE_DAY", 10)

# Internationalisation: Chinese by default, English complete. Source strings are Chinese.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kaifaqu.accounts.authentication.ApiTokenAuthentication",
        "kaifaqu.accounts.authentication.AccountSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "kaifaqu.core.api.ApiSchema",
    # JSON in a documented shape for every error, a 404 without model names, no 500 on out-of-range ids.
    "EXCEPTION_HANDLER": "kaifaqu.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kaifaqu API",
    "DESCRIPTION": "开发区管委会工作系统 API — zones, parks, departments, enterprises, industry classes.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # No online validator badge: the intranet has no internet, and the schema's address must not leave it.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Links from a response's id to the operations that take it (stateful testing follows objects).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "kaifaqu.core.api.add_links"],
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

SITE_NAME = _("开发区管委会工作系统")

# The Django admin (for the system administrator) lives at an unguessable path; IP-2 ranges are set at the proxy.
ADMIN_URL = os.environ.get("ADMIN_URL", "django-admin/")

# Lock-out is by username (IA-2): a zone's whole office often shares one NAT address, so locking by address would
# shut out every colleague after one person's typing errors.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Grouped thousands in Chinese pages too (see kaifaqu/formats/zh_Hans); English uses Django's own format.
FORMAT_MODULE_PATH = ["kaifaqu.formats"]
