"""Django settings for the reference Torrent Server.

Mirrors the parts of Torrent Suite's dbReports/iondb/settings.py that shape the
REST API: DEBUG off, USE_TZ on, APPEND_SLASH (CommonMiddleware), json/jsonp
only, no anonymous GET (IONAUTH_ALLOW_REST_GET = False).

Environment:
  TSAPI_DB_PATH   SQLite file (default: <tmp>/tsapi-tastypieserver/db.sqlite3)
  TSAPI_SEED      seed file loaded by `manage.py loadseed` and /_test/reset/
                  (default: <repo>/testdata/seed.json)
"""
import os
import tempfile

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(os.path.dirname(BASE_DIR))

SECRET_KEY = "tsapi-reference-server-not-secret"
DEBUG = False
TASTYPIE_FULL_DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "tastypie",
    "tsref.rundb.apps.RundbConfig",
]

MIDDLEWARE = [
    "tsref.rundb.middleware.AbsoluteLocationMiddleware",
    "tsref.rundb.middleware.ChangeRequestMethodMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tsref.rundb.middleware.BasicAuthMiddleware",
]

ROOT_URLCONF = "tsref.urls"
WSGI_APPLICATION = "tsref.wsgi.application"
APPEND_SLASH = True

_db_path = os.environ.get("TSAPI_DB_PATH") or os.path.join(
    tempfile.gettempdir(), "tsapi-tastypieserver", "db.sqlite3"
)
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _db_path,
        "OPTIONS": {"timeout": 30},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

SEED_PATH = os.environ.get("TSAPI_SEED") or os.path.join(REPO_ROOT, "testdata", "seed.json")

AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
# Django 1.6 (the Torrent Server's Django) hashed with 12000 PBKDF2 rounds;
# Django 3.2's default 260000 would make every Basic-auth request slow.
PASSWORD_HASHERS = ["tsref.rundb.hashers.TSPBKDF2PasswordHasher"]

# Torrent Server: IONAUTH_ALLOW_REST_GET = False (no anonymous GET).
IONAUTH_ALLOW_REST_GET = False
TASTYPIE_DEFAULT_FORMATS = ["json", "jsonp"]
API_LIMIT_PER_PAGE = 20
TASTYPIE_CANNED_ERROR = "Sorry, this request could not be processed. Please try again later."

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
LANGUAGE_CODE = "en-us"

SESSION_ENGINE = "django.contrib.sessions.backends.db"

TEMPLATES = []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR"},
        "django.request.tastypie": {"handlers": ["console"], "level": "ERROR"},
        "tsref": {"handlers": ["console"], "level": "INFO"},
    },
}
