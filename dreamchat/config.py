"""Configuration from the environment, with embedded defaults that need no other server."""
from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
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


PRIVATE_DIR_MODE = 0o700   # instance/: the database, the secret key, local photos
PRIVATE_FILE_MODE = 0o600  # the SQLite database (and its -wal/-shm) and secret_key


def ensure_instance_dir(path: Path | None = None) -> Path:
    """The instance directory, created 0700; a looser existing one is tightened, with a warning."""
    path = Path(path or INSTANCE_DIR)
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, PRIVATE_DIR_MODE)
    return path


def ensure_private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if missing; tighten a looser existing file, with a warning."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        os.close(fd)
    except FileExistsError:
        _tighten(path, PRIVATE_FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    try:
        current = path.stat().st_mode & 0o777
        if current & ~mode:
            path.chmod(mode)
            log.warning("%s was readable by others (mode %o); changed it to %o", path, current, mode)
    except OSError as error:  # not ours to change (a mounted volume): say so and carry on
        log.warning("could not restrict the mode of %s: %s", path, error)


def database_url_from_env() -> str:
    """DATABASE_URL as SQLAlchemy wants it; platforms still hand out postgres:// URLs."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        ensure_instance_dir()
        database = INSTANCE_DIR / "dreamchat.db"
        if database.exists():
            _tighten(database, PRIVATE_FILE_MODE)  # a new one is created 0600 on connect (extensions.py)
        return f"sqlite:///{database}"
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
        ensure_private_file(key_file)
        return key_file.read_text().strip()
    ensure_instance_dir()
    key = secrets.token_hex(32)
    # 0600 from creation: never readable by others, not even for a moment.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key)
    log.warning("SECRET_KEY is not set: generated one in %s. Set SECRET_KEY in production.", key_file)
    return key


def cors_origins_from_env():
    raw = os.environ.get("CORS_ALLOWED_ORIGINS", "").strip()
    if not raw:
        return None  # same origin only
    if raw == "*":
        return "*"
    return [origin.strip() for origin in raw.split(",") if origin.strip()]


def redis_url_from_env() -> str | None:
    """REDIS_URL, else a redis:// SOCKETIO_MESSAGE_QUEUE; None for one process without Redis."""
    for name in ("REDIS_URL", "SOCKETIO_MESSAGE_QUEUE"):
        url = os.environ.get(name, "").strip()
        if url.startswith(("redis://", "rediss://", "unix://")):
            return url
    return None


def rate_limit_storage_from_env() -> str:
    """Where the limits are counted: RATE_LIMIT_STORAGE_URL, else Redis when REDIS_URL or a redis://
    SOCKETIO_MESSAGE_QUEUE is set (so limits hold across processes), else this process's memory."""
    explicit = os.environ.get("RATE_LIMIT_STORAGE_URL", "").strip()
    if explicit:
        return explicit
    for name in ("REDIS_URL", "SOCKETIO_MESSAGE_QUEUE"):
        url = os.environ.get(name, "").strip()
        if url.startswith(("redis://", "rediss://")):
            return url
    return "memory://"


def default_worker_id() -> str:
    """This process among several: its host and the port it serves (a restart on the same host and
    port takes its own claims back at once), else its pid."""
    import socket

    port = os.environ.get("PORT", "").strip()
    return f"{socket.gethostname()}:{port or 'pid' + str(os.getpid())}"[:80]


def parse_night(raw: str) -> tuple[int, int] | None:
    """"22-8" -> (22, 8): the user's night, from hour 22 to hour 8 (the end excluded); "" -> None."""
    raw = raw.strip()
    if not raw:
        return None
    start, separator, end = raw.partition("-")
    try:
        night = (int(start), int(end))
    except ValueError:
        night = None
    if not separator or night is None or not all(0 <= hour <= 23 for hour in night):
        raise ValueError(f"a night is two hours 0-23 like 22-8, got {raw!r}")
    return None if night[0] == night[1] else night


def night_from_env() -> tuple[int, int] | None:
    try:
        return parse_night(os.environ.get("PROACTIVE_NIGHT", "22-8"))
    except ValueError as error:
        raise SystemExit(f"PROACTIVE_NIGHT: {error}")


SOCKETIO_TRANSPORT_NAMES = ("polling", "websocket")


def socketio_transports_from_env() -> list[str]:
    """SOCKETIO_TRANSPORTS: the engine.io transports the server accepts, comma-separated. The default
    "polling,websocket" is engine.io's own; "websocket" refuses long-polling, so a load balancer in
    front needs no sticky sessions (the chat page is told, and connects with websockets only)."""
    raw = os.environ.get("SOCKETIO_TRANSPORTS", "").strip() or "polling,websocket"
    transports = [name.strip().lower() for name in raw.split(",") if name.strip()]
    unknown = [name for name in transports if name not in SOCKETIO_TRANSPORT_NAMES]
    if unknown or not transports:
        raise SystemExit(f"SOCKETIO_TRANSPORTS must be polling, websocket or both, got {raw!r}")
    return [name for name in SOCKETIO_TRANSPORT_NAMES if name in transports]


def engine_options(database_url: str) -> dict:
    """hide_parameters: a failed statement's error text must not carry message bodies into the logs.
    A server database's connections are checked (pre-ping) before use, since the server may have
    dropped them; a SQLite file's connection cannot go stale, so it is not (a statement saved per use)."""
    options: dict = {"hide_parameters": True}
    if not database_url.startswith("sqlite"):
        options["pool_pre_ping"] = True
    if database_url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": 5}
    return options


class Config:
    """Read once at start. Every name here can be set in the environment."""

    def __init__(self) -> None:
        self.SECRET_KEY = secret_key_from_env()
        self.SQLALCHEMY_DATABASE_URI = database_url_from_env()
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
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
        # Voice notes (POST /api/voice): the longest note in seconds and the largest upload in bytes (0: no limit).
        self.VOICE_MAX_SECONDS = _env_float("VOICE_MAX_SECONDS", 60)
        self.VOICE_MAX_BYTES = _env_int("VOICE_MAX_BYTES", 2 * 1024 * 1024)
        # Transcribing voice notes (off by default) and reading her replies aloud (the browser's voice
        # by default): "openai" uses an OpenAI-compatible /audio/transcriptions or /audio/speech.
        self.STT_PROVIDER = os.environ.get("STT_PROVIDER", "").strip().lower() or "none"
        self.STT_BASE_URL = os.environ.get("STT_BASE_URL", "").strip() or self.AI_BASE_URL
        self.STT_API_KEY = os.environ.get("STT_API_KEY", "") or self.AI_API_KEY
        self.STT_MODEL = os.environ.get("STT_MODEL", "").strip() or "whisper-1"
        self.STT_TIMEOUT_SECONDS = _env_float("STT_TIMEOUT_SECONDS", 60)
        self.TTS_PROVIDER = os.environ.get("TTS_PROVIDER", "").strip().lower() or "none"
        self.TTS_BASE_URL = os.environ.get("TTS_BASE_URL", "").strip() or self.AI_BASE_URL
        self.TTS_API_KEY = os.environ.get("TTS_API_KEY", "") or self.AI_API_KEY
        self.TTS_MODEL = os.environ.get("TTS_MODEL", "").strip() or "tts-1"
        self.TTS_VOICE = os.environ.get("TTS_VOICE", "").strip() or "nova"
        self.TTS_TIMEOUT_SECONDS = _env_float("TTS_TIMEOUT_SECONDS", 60)
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
        # The message queue's channel: deployments (or test runs) sharing one Redis need their own.
        self.SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL", "").strip() or "flask-socketio"
        # Typing and replies being streamed, seen by every process (shared_state.py).
        self.REDIS_URL = redis_url_from_env()
        self.ASYNC_MODE = os.environ.get("ASYNC_MODE") or None
        self.SOCKETIO_TRANSPORTS = socketio_transports_from_env()
        self.SOCKETIO_MAX_BUFFER_SIZE = 64 * 1024
        self.RATE_LIMIT_MESSAGES = _env_int("RATE_LIMIT_MESSAGES", 30)
        self.RATE_LIMIT_PHOTOS = _env_int("RATE_LIMIT_PHOTOS", 5)
        self.RATE_LIMIT_WINDOW_SECONDS = _env_float("RATE_LIMIT_WINDOW_SECONDS", 60)
        # `sync` requests per user per minute (0: no limit); each can answer up to REPLAY_MAX_EVENTS events.
        self.RATE_LIMIT_SYNCS = _env_int("RATE_LIMIT_SYNCS", 30)
        # The replay log (user_events): the last EVENT_LOG_KEEP events per user (0: no count limit),
        # none older than EVENT_LOG_DAYS days (0: no age limit); sync answers reset past it.
        self.EVENT_LOG_KEEP = _env_int("EVENT_LOG_KEEP", 1000)
        self.EVENT_LOG_DAYS = _env_float("EVENT_LOG_DAYS", 7)
        # A sync replays at most REPLAY_MAX_EVENTS events and REPLAY_MAX_BYTES of them (0: no limit on
        # either); past that it answers reset and the page reloads the conversation over HTTP.
        self.REPLAY_MAX_EVENTS = _env_int("REPLAY_MAX_EVENTS", 2000)
        self.REPLAY_MAX_BYTES = _env_int("REPLAY_MAX_BYTES", 4 * 1024 * 1024)
        # Hot-path writes (messages, replies, read receipts) queued together commit together, at
        # most WRITE_BATCH_MAX in one transaction (0: each commits on its own).
        self.WRITE_BATCH_MAX = _env_int("WRITE_BATCH_MAX", 64)
        # Replies doing CPU work at once (reading the conversation, the offline engine, storing);
        # waiting for a model server takes no slot. 0: no limit.
        self.MAX_CONCURRENT_REPLIES = _env_int("MAX_CONCURRENT_REPLIES", 2)
        # A socket's user is taken at connect; its login is checked again (one small query) at its
        # first event after this many seconds. Ending a login stops its sockets in this process at
        # once, in other processes within this time (0: checked at every event).
        self.SOCKET_LOGIN_RECHECK_SECONDS = _env_float("SOCKET_LOGIN_RECHECK_SECONDS", 1)
        # Replies and photos are claimed in the database by this process (WORKER_ID, unique per
        # process: host and port by default) for WORK_LEASE_SECONDS, renewed while it works; a
        # stopped process's work is taken over by the others' sweep every WORK_SWEEP_SECONDS.
        self.WORKER_ID = os.environ.get("WORKER_ID", "").strip() or default_worker_id()
        self.WORK_LEASE_SECONDS = _env_float("WORK_LEASE_SECONDS", 60)
        if self.WORK_LEASE_SECONDS <= 0:
            raise SystemExit(f"WORK_LEASE_SECONDS must be more than 0, got {self.WORK_LEASE_SECONDS}")
        self.WORK_SWEEP_SECONDS = _env_float("WORK_SWEEP_SECONDS", 15)
        # The companion writes first (a conversation's opt-in): after PROACTIVE_AFTER_HOURS without a
        # message (0: never), not in PROACTIVE_NIGHT ("22-8": hours in the user's time zone, UTC when
        # unknown; empty or two equal hours like "0-0": no night), looked for every PROACTIVE_CHECK_SECONDS
        # (0: never); one that could not be written is tried again PROACTIVE_RETRY_SECONDS later (0: at
        # the next check).
        self.PROACTIVE_AFTER_HOURS = _env_float("PROACTIVE_AFTER_HOURS", 20)
        self.PROACTIVE_NIGHT = night_from_env()
        self.PROACTIVE_CHECK_SECONDS = _env_float("PROACTIVE_CHECK_SECONDS", 60)
        self.PROACTIVE_RETRY_SECONDS = _env_float("PROACTIVE_RETRY_SECONDS", 1800)
        # A group turn whose model failed (no fallback) is not retaken by any process's sweep for
        # GROUP_RETRY_SECONDS (0: at the next sweep); a new message in the group retries it at once.
        self.GROUP_RETRY_SECONDS = max(0.0, _env_float("GROUP_RETRY_SECONDS", 300))
        self.RATE_LIMIT_LOGINS = _env_int("RATE_LIMIT_LOGINS", 20)  # per client address per minute
        self.RATE_LIMIT_SIGNUPS = _env_int("RATE_LIMIT_SIGNUPS", 5)  # per client address per hour
        self.RATE_LIMIT_STORAGE_URL = rate_limit_storage_from_env()
        self.RATE_LIMIT_STRATEGY = os.environ.get("RATE_LIMIT_STRATEGY", "").strip() or "moving-window"
        self.RATE_LIMIT_KEY_PREFIX = os.environ.get("RATE_LIMIT_KEY_PREFIX", "").strip() or "dreamchat"
        # Proxies in front that set X-Forwarded-For/-Proto (a PaaS router: 1); 0 trusts no header.
        self.TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
        # A login unused this long ends; "Keep me signed in" lasts as long after the last visit.
        self.LOGIN_IDLE_DAYS = _env_float("LOGIN_IDLE_DAYS", 30)
        if not 0 < self.LOGIN_IDLE_DAYS <= 3650:
            raise SystemExit(f"LOGIN_IDLE_DAYS must be more than 0 and at most 3650, got {self.LOGIN_IDLE_DAYS}")
        self.REMEMBER_COOKIE_DURATION = timedelta(days=self.LOGIN_IDLE_DAYS)
        self.HISTORY_PAGE_SIZE = 50
        # Message search (/api/search): the longest query in characters and the most results one search
        # may ask for (0: no limit on either).
        self.SEARCH_MAX_QUERY_LENGTH = _env_int("SEARCH_MAX_QUERY_LENGTH", 200)
        self.SEARCH_MAX_RESULTS = _env_int("SEARCH_MAX_RESULTS", 50)
        # Only the newest SEARCH_RANK_WINDOW matches of a search are ranked (0: all), so a word found in
        # most messages does not have every one of them scored.
        self.SEARCH_RANK_WINDOW = _env_int("SEARCH_RANK_WINDOW", 500)
        # Group chat messages have no full-text index: search reads the user's newest this many (0: not searched).
        self.SEARCH_GROUP_SCAN = _env_int("SEARCH_GROUP_SCAN", 2000)
        # A group chat's page shows its newest this many messages (or this many around a search result):
        # at least 1 and at most 1000 (a value outside is brought within).
        self.GROUP_HISTORY_SHOWN = min(max(_env_int("GROUP_HISTORY_SHOWN", 200), 1), 1000)
        # Group chats one user may create (0: no cap).
        self.MAX_GROUPS_PER_USER = max(_env_int("MAX_GROUPS_PER_USER", 20), 0)
        self.RATE_LIMIT_SEARCHES = _env_int("RATE_LIMIT_SEARCHES", 60)  # per user per minute (0: no limit)
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
        # Character cards (admin upload, `flask companions import-card`): each parsed text field,
        # the inflated text of PNG card chunks, and the time one card may take to read.
        self.CARD_MAX_FIELD_BYTES = _env_int("CARD_MAX_FIELD_BYTES", 32 * 1024)
        self.CARD_MAX_INFLATED_BYTES = _env_int("CARD_MAX_INFLATED_BYTES", 2 * 1024 * 1024)
        self.CARD_PARSE_TIMEOUT_SECONDS = _env_float("CARD_PARSE_TIMEOUT_SECONDS", 5)
        # Companion portraits (/companions/<slug>/avatar): rendered portraits kept per process
        # (0: render every time), and how long browsers keep an avatar before asking again (0: always ask).
        self.PORTRAIT_CACHE_SIZE = _env_int("PORTRAIT_CACHE_SIZE", 64)
        self.AVATAR_MAX_AGE_SECONDS = _env_int("AVATAR_MAX_AGE_SECONDS", 86400)
        # `python app.py` connections: time to send the request headers, time a connection may sit
        # idle between requests (0: no limit), and open connections per client address (0: no cap).
        self.HTTP_HEADER_TIMEOUT_SECONDS = _env_float("HTTP_HEADER_TIMEOUT_SECONDS", 10)
        self.HTTP_IDLE_TIMEOUT_SECONDS = _env_float("HTTP_IDLE_TIMEOUT_SECONDS", 60)
        # Counted by the TCP peer: behind proxies (TRUSTED_PROXIES) every client is a proxy, so off by default.
        self.MAX_CONNECTIONS_PER_ADDRESS = _env_int("MAX_CONNECTIONS_PER_ADDRESS",
                                                    0 if getattr(self, "TRUSTED_PROXIES", 0) else 200)


class TestConfig(Config):
    """In-process tests: a throwaway SQLite file, instant replies, no CSRF on forms."""

    TESTING = True

    def __init__(self, database_path: Path | None = None) -> None:
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test-secret"
        path = database_path or (INSTANCE_DIR / "test.db")
        self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.REPLY_DELAY_SCALE = 0.0
        # scrypt costs ~0.1 s of CPU per hash and per check, 40% of the in-process tests' time;
        # tests only, never a deployment.
        self.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"
        self.WTF_CSRF_ENABLED = False
        self.SOCKETIO_MESSAGE_QUEUE = None
        self.REDIS_URL = None
        self.ASYNC_MODE = "threading"
        # Each test app counts in its own memory; many tests sign up several users from one address.
        self.RATE_LIMIT_STORAGE_URL = "memory://"
        self.RATE_LIMIT_SIGNUPS = 0
