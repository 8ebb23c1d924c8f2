"""One settings module; environments differ only by environment variables.

DATABASE_URL      default: SQLite file in the data folder (WAL mode)
ZUGONG_DATA_DIR   default: ./data (database, secret key, field-encryption key, uploads)
SECRET_KEY        default: generated once and kept in the data folder
ZUGONG_DEBUG      "1" turns on Django's debug mode (never in production)
ZUGONG_FIELD_KEY  base64 key for sensitive fields; default: generated once and kept in the data folder
ZUGONG_SESSION_MINUTES  idle timeout of a session (default 30)
ZUGONG_PROXY_COUNT  number of trusted reverse proxies in front (X-Forwarded-For), default 0
"""

from __future__ import annotations

import base64
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("ZUGONG_DATA_DIR", Path.cwd() / "data")).resolve()


def _kept_secret(name: str, make) -> str:
    """A secret generated on first use and kept in the data folder, so restarts keep sessions and data."""
    path = DATA_DIR / name
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    return value


DEBUG = os.environ.get("ZUGONG_DEBUG", "") in {"1", "true", "yes"}
SECRET_KEY = os.environ.get("SECRET_KEY") or _kept_secret("secret_key", lambda: secrets.token_urlsafe(50))
FIELD_KEY = os.environ.get("ZUGONG_FIELD_KEY") or _kept_secret(
    "field_key", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
)
ALLOWED_HOSTS = [h for h in os.environ.get("ZUGONG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h] + (
    ["testserver"] if DEBUG or os.environ.get("PYTEST_VERSION") else []
)
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ZUGONG_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "zugong.core",
    "zugong.rules",
    "zugong.accounts",
    "zugong.orgs",
    "zugong.members",
    "zugong.orglife",
    "zugong.stats",
    "zugong.dues",
    "zugong.recruitment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zugong.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zugong.core.middleware.SlidingSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "zugong.accounts.middleware.RequireOTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zugong.urls"
WSGI_APPLICATION = "zugong.wsgi.application"

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
                "zugong.core.context_processors.scope",
                "zugong.orglife.context_processors.orglife",
            ],
        },
    }
]

_default_db = f"sqlite:///{DATA_DIR / 'zugong.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Persistent like PostgreSQL's: opening the file and running the PRAGMAs on every request cost
    # the one-query floor page 2.4× its throughput (166 vs 392 req/s, docs/performance.md). Between
    # requests a connection holds no transaction, so WAL checkpoints are not held back.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    if not str(DATABASES["default"]["NAME"]).startswith(":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout (django-axes): 5 failures for one username from one address lock it for 30 minutes.
# Two-factor sign-in (accounts/otp.py): the roles that must use an authenticator app; superusers always.
ZUGONG_OTP_ROLES = [
    r.strip()
    for r in os.environ.get("ZUGONG_OTP_ROLES", "dept_admin,committee_organizer").split(",")
    if r.strip()
]
ZUGONG_OTP_SUPERUSERS = os.environ.get("ZUGONG_OTP_SUPERUSERS", "1") != "0"
OTP_TOTP_ISSUER = "zugong 组工综合管理平台"

AXES_FAILURE_LIMIT = int(os.environ.get("ZUGONG_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("ZUGONG_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Behind N trusted reverse proxies, lockout and audit use the client address from X-Forwarded-For.
ZUGONG_PROXY_COUNT = int(os.environ.get("ZUGONG_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "zugong.core.context.client_ip_of"

# Idle sessions end after ZUGONG_SESSION_MINUTES; every request slides the window.
SESSION_COOKIE_AGE = int(os.environ.get("ZUGONG_SESSION_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = False  # SlidingSessionMiddleware slides the window once a minute
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if os.environ.get("ZUGONG_HTTPS", "") in {"1", "true", "yes"}:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Everything is served from this machine: government intranets are offline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["zugong.formats"]  # counts grouped by thousands, as everywhere else

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Background work (django-tasks, stored in the database): big exports and imports run in
# `zugong db_worker`; small ones run inside the request, so `zugong demo` needs no worker.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("ZUGONG_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# Exports up to this many rows stream straight back; bigger ones become a background job.
ZUGONG_EXPORT_INLINE_ROWS = int(os.environ.get("ZUGONG_EXPORT_INLINE_ROWS", "5000"))
# Uploaded files up to these sizes are checked and imported inside the request.
ZUGONG_IMPORT_INLINE_ROWS = int(os.environ.get("ZUGONG_IMPORT_INLINE_ROWS", "3000"))
ZUGONG_IMPORT_INLINE_BYTES = int(os.environ.get("ZUGONG_IMPORT_INLINE_KB", "1024")) * 1024
ZUGONG_IMPORT_MAX_BYTES = int(os.environ.get("ZUGONG_IMPORT_MAX_MB", "50")) * 1024 * 1024
# Uploaded files, problem lists and export files are deleted this many days after their job.
ZUGONG_JOB_KEEP_DAYS = int(os.environ.get("ZUGONG_JOB_KEEP_DAYS", "7"))

# Days before a month / quarter / year ends that an unmet organizational-life obligation turns amber
# ("month=7,quarter=15,year=61"): local practice, so a setting and not a rule pack.
ZUGONG_ORGLIFE_LEAD_DAYS = {
    k.strip(): int(v)
    for k, v in (
        part.split("=", 1)
        for part in os.environ.get("ZUGONG_ORGLIFE_LEAD_DAYS", "month=7,quarter=15,year=61").split(",")
        if "=" in part
    )
}

# The province this installation belongs to (GB/T 2260 two-digit prefix): the shard key of big tables.
ZUGONG_PROVINCE_CODE = os.environ.get("ZUGONG_PROVINCE_CODE", "14")
# Depth of the county level in the tree (1 = the root) for a fresh database; members carry the path
# of their county (`county_path`) so a county's list sorted by name is one index range. `zugong
# seed` and `zugong recount --county-depth N` store the depth with the data (stats.RollupState).
ZUGONG_COUNTY_DEPTH = int(os.environ.get("ZUGONG_COUNTY_DEPTH", "3"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZUGONG_LOG_LEVEL", "WARNING")},
}
