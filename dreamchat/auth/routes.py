"""Sign-up, sign-in and sign-out; each sign-in is a login session (auth/sessions.py) that logout ends.

Sign-in is throttled per client address across all usernames (RATE_LIMIT_LOGINS a minute) and per
address and username; sign-up per client address (RATE_LIMIT_SIGNUPS an hour). A refusal is a 429
with Retry-After and a small page saying when to try again, before any password is hashed. The client
address is request.remote_addr, taken from X-Forwarded-For when TRUSTED_PROXIES is set (create_app).
"""
import logging
import math
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from dreamchat import quotas
from dreamchat.actions import account
from dreamchat.auth import bp, passwords, sessions
from dreamchat.auth.forms import LoginForm, LogoutForm, RegisterForm
from dreamchat.extensions import db, login_manager, socketio
from dreamchat.models import User

log = logging.getLogger(__name__)


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/"):
        return jsonify(error={"code": "unauthorized", "message": "Please sign in."}), 401
    flash("Please sign in to chat.", "info")
    return redirect(url_for("auth.login", next=request.path if request.path != "/" else None))


load_user = login_manager.user_loader(sessions.load_user)

LOGIN_ATTEMPTS_PER_WINDOW = 10
LOGIN_WINDOW_SECONDS = 300
THROTTLED_ANSWER_DELAY = 1.0


def client_address() -> str:
    return request.remote_addr or "unknown"


def wait_wording(seconds: int) -> str:
    if seconds < 90:
        return "a minute"
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes"
    return f"{math.ceil(minutes / 60)} hours"


def too_many(kind: str, what: str, seconds: int, back_url: str, back_label: str):
    """A friendly page as a 429 with Retry-After; the refusal is logged once a minute per address.

    Under eventlet or gevent the answer waits THROTTLED_ANSWER_DELAY first: a parked green thread costs
    nothing, and a client flooding in a loop then gets one answer a second instead of keeping
    the event loop busy drawing refusals (the connections per address are capped by serving.py)."""
    if socketio.async_mode != "threading":
        socketio.sleep(THROTTLED_ANSWER_DELAY)
    if quotas.throttle("throttle-logged", f"{kind}/{client_address()}", 1, 60) is None:
        log.warning("%s throttled for %s", kind, client_address())
    message = f"Too many {what} from your network. Please wait {wait_wording(seconds)} and try again."
    response = current_app.make_response((render_template("auth/too_many.html", message=message,
                                                           back_url=back_url, back_label=back_label), 429))
    response.headers["Retry-After"] = str(seconds)
    return response


def login_throttled(username: str) -> int | None:
    """Seconds to wait when this sign-in attempt is over a limit, else None (the attempt is counted)."""
    address = client_address()
    return (quotas.throttle("login-address", address, current_app.config["RATE_LIMIT_LOGINS"], 60)
            or quotas.throttle("login-name", f"{address}/{username.lower()}", LOGIN_ATTEMPTS_PER_WINDOW,
                               LOGIN_WINDOW_SECONDS))


def local_path_or_none(target: str | None) -> str | None:
    """Only same-site paths are followed after login (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("chat.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        wait = quotas.throttle("signup-address", client_address(), current_app.config["RATE_LIMIT_SIGNUPS"], 3600)
        if wait is not None:
            return too_many("sign-up", "new accounts", wait, url_for("auth.register"), "Back to sign-up")
        user = account.create_user(form.username.data, passwords.hash_password(form.password.data))
        if user is None:
            form.username.errors.append("That username is taken.")
            return render_template("auth/register.html", form=form), 400
        log.info("registered user id=%s", user.id)
        sessions.sign_in(user, remember=False)
        return redirect(url_for("chat.index"))
    return render_template("auth/register.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_path = local_path_or_none(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("chat.index"))
    form = LoginForm()
    if form.validate_on_submit():
        wait = login_throttled(form.username.data)
        if wait is not None:
            return too_many("login", "sign-in attempts", wait, url_for("auth.login", next=next_path),
                            "Back to sign-in")
        user = db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == form.username.data.lower()))
        password_ok = (passwords.password_matches(user.password_hash, form.password.data) if user is not None
                       else passwords.check_unknown_user(form.password.data))
        if user is None or not password_ok:
            log.warning("failed login from %s", client_address())
            flash("Wrong username or password.", "error")
            return render_template("auth/login.html", form=form), 401
        sessions.sign_in(user, remember=form.remember.data)
        return redirect(next_path or url_for("chat.index"))
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    form = LogoutForm()
    if not form.validate_on_submit():
        return redirect(url_for("chat.index"))
    account.end_login_session(sessions.current_login_session_id())
    logout_user()
    session.pop("login_token", None)
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
