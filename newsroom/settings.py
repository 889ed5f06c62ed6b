"""Newsroom settings, driven by environment variables and secure by default.

Variables: DEBUG, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, CACHE_TIMEOUT,
CSRF_TRUSTED_ORIGINS, CORS_ALLOWED_ORIGINS, SECURE_SSL_REDIRECT, TIME_ZONE,
TASKS_STALE_AFTER, MAX_UPLOAD_BYTES, MAX_BODY_CHARS, MAX_JSON_DEPTH,
SECURE_HSTS_PRELOAD, LOGIN_FAILURE_LIMIT, LOGIN_LOCKOUT_MINUTES, PROXY_COUNT,
IMPORT_BACKGROUND_BYTES, IMPORT_BACKGROUND_FILES, PAGE_CACHE_SECONDS, PAGE_MAX_AGE,
CDN_MAX_AGE, SITE_URL, WEBHOOK_ALLOW_LOCAL, WEBHOOK_MAX_ATTEMPTS,
WEBHOOK_RETRY_BASE, WEBHOOK_RETRY_CAP, WEBHOOK_CONNECT_TIMEOUT, WEBHOOK_READ_TIMEOUT,
MEDIA_ROOT, MEDIA_URL, MEDIA_STORAGE, MEDIA_BUCKET, MEDIA_ENDPOINT_URL,
MEDIA_REGION, MEDIA_CUSTOM_DOMAIN, IMAGE_MAX_BYTES, IMAGE_MAX_PIXELS.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers
from csp.constants import NONCE, NONE, SELF
from django.core.management.utils import get_random_secret_key
from django_prose_editor.config import add_tags_and_attributes
from js_asset import static_lazy

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item]


DEBUG = env_bool("DEBUG")

# Without SECRET_KEY a DEBUG run uses a fixed development key; anything else gets a
# random key per process, so a forgotten variable never ships a known key. The
# web entry points (newsroom/wsgi.py, asgi.py) refuse to start without it, as
# each worker would sign sessions with a key of its own, and the deploy check
# fails (newsroom.E001); management commands and the test suite still run.
SECRET_KEY_FROM_ENV = bool(os.environ.get("SECRET_KEY"))
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    "django-insecure-newsroom-development-key-only-for-debug"
    if DEBUG
    else get_random_secret_key()
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "newsroom.apps.NewsroomAdminConfig",  # django.contrib.admin, our admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "taggit",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prose_editor",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "newsroom",
    "images",
    "entities",
    "articles",
    "related",
    "partners",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Outside ConditionalGetMiddleware, so that a 304 carries them too.
    "partners.throttling.RateLimitHeadersMiddleware",
    "newsroom.middleware.RefuseControlCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETag, Last-Modified and 304s for every page, cached or not (the API's
    # views answer their own conditional requests first).
    "django.middleware.http.ConditionalGetMiddleware",
    # Before sessions: a cached page for an anonymous reader skips the rest.
    "newsroom.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsroom.middleware.DatabaseUnavailableMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

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
                "newsroom.context_processors.site",
            ],
        },
    },
]
# Widgets render through TEMPLATES, so templates/ can override a widget's
# template (templates/admin/widgets/: labels for split date and time boxes).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache only speeds things up: with Redis down or hung every page still
# answers, at most CACHE_TIMEOUT seconds later (newsroom.cache). Sessions live in
# the database (Django's default), never in the cache alone.
CACHE_TIMEOUT = float(os.environ.get("CACHE_TIMEOUT", "0.25"))
if REDIS_URL := os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "newsroom",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The page cache for anonymous readers (newsroom.pagecache; README, "Caching"):
# an entry lives at most PAGE_CACHE_SECONDS (0 turns the cache off), and is
# cleared sooner by any change to what it shows. Browsers may keep a page
# PAGE_MAX_AGE seconds; a CDN purged by surrogate keys CDN_MAX_AGE seconds
# (Surrogate-Control; 0 sends none). See docs/deploy.md.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
PAGE_MAX_AGE = int(os.environ.get("PAGE_MAX_AGE", "60"))
PAGE_SURROGATE_MAX_AGE = int(os.environ.get("CDN_MAX_AGE", "0"))
PAGE_CACHE_SCHEDULE = "articles.caching.next_schedule_change"

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username or address before any
    # password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Logins that can't be guessed (django-axes): after LOGIN_FAILURE_LIMIT wrong
# passwords for one username, or from one address, that username or address is
# refused for LOGIN_LOCKOUT_MINUTES, every failure and lockout is logged, and a
# success clears the count. `manage.py axes_reset` lifts a lockout early.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every command; failures are still logged
# Failures are logged with the username and address, for the operator (fail2ban,
# alerting); passwords never are.
AXES_SENSITIVE_PARAMETERS: list[str] = []
AXES_LOCKOUT_CALLABLE = "newsroom.logins.locked_out"
# Behind PROXY_COUNT reverse proxies, each appending the address it received
# from to X-Forwarded-For, the client is that many entries from the right
# (newsroom.logins.client_address); with none, REMOTE_ADDR.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "newsroom.logins.client_address"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]


def _library_figure_allowlist(config: dict, shared: dict) -> None:
    """What the story editor's LibraryFigure leaves in a body: a figure with
    the number of a library picture (articles/html.py checks it is one)."""
    add_tags_and_attributes(shared, ["figure"], {"figure": ["data-image-id"]})


# The story editor's own extension (static/js/library_figure.js, a module:
# CSP allows it): a toolbar button inserting a picture from the library.
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {
        "js": [static_lazy("js/library_figure.js")],
        "extensions": {"LibraryFigure": _library_figure_allowlist},
    }
]
# Uploaded pictures and their renditions (docs/deploy.md#pictures-and-storage):
# files under MEDIA_ROOT by default, served by the app itself only with DEBUG;
# MEDIA_STORAGE=s3 keeps them in an S3-compatible bucket through django-storages
# (installed by the deployer). Their names are random: a file's address cannot
# be guessed, but anyone holding it can fetch the file.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_CUSTOM_DOMAIN = os.environ.get("MEDIA_CUSTOM_DOMAIN", "")
if os.environ.get("MEDIA_STORAGE") == "s3":
    MEDIA_STORAGE_BACKEND = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("MEDIA_BUCKET", ""),
            "endpoint_url": os.environ.get("MEDIA_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_REGION") or None,
            "custom_domain": MEDIA_CUSTOM_DOMAIN or None,
            # Public, cacheable addresses without signatures that expire; a
            # name never changes its content (a new file gets a new name).
            "querystring_auth": False,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000"},
        },
    }
else:
    MEDIA_STORAGE_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": MEDIA_STORAGE_BACKEND,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Without DEBUG, run `manage.py collectstatic` before serving: the manifest storage
# names every file by its hash. WhiteNoise may still fall back to the finders.
WHITENOISE_USE_FINDERS = True

SITE_NAME = os.environ.get("SITE_NAME", "Newsroom")
LOGIN_URL = "admin:login"

# Security: on unless DEBUG. Behind a TLS-terminating proxy set
# SECURE_PROXY_SSL_HEADER through USE_X_FORWARDED_PROTO=1.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = int(
    os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Preloading is a commitment to browsers' lists that is slow to undo: the
# operator opts in.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
# Django's deploy check asks for preloading (security.W021); it is a choice left
# to the operator, not a fault.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("USE_X_FORWARDED_PROTO"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# A Content-Security-Policy on every response (django-csp): the site, the admin
# and the API docs load scripts, styles, fonts and images from this origin only,
# so markup that slipped past sanitising still cannot run. Swagger UI's assets
# are served locally (drf-spectacular-sidecar) and its setup script is a file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "base-uri": [SELF],
        "connect-src": [SELF],
        "font-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "img-src": [
            SELF,
            "data:",
            *([f"https://{MEDIA_CUSTOM_DOMAIN}"] if MEDIA_CUSTOM_DOMAIN else []),
        ],
        "object-src": [NONE],
        # NONCE: the one inline script a page may carry, the rich-text
        # editor's import map in the admin (newsroom.admin.RichTextAdminMixin).
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
    },
}

TAGGIT_CASE_INSENSITIVE = True

# Background work (related-story updates) is queued in the database and run by
# `manage.py db_worker`, which `make run` starts next to the web server.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Seconds a queued task may wait before the admin and `manage.py check --database
# default` warn that no worker is consuming the queue (0 turns the warning off).
TASKS_STALE_AFTER = int(os.environ.get("TASKS_STALE_AFTER", "300"))

# Partners' webhooks (docs/partners.md#webhooks). SITE_URL is the site's
# address, for the absolute links in webhook bodies (made outside a request).
# WEBHOOK_ALLOW_LOCAL lets endpoints be http://127.0.0.1 or localhost (on in
# DEBUG, and in tests); otherwise an endpoint must be HTTPS and resolve to
# public addresses only. A failed delivery is tried again after 1 minute,
# doubling up to WEBHOOK_RETRY_CAP seconds, WEBHOOK_MAX_ATTEMPTS times in all
# (12: about 24 hours), then marked failed.
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
WEBHOOK_ALLOW_LOCAL = env_bool("WEBHOOK_ALLOW_LOCAL", DEBUG)
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "12"))
WEBHOOK_RETRY_BASE = int(os.environ.get("WEBHOOK_RETRY_BASE", "60"))
WEBHOOK_RETRY_CAP = int(os.environ.get("WEBHOOK_RETRY_CAP", str(8 * 3600)))
WEBHOOK_CONNECT_TIMEOUT = float(os.environ.get("WEBHOOK_CONNECT_TIMEOUT", "3"))
WEBHOOK_READ_TIMEOUT = float(os.environ.get("WEBHOOK_READ_TIMEOUT", "10"))

# Limits on what an editor or an import may send, each refused with a message
# that states it (README, "Configuration").
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
MAX_BODY_CHARS = int(os.environ.get("MAX_BODY_CHARS", "1000000"))
MAX_JSON_DEPTH = int(os.environ.get("MAX_JSON_DEPTH", "32"))
# Pictures (images.uploads): an upload of more bytes or pixels is refused before
# it is decoded, so a decompression bomb (a small file of 20,000 x 20,000 pixels)
# never reaches memory. 50 megapixels is past any camera a newsroom uses.
IMAGE_MAX_BYTES = int(os.environ.get("IMAGE_MAX_BYTES", str(MAX_UPLOAD_BYTES)))
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", str(50_000_000)))
# The renditions made of every picture (images.renditions), for each ratio:
# these widths, never wider than the picture, in these formats (AVIF only where
# Pillow can write it).
IMAGE_RENDITION_WIDTHS = (320, 640, 960, 1280, 1920)
IMAGE_RENDITION_FORMATS = ("avif", "webp", "jpeg")
# Days a shareable preview link works before it expires.
PREVIEW_LINK_DAYS = int(os.environ.get("PREVIEW_LINK_DAYS", "7"))
# Days an editor's autosaved working copy of a story is kept and offered back
# (docs/editors.md#autosave-and-your-working-copy).
WORKING_COPY_DAYS = int(os.environ.get("WORKING_COPY_DAYS", "30"))
# A story form holding a body at MAX_BODY_CHARS in a three-byte script,
# percent-encoded (9 bytes a character), still reaches the form's own limit
# message rather than Django's bare 400 (its default is 2.5 MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 9 * MAX_BODY_CHARS + 2 * 1024 * 1024
# An admin upload of more bytes, or more files, than these is imported by the
# task worker instead of during the request (docs/importing.md). A ninjs story
# costs ~45 ms to import (bench/RESULTS.md), so 128 KB of short stories (~250)
# stays well inside a 30 s gunicorn timeout.
IMPORT_BACKGROUND_BYTES = int(
    os.environ.get("IMPORT_BACKGROUND_BYTES", str(128 * 1024))
)
IMPORT_BACKGROUND_FILES = int(os.environ.get("IMPORT_BACKGROUND_FILES", "20"))

# The partner API: a key per partner (or a staff session for the browsable API),
# each partner's own rate limit, and errors as JSON. See docs/partners.md.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partners.authentication.PartnerAPIKeyAuthentication",
        "partners.authentication.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["partners.permissions.IsPartnerOrStaff"],
    "DEFAULT_THROTTLE_CLASSES": ["partners.throttling.PartnerRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "newsroom.api.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "partners.schema.AutoSchema",
    "EXCEPTION_HANDLER": "newsroom.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Newsroom API",
    "DESCRIPTION": "Published stories, entities and sections for partners. "
    "Every request needs a partner key sent as `Authorization: Api-Key <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs are public, so partners can read them before
    # they have a key; staff sessions are not part of the partner contract.
    "SERVE_AUTHENTICATION": [],
    "AUTHENTICATION_WHITELIST": ["partners.authentication.PartnerAPIKeyAuthentication"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A partner's key stays in the page, never in the browser's localStorage.
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": False},
    # Entities and corrections both have a `kind`.
    "ENUM_NAME_OVERRIDES": {
        "EntityKindEnum": "entities.models.Entity.Kind",
        "CorrectionKindEnum": "articles.models.Correction.Kind",
    },
}

# Browsers may call /api/ from these origins (comma-separated), and from the
# origins listed on each partner in the admin.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = (*default_headers, "prefer")
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Last-Modified",
    "Retry-After",
    "Preference-Applied",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
