"""Broadsheet's one settings module.

Every knob is an environment variable, documented in the README's "Configuration"
table, so the same code runs a laptop demo and a fleet behind a load balancer. Defaults
are the embedded ones (SQLite, local-memory cache, console email) except where a default
would be unsafe in production: there is no default SECRET_KEY unless DEBUG is on.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
# The folder holding the package: the repository in a development checkout.
PROJECT_DIR = PACKAGE_DIR.parent
VAR_DIR = Path(os.environ.get("BROADSHEET_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. Set SECRET_KEY to a long random "
            "string, or DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

SOCIAL_PROVIDERS = env_list("SOCIAL_PROVIDERS")

INSTALLED_APPS = [
    "broadsheet.newsroom",
    "broadsheet.engagement",
    "broadsheet.moderation",
    "broadsheet.discovery",
    "broadsheet.notifications",
    "broadsheet.migration",
    "broadsheet.live",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.frontend_cache",
    "wagtail.embeds",
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
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    *[f"allauth.socialaccount.providers.{name}" for name in SOCIAL_PROVIDERS],
]

MIDDLEWARE = [
    # Outermost: a nonce for each request and the policy on every response, those from
    # the page cache included (broadsheet/csp.py).
    "broadsheet.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # gzip for pages and API answers; pages the page cache keeps were compressed once,
    # when stored (broadsheet/compression.py). Static files are whitenoise's own.
    "broadsheet.compression.CompressionMiddleware",
    # Before sessions, CSRF and auth: a cached page for an anonymous reader skips them.
    "broadsheet.pagecache.AnonymousPageCacheMiddleware",
    # The database or the disk failed: 503 and Retry-After (broadsheet/outages.py);
    # inside the page cache, which serves the copy it holds instead.
    "broadsheet.outages.OutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last: the site and home page a host leads to, kept between page renders.
    "broadsheet.fragmentcache.KeptSiteMiddleware",
]
# The reader API (requests under API_PREFIX) skips the middleware that never acts on it:
# static files, slash redirects, flash messages, htmx, allauth's login stages, Wagtail's
# redirects and the page views' site (broadsheet/lanes.py; the served application).
API_PREFIX = "/api/"
API_MIDDLEWARE = [
    name
    for name in MIDDLEWARE
    if name
    not in {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django_htmx.middleware.HtmxMiddleware",
        "allauth.account.middleware.AccountMiddleware",
        "wagtail.contrib.redirects.middleware.RedirectMiddleware",
        "broadsheet.fragmentcache.KeptSiteMiddleware",
    }
]

ROOT_URLCONF = "broadsheet.urls"
WSGI_APPLICATION = "broadsheet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "broadsheet.csp.nonce",
            ],
        },
    },
]

# Database: SQLite in WAL mode is the embedded default; PostgreSQL at scale.
SQLITE_DEFAULT = f"sqlite:///{VAR_DIR / 'broadsheet.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "") or SQLITE_DEFAULT,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run while one writer writes; IMMEDIATE transactions take the write
    # lock up front so concurrent writers wait (busy timeout) instead of failing mid-way.
    # Connections persist (CONN_MAX_AGE) as on PostgreSQL: opening one costs ~1 ms
    # (functions registered, pragmas run), as much as serving a cached page.
    # Writers queue on a lock file instead of polling (see broadsheet/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "broadsheet.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests use a file too, not shared-cache memory, so concurrent tests meet the same
    # WAL locking and busy timeout as production instead of "table is locked" errors.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-broadsheet.sqlite3")}
    VAR_DIR.mkdir(parents=True, exist_ok=True)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's, with the health check above made without a round trip to the server
    # (broadsheet/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "broadsheet.postgresql"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set; else CACHE_BACKEND "database" (a table in the
# site's database, shared by the web server and the worker: `make run` uses it) or
# "locmem" (each process its own, the default).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_BACKEND = os.environ.get("CACHE_BACKEND", "redis" if REDIS_URL else "locmem")
_CACHE_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "broadsheet")
if CACHE_BACKEND == "redis":
    if not REDIS_URL:
        raise ImproperlyConfigured("CACHE_BACKEND=redis needs REDIS_URL.")
    # The cache is a cache: an unreachable Redis is a miss, never an error page, and a
    # hung one costs a request REDIS_TIMEOUT seconds at most, then each process skips it
    # for REDIS_RETRY_SECONDS (broadsheet/redis_cache.py). The timeouts go to redis-py's
    # connection pool through Django's RedisCache OPTIONS.
    REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "0.5"))
    CACHES = {
        "default": {
            "BACKEND": "broadsheet.redis_cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": _CACHE_PREFIX,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
                "RETRY_SECONDS": float(os.environ.get("REDIS_RETRY_SECONDS", "5")),
            },
        }
    }
elif CACHE_BACKEND == "database":
    CACHES = {
        "default": {
            # Django's, with one statement per add, set and incr (broadsheet/dbcache.py).
            "BACKEND": "broadsheet.dbcache.DatabaseCache",
            "LOCATION": "broadsheet_cache",  # made by `broadsheet createcachetable`
            "KEY_PREFIX": _CACHE_PREFIX,
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }
elif CACHE_BACKEND == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(
        f"CACHE_BACKEND must be redis, database or locmem, not {CACHE_BACKEND!r}"
    )
# Wagtail's image renditions get a cache of their own ("renditions" is the alias Wagtail
# looks for): Wagtail writes back every rendition it read from the database or a
# prefetch, so on the database cache each render of an article wrote to the database
# (seven writes a page). With Redis they share Redis (other servers find them, and an
# editor's change is seen by all); otherwise each process keeps its own in memory, which
# is safe because a rendition's key names the picture's file hash and crop.
if CACHE_BACKEND == "redis":
    CACHES["renditions"] = {**CACHES["default"], "KEY_PREFIX": f"{_CACHE_PREFIX}:renditions"}
else:
    CACHES["renditions"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "renditions",
        "OPTIONS": {"MAX_ENTRIES": 5_000},
    }

# Background tasks (the Django Tasks API; django-tasks on Django 5.2). "database" (the
# default) stores them in the site's database for `broadsheet worker`; "immediate" runs
# them inside the request (the test suite's default); "rq" uses Redis through
# django-tasks-rq (pip install 'broadsheet[rq]', then `broadsheet rqworker default`).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "rq": "django_tasks_rq.RQBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not {TASKS_BACKEND!r}"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}
# A task RUNNING for longer than this on a worker with no heartbeat (below) is presumed
# to have lost its worker (killed, the machine gone) and `broadsheet worker` queues it
# again (broadsheet/taskqueue.py). Keep
# it above the longest task; one still running past it is run a second time, harmlessly
# (every task checks the stored state first) but wastefully.
TASKS_LEASE_SECONDS = float(os.environ.get("TASKS_LEASE_SECONDS", "900"))
# How often `broadsheet worker` records that it is alive. A task whose worker has been
# silent for three beats is queued again at once, however young; a live worker keeps
# its task however long it runs. The lease above stays for workers that never beat
# (a plain `db_worker`, a `--batch` run).
TASKS_HEARTBEAT_SECONDS = float(os.environ.get("TASKS_HEARTBEAT_SECONDS", "5"))
if not TASKS_HEARTBEAT_SECONDS > 0:
    raise ImproperlyConfigured("TASKS_HEARTBEAT_SECONDS must be more than 0.")
if TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL.")
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}

# Email: console by default, so `make run` shows mail in the terminal.
EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL:
    from urllib.parse import unquote, urlsplit

    _email = urlsplit(EMAIL_URL)
    if _email.scheme not in {"smtp", "smtps", "submission"}:
        raise ImproperlyConfigured(
            f"EMAIL_URL must start with smtp://, smtps:// or submission://, not {_email.scheme}://"
        )
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or {"smtp": 25, "smtps": 465, "submission": 587}[_email.scheme]
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_SSL = _email.scheme == "smtps"
    EMAIL_USE_TLS = _email.scheme == "submission"
else:
    # One line per email (recipient, subject, first link) on the terminal that sent it.
    EMAIL_BACKEND = "broadsheet.notifications.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Broadsheet <newsroom@localhost>")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en-gb")
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
if (PACKAGE_DIR / "vendor_static").is_dir():  # npm packages fetched by the build (in wheels)
    STATICFILES_DIRS.append(PACKAGE_DIR / "vendor_static")
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed, content-hashed names: safe to cache for a year at the edge.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Renditions in MEDIA_ROOT too; one that cannot be written (a full or read-only
    # disk) is logged and left out instead of failing the page (newsroom/storage.py).
    "renditions": {"BACKEND": "broadsheet.newsroom.storage.RenditionStorage"},
}
WAGTAILIMAGES_RENDITION_STORAGE = "renditions"
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# Behind a TLS proxy (BEHIND_TLS_PROXY=1, the production set-up): trust its
# X-Forwarded-Proto, redirect plain HTTP to HTTPS (except /healthz, which load balancers
# poll over plain HTTP), send HSTS and keep cookies to HTTPS. Harmless off for the dev
# server. Cookies are Secure whenever DEBUG is off, unless SECURE_COOKIES=0.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SECURE_SSL_REDIRECT = BEHIND_TLS_PROXY
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool(
    "SECURE_COOKIES", BEHIND_TLS_PROXY or not DEBUG
)
SECURE_HSTS_SECONDS = int(
    os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600 if BEHIND_TLS_PROXY else 0))
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Asking browsers to hard-code HTTPS for the domain (hstspreload.org) is the owner's
# decision, slow to undo: off unless chosen, and Django's reminder about it silenced.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
# Nothing may frame the site; Wagtail's preview views allow the admin itself
# (SAMEORIGIN), and the Content-Security-Policy follows them (broadsheet/csp.py).
X_FRAME_OPTIONS = "DENY"

# Reader accounts (django-allauth): email sign-up with verification, email login. The
# username is the public display name; an email address is never shown to readers.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Confirming the address (in the browser that signed up) signs the reader in and takes
# them back where they started, such as the comment form they left to sign up.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
# allauth's rate limits (sign-in attempts among them) count the reader's address as our
# own limits do, through TRUSTED_PROXIES (see broadsheet/engagement/accounts.py).
ACCOUNT_ADAPTER = "broadsheet.engagement.accounts.AccountAdapter"
LOGIN_REDIRECT_URL = "/"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False

# Reader comments
COMMENTS_MAX_DEPTH = int(os.environ.get("COMMENTS_MAX_DEPTH", "4"))
COMMENTS_MAX_LENGTH = int(os.environ.get("COMMENTS_MAX_LENGTH", "5000"))
COMMENTS_PAGE_SIZE = int(os.environ.get("COMMENTS_PAGE_SIZE", "20"))
COMMENTS_EDIT_WINDOW_MINUTES = int(os.environ.get("COMMENTS_EDIT_WINDOW_MINUTES", "15"))
COMMENTS_CLOSE_AFTER_DAYS = int(os.environ.get("COMMENTS_CLOSE_AFTER_DAYS", "0"))
COMMENTS_PROMPT = os.environ.get("COMMENTS_PROMPT", "What do you think?")
COMMENTS_PREMODERATE = env_bool("COMMENTS_PREMODERATE")
# A guest is their identity cookie, so clearing it makes a new guest: at most this many
# guests from one client address are counted per comment (votes) and per article
# (ratings) in 24 hours. Accounts are not capped.
GUEST_VOTES_PER_ADDRESS = int(os.environ.get("GUEST_VOTES_PER_ADDRESS", "5"))
# Client addresses are taken from X-Forwarded-For only when the request comes from one
# of these proxies; otherwise REMOTE_ADDR is the reader's address.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

# Optional proof-of-work on comment forms (ALTCHA, self-hosted: the widget is fetched
# from npm by the build, challenges are made and checked here). Readers without
# JavaScript cannot pass it: switch it on when bots get through the other traps.
ALTCHA_ENABLED = env_bool("ALTCHA_ENABLED")
ALTCHA_COST = int(os.environ.get("ALTCHA_COST", "5000"))  # PBKDF2 iterations per attempt

# Whole-page cache for anonymous readers (broadsheet.pagecache): entries live this many
# seconds at most; a CDN may keep pages CDN_MAX_AGE seconds (purge by Surrogate-Key).
PAGE_CACHE = env_bool("PAGE_CACHE", True)
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
# While the database is down, a page the cache still holds is served (marked stale) for
# up to this long past its freshness, rather than a 503.
PAGE_CACHE_STALE_SECONDS = int(os.environ.get("PAGE_CACHE_STALE_SECONDS", "86400"))
# Pages each process also keeps in memory (validated against the shared counters).
PAGE_CACHE_LOCAL_ENTRIES = int(os.environ.get("PAGE_CACHE_LOCAL_ENTRIES", "200"))
CDN_MAX_AGE = int(os.environ.get("CDN_MAX_AGE", "60"))

# Live threads (broadsheet.live, docs/comments.md): an article's readers get new approved
# comments, vote and rating totals as Server-Sent Events, by Redis pub/sub when REDIS_URL
# is set, else by polling the event table every LIVE_POLL_SECONDS (with Redis, every
# LIVE_RESYNC_SECONDS as a safety net). Streams per process and per client address are
# capped; a stream with no event for LIVE_IDLE_SECONDS is closed (the page reopens it
# when its reader is looking). Without a stream (no JavaScript's EventSource, refused,
# a WSGI server) pages ask again every LIVE_POLL_FALLBACK seconds, never under 30.
LIVE_POLL_SECONDS = float(os.environ.get("LIVE_POLL_SECONDS", "1"))
LIVE_RESYNC_SECONDS = float(os.environ.get("LIVE_RESYNC_SECONDS", "30"))
LIVE_MAX_STREAMS = int(os.environ.get("LIVE_MAX_STREAMS", "5000"))
LIVE_MAX_STREAMS_PER_ADDRESS = int(os.environ.get("LIVE_MAX_STREAMS_PER_ADDRESS", "20"))
LIVE_IDLE_SECONDS = float(os.environ.get("LIVE_IDLE_SECONDS", "600"))
LIVE_HEARTBEAT_SECONDS = float(os.environ.get("LIVE_HEARTBEAT_SECONDS", "25"))
LIVE_POLL_FALLBACK = max(30, int(os.environ.get("LIVE_POLL_FALLBACK", "30")))
# Internal bounds: the browser's reconnection delay, the events one reader may have
# queued (a slower one is cut off and catches up), a catch-up's size, events kept per
# article (a reader who missed more is asked to reload).
LIVE_RETRY_SECONDS = 5
LIVE_QUEUE_SIZE = 500
LIVE_CATCH_UP = 500
LIVE_EVENTS_KEPT = 1000
LIVE_CHANNEL_PREFIX = f"{_CACHE_PREFIX}:live:"
# A CDN or reverse proxy that takes HTTP PURGE requests (Varnish, nginx with a purge
# module, Fastly's URL purge): Wagtail purges a page there when it is published or
# unpublished, and Broadsheet when its discussion changes. Empty: no purges.
FRONTEND_CACHE_PURGE_URL = os.environ.get("FRONTEND_CACHE_PURGE_URL", "")
WAGTAILFRONTENDCACHE = (
    {
        "default": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": FRONTEND_CACHE_PURGE_URL,
        }
    }
    if FRONTEND_CACHE_PURGE_URL
    else {}
)

# Comment notifications: at most one email per reader and article per this many minutes
# (later events wait and go out together); SMTP failures retry with backoff from
# NOTIFICATIONS_RETRY_SECONDS, doubling, at most an hour apart, NOTIFICATIONS_MAX_ATTEMPTS
# times.
NOTIFICATIONS_DIGEST_MINUTES = int(os.environ.get("NOTIFICATIONS_DIGEST_MINUTES", "15"))
NOTIFICATIONS_RETRY_SECONDS = float(os.environ.get("NOTIFICATIONS_RETRY_SECONDS", "30"))
NOTIFICATIONS_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATIONS_MAX_ATTEMPTS", "48"))
# How long a worker holds an email it is sending; one whose worker died is sent again
# once this has passed (its Message-ID unchanged). Keep it above EMAIL_TIMEOUT.
NOTIFICATIONS_CLAIM_SECONDS = float(os.environ.get("NOTIFICATIONS_CLAIM_SECONDS", "300"))
# Seconds an SMTP connection may wait on the server (Django's default is for ever, which
# would outlast the claim above and let a second worker send the same email).
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "30"))

# Feeds: full article text in RSS/Atom items, or the standfirst only.
FEEDS_FULL_TEXT = env_bool("FEEDS_FULL_TEXT")
# Related articles: up to this many live articles, each publication compares the new
# article with all of them; beyond, with candidates found by search (see discovery).
RELATED_FULL_SCAN_LIMIT = int(os.environ.get("RELATED_FULL_SCAN_LIMIT", "500"))

# Wagtail
WAGTAIL_SITE_NAME = os.environ.get("SITE_NAME", "Broadsheet")
WAGTAILADMIN_BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_ENABLE_UPDATE_CHECK = False
# The admin works offline and tells no third party who edits: no Gravatar (it would send
# a hash of every editor's and commenter's email to gravatar.com).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILEMBEDS_RESPONSIVE_HTML = True
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "avif"]
# "Alt text", and titles that are not file names (broadsheet/newsroom/forms.py).
WAGTAILIMAGES_IMAGE_FORM_BASE = "broadsheet.newsroom.forms.ImageForm"
TAGGIT_CASE_INSENSITIVE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "broadsheet": {"level": os.environ.get("LOG_LEVEL", "INFO")},
        "django.server": {"level": "INFO"},
    },
}
