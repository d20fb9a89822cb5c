"""Sign-up, sign-in and sign-out, and how a session id loads its user (a rotated token loads nobody)."""
import hmac
import logging
import secrets
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user, user_loaded_from_cookie
from werkzeug.security import check_password_hash, generate_password_hash

from dreamchat import quotas
from dreamchat.actions import account
from dreamchat.auth import bp
from dreamchat.auth.forms import LoginForm, LogoutForm, RegisterForm
from dreamchat.extensions import db, login_manager
from dreamchat.models import User

log = logging.getLogger(__name__)


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/"):
        return jsonify(error={"code": "unauthorized", "message": "Please sign in."}), 401
    flash("Please sign in to chat.", "info")
    return redirect(url_for("auth.login", next=request.path if request.path != "/" else None))


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """session_id is User.get_id(), "<id>:<session token>"; a rotated token or a bare id (an older
    cookie) loads nobody."""
    user_id, _, token = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit()) or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


LOGIN_ATTEMPTS_PER_WINDOW = 10
LOGIN_WINDOW_SECONDS = 300
# Checked against when the username is unknown, so both answers take as long.
DUMMY_PASSWORD_HASH = generate_password_hash(secrets.token_hex(16))


def start_session(user: User, remember: bool) -> None:
    login_user(user, remember=remember)
    session["login_token"] = secrets.token_urlsafe(16)


@user_loaded_from_cookie.connect
def restart_session_from_cookie(_app, user) -> None:
    """A session restored by the remember-me cookie gets its own login token too, so logout closes its sockets."""
    session["login_token"] = secrets.token_urlsafe(16)


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
        user = account.create_user(form.username.data, form.password.data)
        if user is None:
            form.username.errors.append("That username is taken.")
            return render_template("auth/register.html", form=form), 400
        log.info("registered user id=%s", user.id)
        start_session(user, remember=False)
        return redirect(url_for("chat.index"))
    return render_template("auth/register.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_path = local_path_or_none(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("chat.index"))
    form = LoginForm()
    if form.validate_on_submit():
        attempt_key = f"login:{request.remote_addr}:{form.username.data.lower()}"
        if not quotas.attempt_allowed(0, attempt_key, LOGIN_ATTEMPTS_PER_WINDOW, LOGIN_WINDOW_SECONDS):
            log.warning("login throttled for %s", request.remote_addr)
            flash("Too many attempts. Wait a few minutes and try again.", "error")
            return render_template("auth/login.html", form=form), 429
        user = db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == form.username.data.lower()))
        password_ok = (user.check_password(form.password.data) if user is not None
                       else check_password_hash(DUMMY_PASSWORD_HASH, form.password.data))
        if user is None or not password_ok:
            log.warning("failed login from %s", request.remote_addr)
            flash("Wrong username or password.", "error")
            return render_template("auth/login.html", form=form), 401
        start_session(user, remember=form.remember.data)
        return redirect(next_path or url_for("chat.index"))
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    form = LogoutForm()
    if not form.validate_on_submit():
        return redirect(url_for("chat.index"))
    account.end_login_session(session.get("login_token"))
    logout_user()
    session.pop("login_token", None)
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
