"""DreamChat: real-time chat with AI companions in one Flask-SocketIO process."""
from __future__ import annotations

import logging
import sys

from flask import Flask, jsonify, render_template, request

from dreamchat import wire_json
from dreamchat.config import INSTANCE_DIR, Config
from dreamchat.extensions import csrf, db, login_manager, migrate, socketio

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; script-src 'self'; "
    "style-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def default_async_mode() -> str:
    """eventlet or gevent when app.py has monkey-patched for it, threading otherwise."""
    if "eventlet" in sys.modules:
        from eventlet import patcher

        if patcher.is_monkey_patched("socket"):
            return "eventlet"
    if "gevent" in sys.modules:
        from gevent import monkey

        if monkey.is_module_patched("socket"):
            return "gevent"
    return "threading"


def create_app(config: Config | None = None) -> Flask:
    # Socket handlers must be declared before socketio.init_app, so every app created gets them.
    from dreamchat.account import bp as account_bp
    from dreamchat.auth import bp as auth_bp
    from dreamchat.chat import bp as chat_bp
    from dreamchat.companions.routes import bp as companions_bp
    from dreamchat.admin.routes import bp as admin_bp
    from dreamchat.memory.routes import bp as memory_bp
    from dreamchat.safety.routes import bp as safety_bp
    from dreamchat.search import bp as search_bp
    from dreamchat.voice.routes import bp as voice_bp

    config = config or Config()
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(INSTANCE_DIR))
    app.config.from_object(config)
    logging.basicConfig(level=app.config["LOG_LEVEL"],
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    socketio.init_app(
        app,
        json=wire_json,
        async_mode=app.config["ASYNC_MODE"] or default_async_mode(),
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        channel=app.config["SOCKETIO_CHANNEL"],
        cors_allowed_origins=app.config["CORS_ALLOWED_ORIGINS"],
        max_http_buffer_size=app.config["SOCKETIO_MAX_BUFFER_SIZE"],
        # engine.io's Server(transports=...): ["polling", "websocket"] (its default) or websocket only.
        transports=app.config.get("SOCKETIO_TRANSPORTS") or None,
        logger=False,
        engineio_logger=False,
    )
    trust_proxies(app)

    from dreamchat import quotas, shared_state, tasks, writer
    from dreamchat.actions import events  # noqa: F401 - registers the listener that emits events after commit
    from dreamchat.ai import create_fallback_provider, create_reply_provider
    from dreamchat.photos import create_photo_provider
    from dreamchat.safety import load_resources
    from dreamchat.understanding.crisis_model import default_model
    from dreamchat.voice.providers import create_speaker, create_transcriber

    default_model()  # loaded now, not on the event loop at the first message

    try:
        app.extensions["crisis_resources"] = load_resources(app.config["CRISIS_RESOURCES_FILE"])
    except ValueError as error:
        raise SystemExit(str(error)) from error
    app.extensions["reply_provider"] = create_reply_provider(app.config)
    app.extensions["fallback_reply_provider"] = create_fallback_provider(app.config)
    app.extensions["photo_provider"] = create_photo_provider(app.config)
    app.extensions["transcriber"] = create_transcriber(app.config)
    app.extensions["speech_provider"] = create_speaker(app.config)
    tasks.init_app(app)
    writer.init_app(app)
    shared_state.init_app(app)
    quotas.init_app(app)

    app.register_blueprint(auth_bp)
    app.register_blueprint(chat_bp)
    app.register_blueprint(companions_bp)
    app.register_blueprint(memory_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(safety_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(voice_bp)

    register_error_handlers(app)
    register_security_headers(app)
    register_template_context(app)

    @app.get("/healthz")
    def healthz():
        try:
            db.session.execute(db.text("SELECT 1"))
            database = "ok"
        except Exception:  # noqa: BLE001 - health reports, never raises
            app.logger.exception("health check: database unavailable")
            database = "unavailable"
        status = 200 if database == "ok" else 503
        report = {"status": "ok" if status == 200 else "degraded", "database": database,
                  "async_mode": socketio.async_mode}
        redis_up = app.extensions[shared_state.EXTENSION].healthy()
        if redis_up is not None:  # several processes: without Redis they still serve, and catch up by replay
            report["redis"] = "ok" if redis_up else "down"
        return jsonify(report), status

    return app


def trust_proxies(app: Flask) -> None:
    """TRUSTED_PROXIES=N: the client address and scheme are taken from the X-Forwarded-For and
    X-Forwarded-Proto headers set by the N proxies in front (werkzeug's ProxyFix), so throttles key
    on the real client. Wraps the Socket.IO middleware too, so socket handlers see the same address."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops < 0:
        raise SystemExit(f"TRUSTED_PROXIES must be 0 or more, got {hops}")
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if wants_json():
            return jsonify(error={"code": error.name.lower().replace(" ", "_"),
                                  "message": error.description}), error.code
        return render_template("errors/error.html", error=error), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if wants_json():
            return jsonify(error={"code": "internal", "message": "Something went wrong."}), 500
        return render_template("errors/error.html", error=None), 500


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # Pages and API answers are per user: never kept by the browser or any cache on the way
        # (static files and avatars set their own Cache-Control; owner-only photos theirs).
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "private, no-store"
        return response


def register_template_context(app: Flask) -> None:
    from flask_login import current_user

    from dreamchat.auth.forms import LogoutForm

    @app.context_processor
    def logout_form():
        """Every page shows a signed-in user the sign-out button (base.html), which posts this form."""
        return {"logout_form": LogoutForm()} if current_user.is_authenticated else {}
