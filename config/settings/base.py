"""Settings shared by every environment.

Values come from the environment (twelve-factor, django-environ); `.env.example` lists them.
Integrations switch on only when their variable is set.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_tasks",
    "django_tasks_db",
    "ensemble.core",
    "ensemble.accounts",
    "ensemble.records",
    "ensemble.media",
    "ensemble.lineage",
    "ensemble.notifications",
    "ensemble.collabs",
    "ensemble.feedback",
    "ensemble.productions",
    "ensemble.royalties",
    "ensemble.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ensemble.core.middleware.ApiJsonErrorsMiddleware",
    "ensemble.core.middleware.UploadSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ensemble" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ensemble.notifications.context_processors.unread",
            ],
        },
    },
]

# Database: SQLite (WAL, busy timeout, immediate write transactions) unless DATABASE_URL is set.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ensemble.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                # 64 MB of page cache: lineage walks over thousands of links stay in memory.
                "PRAGMA cache_size=-65536;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.Member"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# allauth: members sign up with an e-mail address and a username, and verify the address.
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_USERNAME_MIN_LENGTH = 2
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}

# The address of the site in e-mails sent outside a request (notifications from task workers).
ENSEMBLE_SITE_URL = env("ENSEMBLE_SITE_URL", default="http://127.0.0.1:8000")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Ensemble <hello@ensemble.localhost>")

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads stream to temporary files on disk in chunks; nothing large is held in memory.
FILE_UPLOAD_HANDLERS = ["ensemble.core.uploads.CappedTemporaryFileUploadHandler"]
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR", default=None)
ENSEMBLE_MAX_UPLOAD_BYTES = env.int("ENSEMBLE_MAX_UPLOAD_BYTES", default=4 * 1024**3)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
ENSEMBLE_MAX_IMAGE_PIXELS = env.int("ENSEMBLE_MAX_IMAGE_PIXELS", default=80_000_000)
ENSEMBLE_FFMPEG_BINARY = env("ENSEMBLE_FFMPEG_BINARY", default="")
ENSEMBLE_LADDER_2160 = env.bool("ENSEMBLE_LADDER_2160", default=False)
ENSEMBLE_MEDIA_MAX_ATTEMPTS = env.int("ENSEMBLE_MEDIA_MAX_ATTEMPTS", default=3)
ENSEMBLE_MEDIA_STALE_SECONDS = env.int("ENSEMBLE_MEDIA_STALE_SECONDS", default=120)
ENSEMBLE_MEDIA_WORK_DIR = env("ENSEMBLE_MEDIA_WORK_DIR", default="")
ENSEMBLE_FFMPEG_TIMEOUT = env.int("ENSEMBLE_FFMPEG_TIMEOUT", default=600)
ENSEMBLE_FFMPEG_TIMEOUT_PER_SECOND = env.int("ENSEMBLE_FFMPEG_TIMEOUT_PER_SECOND", default=30)
ENSEMBLE_FFMPEG_NICENESS = env.int("ENSEMBLE_FFMPEG_NICENESS", default=10)

# Background work: the Tasks API; the database queue on one machine, RQ when REDIS_URL is set.
ENSEMBLE_TASK_QUEUES = ["default", "media", "render"]
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {
        queue: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 6 * 3600} for queue in ENSEMBLE_TASK_QUEUES
    }
    TASKS: dict[str, dict[str, object]] = {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ENSEMBLE_TASK_QUEUES}
    }
else:
    TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ENSEMBLE_TASK_QUEUES}
    }

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
CSRF_FAILURE_VIEW = "ensemble.core.views.csrf_failure"
