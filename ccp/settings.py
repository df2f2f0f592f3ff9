"""One settings module, read from the environment (healthchecks style).

Nothing set: SQLite in the project folder, the in-memory channel layer, and everything in one
process. DATABASE_URL=postgres://… and REDIS_URL=redis://… select service mode.

This is the only module that reads the environment; everything else reads `settings.X`. Every
variable is listed, with its default and meaning, in the README's Configuration table.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    """Read a boolean; anything but true/false is a configuration error."""
    value = os.environ.get(name, default).strip().lower()
    if value not in ("true", "false"):
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")
    return value == "true"


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envfloat(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def envlist(name: str, default: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


DEBUG = envbool("DEBUG", "false")
# SECRET_KEY: see "First install and secrets" at the end.
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
# Key that encrypts API secret access keys at rest (Fernet); derived from SECRET_KEY when unset.
API_KEY_ENCRYPTION_KEY = os.environ.get("API_KEY_ENCRYPTION_KEY", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "channels",
    "ccp",
    "admin_console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves /static/ from daphne itself, so `make run` is one process with nothing in front of it.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "ccp.api.middleware.AwsApiMiddleware",
    "ccp.ops.middleware.NulCharacterMiddleware",  # after the API: pages only
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ccp.login.AuditActorMiddleware",  # after authentication: audit entries name the signed-in user
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ccp.ops.unavailable.DatabaseUnavailableMiddleware",  # last: the first to see a view's exception
]

ROOT_URLCONF = "ccp.urls"
ASGI_APPLICATION = "ccp.asgi.application"
WSGI_APPLICATION = None

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
            ],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Under ASGI requests run in many threads; persistent per-thread connections pile up until
    # PostgreSQL refuses more ("too many clients"). psycopg's pool shares a bounded set instead.
    from psycopg_pool import ConnectionPool  # only service mode needs psycopg's pool

    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": envint("DB_POOL_MIN", 1),
        "max_size": envint("DB_POOL_MAX", 10),
        "timeout": envint("DB_POOL_TIMEOUT", 20),
        # A pooled connection the server has since closed (a PostgreSQL restart, an idle timeout, a failover)
        # is noticed and replaced on checkout, instead of failing the request that drew it.
        "check": ConnectionPool.check_connection,
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "ccp.sqlite",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # WAL and a busy timeout let the web thread and the timer thread share the file.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # channels-redis waits for messages with a 5 s server-side blocking pop, and redis-py's
                # default 5 s read timeout would fire first and end every idle websocket consumer
                # (channels_redis issue 422). The read timeout is finite but well above the pop.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30, "socket_connect_timeout": 5}],
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Run the durable-timer worker inside the web process (the embedded default). In service mode
# run `manage.py run_worker` processes instead, or leave this on: workers share work safely.
EMBEDDED_WORKER = envbool("EMBEDDED_WORKER", "true")
# How long a worker's claim on a timer lasts; a killed worker's timers go to another worker after it.
WORKER_LEASE_SECONDS = envfloat("WORKER_LEASE_SECONDS", 30)

# Outbound calls (ccp.outbound: Lambda endpoints, later webhooks). Private, loopback and link-local addresses
# are refused unless the operator allows them (the demo and tests call endpoints on 127.0.0.1).
OUTBOUND_ALLOW_PRIVATE = envbool("OUTBOUND_ALLOW_PRIVATE", "false")

# Ceilings an instance admin cannot raise (the console refuses more; the quota and throttle clamp to them).
MAX_ACTIVE_TASK_QUOTA = envint("MAX_ACTIVE_TASK_QUOTA", 10_000)
MAX_API_RATE_PER_SECOND = envint("MAX_API_RATE_PER_SECOND", 1_000)
MAX_API_BURST = envint("MAX_API_BURST", 2_000)

# Where `manage.py serve` listens, and the address `manage.py load_demo` prints.
PORT = envint("PORT", 8000)
HOST = os.environ.get("HOST", "127.0.0.1")
# The address people open the console at: links a rule's task makes to its source contact start with it.
PUBLIC_URL = os.environ.get("PUBLIC_URL", f"http://127.0.0.1:{PORT}").rstrip("/")

AUTH_USER_MODEL = "ccp.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Production hardening: with DEBUG off and HTTPS_ENABLED on, `check --deploy` is clean.
HTTPS_ENABLED = envbool("HTTPS_ENABLED", "false")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if HTTPS_ENABLED:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "true")

# The AWS-compatible API: how far a SigV4 date may drift, and the region it reports.
AWS_REGION = os.environ.get("AWS_REGION", "us-east-1")
SIGV4_MAX_SKEW_SECONDS = 300

LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")


# Operations: health, metrics, logging (ccp/ops). README "Running in production" explains each one.
INSTALLED_APPS += ["ccp.ops"]
# First: every request gets an id before anything can log; probes are answered before Host checks.
MIDDLEWARE = ["ccp.ops.middleware.RequestIdMiddleware", "ccp.ops.middleware.OpsEndpointsMiddleware", *MIDDLEWARE]
# serve trusts X-Forwarded-For/-Port/-Proto only when told it runs behind a proxy that sets them.
PROXY_HEADERS = envbool("PROXY_HEADERS", "false")
METRICS_ENABLED = envbool("METRICS_ENABLED", "true")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# The worker writes its heartbeat at most this often (seconds); /readyz fails when the newest one is
# older than WORKER_HEARTBEAT_MAX_AGE (0 turns that check off).
WORKER_HEARTBEAT_EVERY = envint("WORKER_HEARTBEAT_EVERY", 5)
WORKER_HEARTBEAT_MAX_AGE = envint("WORKER_HEARTBEAT_MAX_AGE", 3 * WORKER_HEARTBEAT_EVERY)
# Logging: one console handler at LOG_LEVEL, each line with its request id, as text or JSON.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ccp.ops.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"()": "ccp.ops.logs.TextFormatter"},
        "json": {"()": "ccp.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # daphne's access log (manage.py serve) is on at INFO whatever LOG_LEVEL says; ACCESS_LOG=false silences it.
    "loggers": {"daphne.access": {"level": "INFO" if envbool("ACCESS_LOG", "true") else "WARNING"}},
}

# First install and secrets ----------------------------------------------------------------------------------------
# No built-in key. SECRET_KEY comes from the environment, else from SECRET_KEY_FILE (default: .secret_key in the
# project folder, git-ignored, which `make run` fills with a random key). With neither, one-off commands (migrate,
# check) run on a throwaway key, and the servers — `manage.py serve`, `run_worker`, daphne on ccp.asgi — refuse to
# start and say what to set (ccp/checks.py). SECRET_KEY_SOURCE says where the key came from ("" = throwaway).
SECRET_KEY_FILE = Path(os.environ.get("SECRET_KEY_FILE") or BASE_DIR / ".secret_key")
if os.environ.get("SECRET_KEY"):
    SECRET_KEY, SECRET_KEY_SOURCE = os.environ["SECRET_KEY"], "SECRET_KEY"
elif SECRET_KEY_FILE.is_file():
    SECRET_KEY, SECRET_KEY_SOURCE = SECRET_KEY_FILE.read_text().strip(), str(SECRET_KEY_FILE)
    if not SECRET_KEY:
        raise ImproperlyConfigured(f"{SECRET_KEY_FILE} is empty: delete it (make run writes a new one) or fill it.")
else:
    import secrets

    SECRET_KEY, SECRET_KEY_SOURCE = "throwaway-" + secrets.token_urlsafe(50), ""
# The key that encrypted API secrets before API_KEY_ENCRYPTION_KEY changed: read by rotate_api_key_encryption.
API_KEY_ENCRYPTION_KEY_PREVIOUS = os.environ.get("API_KEY_ENCRYPTION_KEY_PREVIOUS", "")
# Users belong to an instance: ccp's createsuperuser (which points to create_instance) must win over auth's, and
# the first app listing a command wins. daphne stays first for its runserver.
INSTALLED_APPS.remove("ccp")
INSTALLED_APPS.insert(INSTALLED_APPS.index("django.contrib.auth"), "ccp")
# Failed sign-ins are counted in the "login" cache (ccp/login.py): Redis in service mode, so every web process
# counts the same attempts; in-process memory in the embedded default, which is one process.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "login": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "login"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "login"}
    ),
}
