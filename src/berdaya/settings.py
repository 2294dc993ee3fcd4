"""Every knob of Berdaya, read from the environment (one module, as in healthchecks).

Nothing secret is committed: SECRET_KEY comes from ``SECRET_KEY`` or from the
file named by ``SECRET_KEY_FILE``. Without either, start-up stops with a clear
message unless DEBUG was asked for explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent  # src/berdaya
PROJECT_DIR = BASE_DIR.parent.parent  # repository root when run from a checkout

_TRUE = {"1", "true", "yes", "on", "ya"}
_FALSE = {"0", "false", "no", "off", "tidak", ""}


def envbool(name: str, default: str = "False") -> bool:
    value = os.getenv(name, default).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} bukan nilai ya/tidak yang dikenal (pakai 1/0, true/false).")


def envint(name: str, default: str) -> int:
    value = os.getenv(name, default).strip()
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} harus berupa bilangan bulat.") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def envsecret(name: str) -> str:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/systemd style)."""
    value = os.getenv(name, "")
    path = os.getenv(f"{name}_FILE", "")
    if value and path:
        raise ImproperlyConfigured(f"Isi salah satu saja: {name} atau {name}_FILE, bukan keduanya.")
    if path:
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} tidak dapat dibaca: {exc.strerror}.") from None
        if not value:
            raise ImproperlyConfigured(f"Berkas {name}_FILE={path!r} kosong.")
    return value


DEBUG = envbool("DEBUG", "False")

SECRET_KEY = envsecret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY belum diatur. Isi variabel lingkungan SECRET_KEY atau SECRET_KEY_FILE "
            "(berkas berisi kunci rahasia), atau jalankan dengan DEBUG=1 untuk pengembangan."
        )
    SECRET_KEY = "insecure-development-key-only-for-DEBUG"
elif len(SECRET_KEY) < 32 and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY terlalu pendek: minimal 32 karakter.")

# --- Deployment configuration -------------------------------------------------
BERDAYA_PROVINCE = os.getenv("BERDAYA_PROVINCE", "74").strip()
if not (len(BERDAYA_PROVINCE) == 2 and BERDAYA_PROVINCE.isdigit()):
    raise ImproperlyConfigured(
        f"BERDAYA_PROVINCE={BERDAYA_PROVINCE!r} harus kode provinsi Kemendagri dua digit, "
        "misalnya 74 untuk Sulawesi Tenggara."
    )
BERDAYA_TIME_ZONE = os.getenv("BERDAYA_TIME_ZONE", "Asia/Makassar").strip()
try:
    import zoneinfo

    zoneinfo.ZoneInfo(BERDAYA_TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"BERDAYA_TIME_ZONE={BERDAYA_TIME_ZONE!r} bukan zona waktu yang dikenal "
        "(contoh: Asia/Makassar, Asia/Jakarta, Asia/Jayapura)."
    ) from None

VAR_DIR = Path(os.getenv("BERDAYA_VAR_DIR", str(PROJECT_DIR / "var")))

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_ROOT = os.getenv("SITE_ROOT", "http://127.0.0.1:8000")

# --- Applications -------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # trigram lookups for name search on PostgreSQL; inert on SQLite
    "ninja",
    "axes",
    "berdaya.core",
    "berdaya.regions",
    "berdaya.accounts",
    "berdaya.registry",
    "berdaya.programmes",
    "berdaya.grants",
    "berdaya.diagnosis",
    "berdaya.api",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "berdaya.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "berdaya.core.audit.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # last, as django-axes asks: it turns a lock-out into the lock-out page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "berdaya.urls"
WSGI_APPLICATION = "berdaya.wsgi.application"

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
                "django.template.context_processors.i18n",
                "berdaya.core.context_processors.shell",
            ],
            "builtins": ["berdaya.core.templatetags.berdaya"],
        },
    }
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = os.getenv("DATABASE_URL", "").strip()
if DATABASE_URL:
    try:
        _db = dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", "60"))
    except (ValueError, dj_database_url.UnknownSchemeError) as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL tidak dapat dibaca ({exc}). Contoh: "
            "postgres://user:sandi@127.0.0.1:5432/berdaya atau sqlite:///var/berdaya.sqlite3"
        ) from None
else:
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "berdaya.sqlite3")}
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers continue while an import writes; IMMEDIATE avoids
    # "database is locked" when two requests upgrade read locks at once.
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"),
        }
    )
    _db["CONN_MAX_AGE"] = 0
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # Name search (registry/search.py): how similar a word must be to count as a match
    # despite a typo; the same threshold as the SQLite implementation.
    _db.setdefault("OPTIONS", {}).setdefault("options", "-c pg_trgm.word_similarity_threshold=0.5")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username+IP before the password is checked
    "axes.backends.AxesStandaloneBackend",
    "berdaya.accounts.permissions.RoleBackend",
]
# Log-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one
# username from one IP, that pair is locked for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", "15") / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
TRUST_X_FORWARDED_FOR = envbool("TRUST_X_FORWARDED_FOR", "False")
AXES_IPWARE_PROXY_COUNT = 1 if TRUST_X_FORWARDED_FOR else None
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
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
SESSION_COOKIE_AGE = envint("SESSION_IDLE_MINUTES", "30") * 60
SESSION_SAVE_EVERY_REQUEST = True  # the age counts from the last request: idle expiry
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "False")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Internationalisation ---------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "berdaya_language"
TIME_ZONE = BERDAYA_TIME_ZONE
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["berdaya.formats"]

# --- Static files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES = Path(os.getenv("BERDAYA_NODE_MODULES", str(PROJECT_DIR / "node_modules")))
# Front-end libraries come from npm (package-lock.json); only their built files are served.
STATICFILES_DIRS = [
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve straight from the finders: no collectstatic for demo/tests
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"

# --- Background work (D15) ----------------------------------------------------------
# Tasks are rows in the database, run by `berdaya db_worker` (started by `berdaya demo`):
# the same on SQLite and PostgreSQL, and more workers scale it out. BERDAYA_TASKS=immediate
# runs them inside the request instead (a machine without a worker).
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if os.getenv("BERDAYA_TASKS", "database") == "immediate"
            else "django_tasks_db.DatabaseBackend"
        )
    }
}
# Progress of long work is written often by the worker and read by the page: a file cache
# shared by every process on the machine (REDIS_URL moves it to Redis for several machines).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "progress": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.getenv("REDIS_URL")
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "progress"),
        }
    ),
}
# Processes that check import rows beside the one that writes them (0: check in place).
BERDAYA_IMPORT_WORKERS = envint("BERDAYA_IMPORT_WORKERS", str(max(1, min(3, (os.cpu_count() or 2) - 1))))
BERDAYA_IMPORT_MAX_BYTES = envint("BERDAYA_IMPORT_MAX_BYTES", str(200 * 1024 * 1024))
# Largest registry export (rows); below the 1,048,576 rows an XLSX sheet can hold.
BERDAYA_EXPORT_MAX_ROWS = envint("BERDAYA_EXPORT_MAX_ROWS", "1000000")

# --- Logging ------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Registry: personal data and koperasi rules (registry data layer) ---------------
# One secret protects every NIK and phone number at rest: an encryption key and a
# separate look-up (HMAC) key are both derived from it (berdaya.core.personal).
# Losing it makes the stored personal data unreadable: back it up apart from the database.
PERSONAL_DATA_KEY = envsecret("PERSONAL_DATA_KEY")
if not PERSONAL_DATA_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "PERSONAL_DATA_KEY belum diatur. Isi variabel lingkungan PERSONAL_DATA_KEY atau "
            "PERSONAL_DATA_KEY_FILE (berkas berisi kunci untuk mengenkripsi NIK dan nomor telepon; "
            "simpan cadangannya terpisah dari basis data), atau jalankan dengan DEBUG=1 untuk pengembangan."
        )
    PERSONAL_DATA_KEY = "insecure-development-personal-data-key-only-for-DEBUG"
elif not DEBUG and len(PERSONAL_DATA_KEY) < 32:
    raise ImproperlyConfigured("PERSONAL_DATA_KEY terlalu pendek: minimal 32 karakter.")
elif not DEBUG and PERSONAL_DATA_KEY == SECRET_KEY:
    # SECRET_KEY may be rotated at will; this key may not (the data would be lost).
    raise ImproperlyConfigured("PERSONAL_DATA_KEY harus berbeda dari SECRET_KEY.")

# A koperasi is active when it held its RAT for at least one of the last N book years.
KOPERASI_RAT_WINDOW_YEARS = envint("KOPERASI_RAT_WINDOW_YEARS", "2")
if KOPERASI_RAT_WINDOW_YEARS < 1:
    raise ImproperlyConfigured("KOPERASI_RAT_WINDOW_YEARS harus minimal 1 (tahun buku).")
