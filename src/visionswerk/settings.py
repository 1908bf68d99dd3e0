"""Every setting of Visionswerk, read from the environment in one place.

The web app and the worker both build their configuration from :class:`Settings`,
so they never disagree. The README's settings table documents each field.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


class ConfigurationError(RuntimeError):
    """A setting is missing or unsafe for the chosen environment."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _positive(name: str, raw: str | None, default: int) -> int:
    """A whole number above zero: a timeout of 0 would log everybody out at once."""
    value = int(raw or default)
    if value <= 0:
        raise ConfigurationError(f"{name} must be a whole number above 0, not {value}.")
    return value


MFA_ROLES = frozenset({"platform_admin", "coordinator", "facilitator", "participant"})


def _roles(value: str) -> frozenset[str]:
    """``MFA_REQUIRED_ROLES``: comma-separated role names; a typo must not silently
    leave a role without its second factor."""
    roles = frozenset(r.strip() for r in value.split(",") if r.strip())
    unknown = roles - MFA_ROLES
    if unknown:
        raise ConfigurationError(
            f"MFA_REQUIRED_ROLES: unknown role(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(MFA_ROLES))}"
        )
    return roles


def default_instance_path() -> Path:
    return Path(os.environ.get("VISIONSWERK_INSTANCE", Path.cwd() / "instance")).resolve()


def _local_secret_key(instance: Path) -> str:
    """Generate once and keep a secret key in the instance folder (local use only)."""
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


@dataclass(frozen=True)
class Settings:
    env: str
    instance_path: Path
    secret_key: str
    database_url: str
    redis_url: str | None
    celery_broker_url: str
    celery_result_backend: str
    celery_always_eager: bool
    mail_server: str | None
    mail_port: int
    mail_username: str | None
    mail_password: str | None
    mail_use_tls: bool
    mail_sender: str
    mail_outbox: Path
    base_url: str
    invitation_days: int
    password_reset_minutes: int
    login_limit_per_address: str
    login_limit_per_account: str
    ratelimit_key_prefix: str
    extra: dict[str, str] = field(default_factory=dict)
    # Worker and mail delivery (README: settings table).
    celery_queue: str = "visionswerk"
    mail_timeout: float = 30.0
    mail_max_attempts: int = 10
    mail_retry_backoff: float = 10.0
    mail_retry_backoff_max: float = 600.0
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto headers are trusted.
    trusted_proxies: int = 0
    # Failed logins of one account from addresses it has not logged in from lately.
    login_limit_per_account_all: str = "50 per hour"
    # Login sessions end after this long without a request (idle) or since the login
    # (absolute); "staff": anyone holding a facilitator/coordinator role, platform admins.
    session_idle_minutes: int = 8 * 60
    session_absolute_hours: int = 30 * 24
    staff_session_idle_minutes: int = 2 * 60
    staff_session_absolute_hours: int = 12
    # Roles that must use two-factor login (tenants.mfa.ROLE_NAMES); the others may.
    mfa_required_roles: frozenset[str] = frozenset({"platform_admin", "coordinator"})

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        name = env.get("VISIONSWERK_ENV", "development")
        instance = Path(env.get("VISIONSWERK_INSTANCE") or default_instance_path()).resolve()
        secret = env.get("SECRET_KEY")
        if not secret:
            if name == "production":
                raise ConfigurationError(
                    "SECRET_KEY is not set. Production refuses to start without a secret key."
                )
            secret = _local_secret_key(instance)
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'visionswerk.sqlite'}"
        redis_url = env.get("REDIS_URL") or None
        # Without Redis, Celery uses an embedded SQLite broker: a real worker process,
        # no external service.
        broker = env.get("CELERY_BROKER_URL") or (
            redis_url or f"sqla+sqlite:///{instance / 'celery-broker.sqlite'}"
        )
        backend = env.get("CELERY_RESULT_BACKEND") or (
            redis_url or f"db+sqlite:///{instance / 'celery-results.sqlite'}"
        )
        return cls(
            env=name,
            instance_path=instance,
            secret_key=secret,
            database_url=database_url,
            redis_url=redis_url,
            celery_broker_url=broker,
            celery_result_backend=backend,
            celery_always_eager=_bool(env.get("CELERY_ALWAYS_EAGER")),
            mail_server=env.get("MAIL_SERVER") or None,
            mail_port=int(env.get("MAIL_PORT", "25")),
            mail_username=env.get("MAIL_USERNAME") or None,
            mail_password=env.get("MAIL_PASSWORD") or None,
            mail_use_tls=_bool(env.get("MAIL_USE_TLS")),
            mail_sender=env.get("MAIL_SENDER", "Visionswerk <noreply@visionswerk.localhost>"),
            mail_outbox=Path(env.get("MAIL_OUTBOX") or instance / "outbox"),
            base_url=env.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
            invitation_days=int(env.get("INVITATION_DAYS", "14")),
            password_reset_minutes=int(env.get("PASSWORD_RESET_MINUTES", "60")),
            login_limit_per_address=env.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 10 minutes"),
            login_limit_per_account=env.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 10 minutes"),
            ratelimit_key_prefix=env.get("RATELIMIT_KEY_PREFIX", "visionswerk"),
            celery_queue=env.get("CELERY_QUEUE") or "visionswerk",
            mail_timeout=float(env.get("MAIL_TIMEOUT") or 30),
            mail_max_attempts=int(env.get("MAIL_MAX_ATTEMPTS") or 10),
            mail_retry_backoff=float(env.get("MAIL_RETRY_BACKOFF") or 10),
            mail_retry_backoff_max=float(env.get("MAIL_RETRY_BACKOFF_MAX") or 600),
            trusted_proxies=int(env.get("TRUSTED_PROXIES") or 0),
            login_limit_per_account_all=env.get("LOGIN_LIMIT_PER_ACCOUNT_ALL", "50 per hour"),
            session_idle_minutes=_positive(
                "SESSION_IDLE_MINUTES", env.get("SESSION_IDLE_MINUTES"), 8 * 60
            ),
            session_absolute_hours=_positive(
                "SESSION_ABSOLUTE_HOURS", env.get("SESSION_ABSOLUTE_HOURS"), 30 * 24
            ),
            staff_session_idle_minutes=_positive(
                "STAFF_SESSION_IDLE_MINUTES", env.get("STAFF_SESSION_IDLE_MINUTES"), 2 * 60
            ),
            staff_session_absolute_hours=_positive(
                "STAFF_SESSION_ABSOLUTE_HOURS", env.get("STAFF_SESSION_ABSOLUTE_HOURS"), 12
            ),
            mfa_required_roles=_roles(env.get("MFA_REQUIRED_ROLES", "platform_admin,coordinator")),
        )
