"""Configuration from the environment, with embedded defaults that need no other server."""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("DREAMCHAT_INSTANCE_DIR", BASE_DIR / "instance"))


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a number, got {raw!r}")


def _env_int(name: str, default: int) -> int:
    return int(_env_float(name, default))


def database_url_from_env() -> str:
    """DATABASE_URL as SQLAlchemy wants it; platforms still hand out postgres:// URLs."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'dreamchat.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    return url


def secret_key_from_env() -> str:
    """SECRET_KEY, or one generated once and kept in instance/ so sessions survive restarts."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    key_file = INSTANCE_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    log.warning("SECRET_KEY is not set: generated one in %s. Set SECRET_KEY in production.", key_file)
    return key


def cors_origins_from_env():
    raw = os.environ.get("CORS_ALLOWED_ORIGINS", "").strip()
    if not raw:
        return None  # same origin only
    if raw == "*":
        return "*"
    return [origin.strip() for origin in raw.split(",") if origin.strip()]


class Config:
    """Read once at start. Every name here can be set in the environment."""

    def __init__(self) -> None:
        self.SECRET_KEY = secret_key_from_env()
        self.SQLALCHEMY_DATABASE_URI = database_url_from_env()
        # hide_parameters: a failed statement's error text must not carry message bodies into the logs.
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
        if self.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
            self.SQLALCHEMY_ENGINE_OPTIONS["connect_args"] = {"connect_timeout": 5}
        self.AI_PROVIDER = os.environ.get("AI_PROVIDER", "offline")
        self.AI_BASE_URL = os.environ.get("AI_BASE_URL", "https://api.openai.com/v1")
        self.AI_API_KEY = os.environ.get("AI_API_KEY", "")
        self.AI_MODEL = os.environ.get("AI_MODEL", "")
        self.AI_TIMEOUT_SECONDS = _env_float("AI_TIMEOUT_SECONDS", 30)
        self.AI_MAX_RETRIES = _env_int("AI_MAX_RETRIES", 2)
        self.AI_MAX_TOKENS = _env_int("AI_MAX_TOKENS", 300)
        self.AI_TEMPERATURE = _env_float("AI_TEMPERATURE", 0.9)
        self.AI_CONTEXT_BUDGET_TOKENS = _env_int("AI_CONTEXT_BUDGET_TOKENS", 3000)
        self.AI_BREAKER_FAILURES = _env_int("AI_BREAKER_FAILURES", 5)
        self.AI_BREAKER_RESET_SECONDS = _env_float("AI_BREAKER_RESET_SECONDS", 30)
        self.AI_FALLBACK = os.environ.get("AI_FALLBACK", "none")
        self.PHOTO_PROVIDER = os.environ.get("PHOTO_PROVIDER", "local")
        self.PHOTO_BASE_URL = os.environ.get("PHOTO_BASE_URL", "") or None
        self.PHOTO_API_KEY = os.environ.get("PHOTO_API_KEY", "") or self.AI_API_KEY
        self.PHOTO_MODEL = os.environ.get("PHOTO_MODEL", "gpt-image-1")
        self.PHOTO_SIZE = os.environ.get("PHOTO_SIZE", "1024x1024")
        self.PHOTO_TIMEOUT_SECONDS = _env_float("PHOTO_TIMEOUT_SECONDS", 180)
        self.SD_URL = os.environ.get("SD_URL", "http://127.0.0.1:7860")
        self.SD_STEPS = _env_int("SD_STEPS", 25)
        self.SD_WIDTH = _env_int("SD_WIDTH", 512)
        self.SD_HEIGHT = _env_int("SD_HEIGHT", 768)
        self.SD_SAMPLER = os.environ.get("SD_SAMPLER", "DPM++ 2M")
        self.REPLY_DELAY_SCALE = _env_float("REPLY_DELAY_SCALE", 1.0)
        self.CORS_ALLOWED_ORIGINS = cors_origins_from_env()
        self.MAX_MESSAGE_LENGTH = _env_int("MAX_MESSAGE_LENGTH", 4000)
        self.MAX_PHOTO_CONTEXT_LENGTH = 200
        self.SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or os.environ.get("REDIS_URL")
        self.ASYNC_MODE = os.environ.get("ASYNC_MODE") or None
        self.SOCKETIO_MAX_BUFFER_SIZE = 64 * 1024
        self.RATE_LIMIT_MESSAGES = _env_int("RATE_LIMIT_MESSAGES", 30)
        self.RATE_LIMIT_PHOTOS = _env_int("RATE_LIMIT_PHOTOS", 5)
        self.RATE_LIMIT_WINDOW_SECONDS = _env_float("RATE_LIMIT_WINDOW_SECONDS", 60)
        self.HISTORY_PAGE_SIZE = 50
        self.DAILY_REPLY_LIMIT = _env_int("DAILY_REPLY_LIMIT", 1000)
        self.DAILY_PHOTO_LIMIT = _env_int("DAILY_PHOTO_LIMIT", 50)
        self.SHUTDOWN_GRACE_SECONDS = _env_float("SHUTDOWN_GRACE_SECONDS", 10)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "") == "1"
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.WTF_CSRF_TIME_LIMIT = None
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
        self.ADMIN_USERNAMES = os.environ.get("ADMIN_USERNAMES", "")
        # werkzeug's method name; a stored hash names its own, so checks follow it.
        self.PASSWORD_HASH_METHOD = "scrypt"
        self.CRISIS_RESOURCES_FILE = os.environ.get("CRISIS_RESOURCES_FILE", "").strip() or None
        self.BREAK_REMINDER_MINUTES = _env_float("BREAK_REMINDER_MINUTES", 180)
        self.MAX_CONTENT_LENGTH = 11 * 1024 * 1024


class TestConfig(Config):
    """In-process tests: a throwaway SQLite file, instant replies, no CSRF on forms."""

    TESTING = True

    def __init__(self, database_path: Path | None = None) -> None:
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test-secret"
        path = database_path or (INSTANCE_DIR / "test.db")
        self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
        self.REPLY_DELAY_SCALE = 0.0
        # scrypt costs ~0.1 s of CPU per hash and per check, 40% of the in-process tests' time;
        # tests only, never a deployment.
        self.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"
        self.WTF_CSRF_ENABLED = False
        self.SOCKETIO_MESSAGE_QUEUE = None
        self.ASYNC_MODE = "threading"
