"""Django/Wagtail settings for Santer, read from environment variables with safe defaults.

DATABASE_URL     default: SQLite in the git-ignored data folder (PostgreSQL in production)
SECRET_KEY       default: generated once and kept in the data folder
DEBUG            off unless "1"/"true"
ALLOWED_HOSTS    comma-separated, default 127.0.0.1,localhost
SANTER_DATA_DIR  the data folder, default <project>/data
PORTAL_DIR       the live built portal, default <data>/portal
PORTAL_WATCH_SECONDS  how often a server process checks for a newly published build, default 0.2
SITE_URL         canonical base URL of the portal
ELASTICSEARCH_URL  when set, the search API uses Elasticsearch
HTTPS, LOGIN_*, ADMIN_REQUIRE_TWO_FACTOR, SESSION_IDLE_TIMEOUT  admin hardening (see "Admin security")
… and the rest below, each with its default and what it does (the README's table lists them all).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("SANTER_DATA_DIR", BASE_DIR / "data"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_number(name: str, default: float, kind: type = float):
    return kind(os.environ.get(name, "").strip() or default)


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        # Written once with owner-only permissions; survives restarts so sessions stay valid.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_flag("DEBUG")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

PORTAL_DIR = Path(os.environ.get("PORTAL_DIR", DATA_DIR / "portal"))
# The largest request body the CMS accepts (admin forms, image and document uploads); a larger
# one is answered 413 by the front door before it is read (cms/portal/serving.py).
REQUEST_MAX_BODY_BYTES = int(os.environ.get("REQUEST_MAX_BODY_BYTES", str(32 * 1024 * 1024)))
# How often each server process looks whether a publish made a new build live (one readlink).
PORTAL_WATCH_SECONDS = float(os.environ.get("PORTAL_WATCH_SECONDS", "0.2"))
# How long a request waits for that scan before the previous build answers it instead.
PORTAL_SWITCH_WAIT_SECONDS = float(os.environ.get("PORTAL_SWITCH_WAIT_SECONDS", "1.0"))
# Spare builds an idle publish worker keeps ready (hard-linked copies of the live build) so that an
# update recycles one instead of linking every unchanged file into a fresh folder; 0: none.
PORTAL_SPARE_BUILDS = int(os.environ.get("PORTAL_SPARE_BUILDS", "2"))
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
ELASTICSEARCH_INDEX = os.environ.get("ELASTICSEARCH_INDEX", "santer-services")
# Another theme folder for the portal; unset: the project's themes/santer.
PORTAL_THEME_DIR = Path(os.environ["PORTAL_THEME_DIR"]) if os.environ.get("PORTAL_THEME_DIR") else None

# The web server (gunicorn, read by cms/gunicorn.conf.py): uvicorn's worker class by default
# (keep-alive on every route; "gthread" runs cms.wsgi instead), a worker per core, 2 threads per
# gthread worker, and no access log (a log line per file costs throughput; "-" logs to stdout).
GUNICORN_WORKER_CLASS = os.environ.get("GUNICORN_WORKER_CLASS", "uvicorn_worker.UvicornWorker")
WEB_CONCURRENCY = env_number("WEB_CONCURRENCY", os.cpu_count() or 1, int)
GUNICORN_THREADS = env_number("GUNICORN_THREADS", 2, int)
GUNICORN_ACCESS_LOG = os.environ.get("GUNICORN_ACCESS_LOG") or None

# Publish queue (cms.publishing): a burst of publishes becomes one portal update.
PUBLISH_DEBOUNCE_SECONDS = env_number("PUBLISH_DEBOUNCE_SECONDS", 0.05)  # quiet period before an update
# Publishes that join a waiting update, or come while one runs or just after it started (several
# editors at once), wait for this much quiet.
PUBLISH_BURST_QUIET_SECONDS = env_number("PUBLISH_BURST_QUIET_SECONDS", 1.5)
PUBLISH_MAX_WAIT_SECONDS = env_number("PUBLISH_MAX_WAIT_SECONDS", 5.0)  # longest a request waits in a burst
PUBLISH_RETRY_SECONDS = env_number("PUBLISH_RETRY_SECONDS", 60)  # the worker retries a failed update after
# The worker is woken when work is queued; it also looks for published changes no update has
# handled (e.g. the web server died before queuing one) at least this often.
PUBLISH_CHECK_SECONDS = env_number("PUBLISH_CHECK_SECONDS", 10)

# Link health (cms.links): the apps' base URLs and the services' deep links.
LINK_CHECK_INTERVAL_SECONDS = env_number("LINK_CHECK_INTERVAL_SECONDS", 900)  # the worker's periodic check
LINK_CHECK_TIMEOUT_SECONDS = env_number("LINK_CHECK_TIMEOUT_SECONDS", 10.0)  # per request
LINK_CHECK_MAX_REDIRECTS = env_number("LINK_CHECK_MAX_REDIRECTS", 5, int)  # more counts as a failure
LINK_CHECK_CONCURRENCY = env_number("LINK_CHECK_CONCURRENCY", 8, int)  # links checked at once
LINK_CHECK_SLOW_SECONDS = env_number("LINK_CHECK_SLOW_SECONDS", 3.0)  # an answer slower than this is "slow"
LINK_CHECK_FAILURES_UNTIL_DOWN = env_number("LINK_CHECK_FAILURES_UNTIL_DOWN", 3, int)  # failures in a row
# A service whose content nobody confirmed for this many months is overdue (report, dashboard).
REVIEW_PERIOD_MONTHS = env_number("REVIEW_PERIOD_MONTHS", 12, int)
# "Banyak jawaban Tidak": this many "not helpful" answers in the report's window flag a service.
REVIEW_NOT_HELPFUL_MIN = env_number("REVIEW_NOT_HELPFUL_MIN", 5, int)
REVIEW_NOT_HELPFUL_DAYS = env_number("REVIEW_NOT_HELPFUL_DAYS", 90, int)

INSTALLED_APPS = [
    "cms.services",
    "cms.portal",
    "cms.search_api",
    "cms.publishing",
    "cms.links",
    "cms.vocabulary",
    "cms.feedback",
    "cms.reviews",
    "cms.security",
    "wagtail.api.v2",
    "wagtail.contrib.settings",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "django_tasks",
    "django_tasks_db",
    "django_ratelimit",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cms.security.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires: turns a lock-out into its page
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"
ASGI_APPLICATION = "cms.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
# How long a statement waits for a lock held by another process before it fails (SQLite).
DATABASE_LOCK_TIMEOUT_SECONDS = env_number("DATABASE_LOCK_TIMEOUT_SECONDS", 30)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The publish worker and the web server share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": DATABASE_LOCK_TIMEOUT_SECONDS, "transaction_mode": "IMMEDIATE"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia")]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("id", "Bahasa Indonesia")]
TIME_ZONE = "Asia/Makassar"  # WITA
USE_I18N = True
# Fills the gaps in Wagtail's Indonesian catalogue (cms/locale/id/LC_MESSAGES).
LOCALE_PATHS = [BASE_DIR / "cms" / "locale"]
USE_TZ = True
# The zones an editor may pick in the admin account (Wagtail offers every zone otherwise, including
# Debian's "localtime" alias, which browsers reject: the account page then fails in its script).
WAGTAIL_USER_TIME_ZONES = os.environ.get(
    "ADMIN_TIME_ZONES", "Asia/Jakarta,Asia/Makassar,Asia/Jayapura"
).split(",")

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

WAGTAIL_SITE_NAME = "Santer — Samarinda Center"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILAPI_BASE_URL = SITE_URL  # the API is served by the same process as the portal
WAGTAIL_ENABLE_UPDATE_CHECK = False  # the admin must not call the internet
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True

# Workflow notifications: printed to the log unless a real mail backend is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "santer@localhost")

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        # Wagtail's own tasks, portal updates (cms.publishing), link checks (cms.links).
        "QUEUES": ["default", "portal", "links"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # One line per background task (hundreds after an import) would bury the worker's own report.
    # django-axes: lock-outs are warnings; each failed attempt is in its AccessAttempt table instead.
    "loggers": {
        name: {"level": "WARNING"} for name in ("django_tasks", "django_tasks_db", "django.tasks", "axes")
    },
}

# --- Admin security -------------------------------------------------------------------------------
# HTTPS=1 when the site is served over TLS (by a proxy in front): secure cookies, HSTS, https redirect.
# Off by default, so the plain-HTTP local run (make run on http://127.0.0.1:8000) keeps working.
HTTPS = env_flag("HTTPS")
# The header the TLS proxy sets (and strips from clients) to say the request came in over https.
_proxy_ssl_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto" if HTTPS else "")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", HTTPS)  # http:// admin/API requests go to https://
SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", HTTPS)  # the login cookie never travels in clear
CSRF_COOKIE_SECURE = env_flag("CSRF_COOKIE_SECURE", HTTPS)
# HSTS: browsers use https only, for a year by default once HTTPS is on (0 = no header).
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_flag("SECURE_HSTS_PRELOAD", HTTPS)  # allows (does not submit) HSTS preloading

# Idle admin sessions end after this many seconds (default a working day); every request restarts it.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_TIMEOUT", 8 * 3600))
SESSION_SAVE_EVERY_REQUEST = True  # the expiry slides with use, so it is an idle time, not a login length

# Login throttling (django-axes): an account, and separately a client address, is locked out after
# LOGIN_FAILURE_LIMIT failed passwords, for LOGIN_LOCKOUT_MINUTES (`manage.py axes_reset` unlocks).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out account or client before the password
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # per account OR per client, each on its own
AXES_RESET_ON_SUCCESS = True  # a correct login clears that account's and client's failures
AXES_LOCKOUT_CALLABLE = "cms.security.views.lockout"  # the Indonesian lock-out page
# Proxies in front whose X-Forwarded-For is trusted (0: the client is the connection's address).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", 0))
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"  # the address our own proxy appended, not one a client sent
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# Second factor (TOTP, django-otp): any editor may turn it on; ADMIN_REQUIRE_TWO_FACTOR=1 makes every
# admin account set it up at its next login before it can do anything else.
ADMIN_REQUIRE_TWO_FACTOR = env_flag("ADMIN_REQUIRE_TWO_FACTOR")
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Santer Samarinda")  # the name in the phone app

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# What citizens searched (cms.feedback). SEARCH_LOG_URL is a build setting: the address the
# portal's pages send each finished search to (e.g. "/api/laporan-pencarian" when this server
# serves the portal, or an absolute URL); empty = the portal reports nothing and works unchanged.
SEARCH_LOG_URL = os.environ.get("SEARCH_LOG_URL", "")
SEARCH_LOG_RATE = os.environ.get("SEARCH_LOG_RATE", "60/m")  # reports per client address
SEARCH_LOG_FLUSH_SECONDS = float(os.environ.get("SEARCH_LOG_FLUSH_SECONDS", "5"))
# "Apakah informasi ini membantu?" on every service page (cms.feedback). FEEDBACK_URL is a build
# setting like SEARCH_LOG_URL: where the page's form posts (e.g. "/api/masukan" when this server
# serves the portal, or an absolute URL); empty = no form, and the portal works unchanged.
FEEDBACK_URL = os.environ.get("FEEDBACK_URL", "")
FEEDBACK_RATE = os.environ.get("FEEDBACK_RATE", "10/m")  # answers accepted per client address
# Days a citizen's comment is kept after the day it was written (cms.feedback.retention); 0: for ever.
FEEDBACK_COMMENT_RETENTION_DAYS = int(os.environ.get("FEEDBACK_COMMENT_RETENTION_DAYS", "365"))
# Rate-limit counters live in each server process's memory (django-ratelimit on Django's
# LocMemCache, whose increments are atomic under its lock). A shared file cache, used before, cost
# about 0.3 ms of file system calls per beacon on the event loop that serves the portal's pages,
# and raised their p99 2-7x under 500 beacon clients (benchmarks/beacons.py). The price: a client
# whose connections reach several processes gets up to WEB_CONCURRENCY times the rate, which a spam
# limit can afford. A memory cache is not shared and not a "real" one to django-ratelimit's checks,
# hence their silencing.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "santer-ratelimit",
        "OPTIONS": {"MAX_ENTRIES": 50000},  # client addresses counted at once before the oldest go
    },
}
RATELIMIT_USE_CACHE = "ratelimit"
# Behind a reverse proxy, the client address is in a header the proxy sets (e.g. HTTP_X_REAL_IP).
RATELIMIT_IP_META_KEY = os.environ.get("RATELIMIT_IP_META_KEY") or None
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
