"""Configuration classes. The environment is read inside the classes, never at import."""
import os
from pathlib import Path

WEAK_SECRETS = {"", "dev", "change-me", "secret", "changeme", "development"}
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """Raised when a configuration cannot be used safely."""


class BaseConfig:
    """Settings shared by every environment."""

    def __init__(self) -> None:
        env = os.environ
        instance = Path(env.get("HELPDESK_INSTANCE", Path.cwd() / "instance"))
        self.INSTANCE_DIR = str(instance)
        self.SECRET_KEY = env.get("SECRET_KEY", "")
        # Keys the audit chain; when empty it is derived from SECRET_KEY. Set it on its own to
        # rotate SECRET_KEY without breaking `flask audit verify` of the rows already written.
        self.AUDIT_KEY = env.get("AUDIT_KEY", "")
        self.SQLALCHEMY_DATABASE_URI = normalise_db_url(
            env.get("DATABASE_URL") or f"sqlite:///{instance / 'helpdesk.db'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        # PostgreSQL parallel query workers for the app's sessions (helpdesk.config.engine_options).
        self.PG_PARALLEL_WORKERS = int(env.get("PG_PARALLEL_WORKERS", 0))
        self.REDIS_URL = env.get("REDIS_URL", "")
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_HEADERS_ENABLED = True
        self.LOGIN_LIMIT_IP = env.get("LOGIN_LIMIT_IP", "20/minute")
        self.LOGIN_LIMIT_ACCOUNT = env.get("LOGIN_LIMIT_ACCOUNT", "5/minute")
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_CONTENT_LENGTH", 2 * 1024 * 1024))
        self.ATTACHMENTS_DIR = env.get("ATTACHMENTS_DIR", str(instance / "attachments"))
        self.ATTACHMENT_MAX_BYTES = int(env.get("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))
        # A PEM file with the root CA MAX's certificates chain to (the Russian Ministry of
        # Digital Development's), added to the usual roots for MAX calls and downloads.
        self.MAX_CA_FILE = env.get("MAX_CA_FILE", "")
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = False
        self.REMEMBER_COOKIE_SECURE = False
        self.WTF_CSRF_TIME_LIMIT = None
        self.DISPLAY_TIMEZONE = env.get("DISPLAY_TIMEZONE", "Europe/Moscow")
        # "auto" (make run): demo mode when no channel has credentials; resolved at start.
        demo = env.get("HELPDESK_DEMO", "").lower()
        self.DEMO_MODE = "auto" if demo == "auto" else demo in {"1", "true", "yes"}
        # Run background tasks in-process after commit (embedded default) unless Celery is used.
        self.EMBEDDED_TASKS = not self.REDIS_URL
        self.SMTP_HOST = env.get("SMTP_HOST", "")
        self.SMTP_PORT = int(env.get("SMTP_PORT", 25))
        self.SMTP_FROM = env.get("SMTP_FROM", "helpdesk@localhost")
        self.EXPORT_SYNC_LIMIT = 50_000  # rows; more → a background job
        self.EXPORT_KEEP_DAYS = 7  # days a background export file is kept
        self.TESTING = False

    def validate(self) -> None:
        """Hook for environments that must refuse unsafe settings."""


class DevelopmentConfig(BaseConfig):
    """Local use (`make run`): SQLite under instance/, a generated secret if none is set."""

    def __init__(self) -> None:
        super().__init__()
        if not self.SECRET_KEY:
            self.SECRET_KEY = _instance_secret(Path(self.INSTANCE_DIR))


class TestConfig(BaseConfig):
    """The test suite: TEST_DATABASE_URL when set (PostgreSQL), else a temporary SQLite file."""

    def __init__(self) -> None:
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
        url = os.environ.get("TEST_DATABASE_URL")
        if url:
            self.SQLALCHEMY_DATABASE_URI = normalise_db_url(url)
        else:
            import tempfile

            path = Path(tempfile.gettempdir()) / f"helpdesk-test-{os.getpid()}.db"
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.EMBEDDED_TASKS = False
        self.DEMO_MODE = False


class ProductionConfig(BaseConfig):
    """Production: secure cookies and a real secret key are mandatory."""

    def __init__(self) -> None:
        super().__init__()
        self.SESSION_COOKIE_SECURE = True
        self.REMEMBER_COOKIE_SECURE = True

    def validate(self) -> None:
        key = self.SECRET_KEY or ""
        if key.strip().lower() in WEAK_SECRETS or len(key) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"SECRET_KEY is missing, a default or shorter than {MIN_SECRET_LENGTH} characters;"
                " set a long random value (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )


CONFIGS = {"development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig}


def load_config(name: str | None = None) -> BaseConfig:
    """Build the config named by the argument or HELPDESK_ENV (default: development)."""
    name = name or os.environ.get("HELPDESK_ENV", "development")
    try:
        cls = CONFIGS[name]
    except KeyError:
        raise ConfigError(f"unknown HELPDESK_ENV {name!r}; use one of {sorted(CONFIGS)}") from None
    config = cls()
    config.validate()
    return config


def normalise_db_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance: Path) -> str:
    """A random secret kept in instance/ so sessions survive restarts of the local server."""
    import secrets

    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def engine_options(url: str, options: dict, parallel_workers: int = 0) -> dict:
    """The engine options for a database URL (given options win).

    A server database's pool hands out the connection returned last (LIFO): that connection
    has the desk's statements prepared and planned already (psycopg prepares a statement on its
    fifth use, per connection), while a first-in-first-out pool rotates through all of them and
    PostgreSQL plans the same query again on each (1–2 ms for a desk list, more than running it).
    The connections left idle can then be closed by the server's timeouts.

    PostgreSQL's parallel query is off for the app's sessions: the desk's reads are walks that
    stop after one page (LIMIT), and a parallel plan hands each worker its own slice of the
    index, so every worker walks until it has a page of its own: «детский сад Казань» over a
    million tickets read 18,909 rows in 60–100 ms in parallel, 1,057 rows in 2–4 ms alone.
    (PG_PARALLEL_WORKERS in the environment sets another value.)
    """
    if url.startswith("postgresql"):
        given = options.get("connect_args", {})
        connect_args = {**given, "options": " ".join(filter(None, [
            f"-c max_parallel_workers_per_gather={int(parallel_workers)}",
            given.get("options", "")]))}
        return {"pool_use_lifo": True, **options, "connect_args": connect_args}
    return options

