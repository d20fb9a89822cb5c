"""The account page: password change, data export, signing out everywhere, account deletion
(password change and deletion behind the password) and the notifications preference."""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import sqlalchemy as sa
from flask import (Blueprint, Response, flash, g, make_response, redirect, render_template, session,
                   stream_with_context, url_for)
from flask_login import current_user, login_required, logout_user

from dreamchat import quotas
from dreamchat.account.forms import ChangePasswordForm, DeleteAccountForm, NotificationsForm, SignOutEverywhereForm
from dreamchat.actions import account
from dreamchat.auth import passwords, sessions
from dreamchat.extensions import db
from dreamchat.models import Companion, MemoryFact, Message, Photo, User, isoformat, utcnow

log = logging.getLogger(__name__)

bp = Blueprint("account", __name__)

PASSWORD_ATTEMPTS_PER_WINDOW = 10
PASSWORD_WINDOW_SECONDS = 300
EXPORT_BATCH_SIZE = 500


def account_page(password_form: ChangePasswordForm | None = None, delete_form: DeleteAccountForm | None = None,
                 status: int = 200):
    response = make_response(render_template(
        "account/index.html", password_form=password_form or ChangePasswordForm(),
        delete_form=delete_form or DeleteAccountForm(), sign_out_form=SignOutEverywhereForm(),
        notifications_form=NotificationsForm(formdata=None, notifications=current_user.notifications_enabled)), status)
    if status == 429 and g.get("retry_after"):
        response.headers["Retry-After"] = str(g.retry_after)
    return response


def password_attempt_wait() -> int | None:
    """The password forms are throttled per user, like sign-in, so a borrowed session cannot guess it:
    the seconds to wait when over the limit, else None."""
    return quotas.throttle("account_password", str(current_user.id), PASSWORD_ATTEMPTS_PER_WINDOW,
                           PASSWORD_WINDOW_SECONDS)


def refusal(form, password_field, what: str, wrong_password: str) -> int | None:
    """The status to answer a form that asks for the password with (errors set on the form), or None
    when it is valid, not throttled and the password is right."""
    if not form.validate_on_submit():
        log.warning("%s refused for user id=%s: invalid %s", what, current_user.id, ", ".join(form.errors))
        return 400
    wait = password_attempt_wait()
    if wait is not None:
        password_field.errors.append("Too many attempts. Wait a few minutes and try again.")
        g.retry_after = wait
        log.warning("account password attempts throttled for user id=%s", current_user.id)
        return 429
    if not passwords.password_matches(current_user.password_hash, password_field.data):
        log.warning("%s refused for user id=%s: wrong password", what, current_user.id)
        password_field.errors.append(wrong_password)
        return 400
    return None


@bp.get("/account")
@login_required
def index():
    """The account page: who you are, a new password, a copy of your data, deleting it all."""
    return account_page()


@bp.post("/account/password")
@login_required
def change_password():
    """New password: every session, remember-me cookie and socket of the user is signed out; this
    browser is signed in again with a new login (remembered if it was)."""
    form = ChangePasswordForm()
    refused = refusal(form, form.current_password, "password change", "That is not your current password.")
    if refused:
        return account_page(password_form=form, status=refused)
    user = current_user._get_current_object()
    new_hash = passwords.hash_password(form.new_password.data)
    remembered = sessions.current_login_remembered()
    account.change_password(user, new_hash)
    sessions.sign_in(user, remember=remembered)
    log.info("user id=%s changed their password; other sessions signed out", user.id)
    flash("Your password was changed. Other sessions were signed out.", "success")
    return redirect(url_for("account.index"))


@bp.post("/account/notifications")
@login_required
def notifications():
    """Turn browser notifications on or off for every chat page of the user (data-notifications)."""
    form = NotificationsForm()
    if not form.validate_on_submit():
        return account_page(status=400)
    enabled = bool(form.notifications.data)
    db.session.execute(sa.update(User).where(User.id == current_user.id).values(notifications_enabled=enabled))
    db.session.commit()
    log.info("user id=%s turned notifications %s", current_user.id, "on" if enabled else "off")
    flash(f"Notifications are {'on' if enabled else 'off'}.", "success")
    return redirect(url_for("account.index"))


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """Every login of the user ends, this one included: every browser, every remember-me cookie, every socket."""
    form = SignOutEverywhereForm()
    if not form.validate_on_submit():
        return account_page(status=400)
    user_id = current_user.id
    account.end_all_login_sessions(user_id)
    log.info("user id=%s signed out everywhere", user_id)
    return leave("You are signed out everywhere, on every device.")


@bp.get("/account/export")
@login_required
def export():
    """Everything stored about the user as one JSON download (photos as links, not bytes)."""
    filename = f"dreamchat-{current_user.username}-{utcnow():%Y%m%d}.json"
    profile = {"username": current_user.username, "created_at": isoformat(current_user.created_at)}
    response = Response(stream_with_context(export_json(current_user.id, profile)), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/account/delete")
@login_required
def delete():
    """Erase the account and every row of it, close its sockets, sign out."""
    form = DeleteAccountForm()
    refused = refusal(form, form.password, "account deletion", "That is not your password.")
    if refused:
        return account_page(delete_form=form, status=refused)
    user_id = current_user.id
    account.delete_account(user_id)
    log.info("user id=%s deleted their account", user_id)
    return leave("Your account and everything in it were deleted.")


def leave(notice: str):
    """This browser is signed out (its login is already gone): to the sign-in page with a notice."""
    logout_user()
    session.pop("login_token", None)
    flash(notice, "info")
    return redirect(url_for("auth.login"))


def export_json(user_id: int, profile: dict) -> Iterator[str]:
    """The export document in pieces, so a long history is never held in memory at once."""
    yield '{"exported_at": %s, "user": %s, "conversations": [' % (json.dumps(isoformat(utcnow())),
                                                                    json.dumps(profile))
    for index, companion in enumerate(companions_talked_to(user_id)):
        yield "," if index else ""
        yield '{"companion": %s, "messages": [' % json.dumps({"slug": companion.slug, "name": companion.name})
        messages = db.session.scalars(
            sa.select(Message).where(Message.user_id == user_id, Message.companion_id == companion.id)
            .order_by(Message.id).execution_options(yield_per=EXPORT_BATCH_SIZE))
        for position, message in enumerate(messages):
            yield ("," if position else "") + json.dumps(message.to_dict())
        yield "]}"
    yield '], "group_chats": ['
    yield from exported_group_chats(user_id)
    yield '], "memory": %s, "photos": %s}' % (json.dumps(exported_memory(user_id)),
                                              json.dumps(exported_photos(user_id)))


def exported_group_chats(user_id: int) -> Iterator[str]:
    """Each group chat: its name, members and messages (as on the wire), in pieces."""
    from dreamchat.actions import groups
    from dreamchat.models import GroupMessage

    table = GroupMessage.__table__
    for index, group in enumerate(groups.user_groups(user_id)):
        members = group.companions
        slugs = {companion.id: companion.slug for companion in members}
        yield ("," if index else "") + '{"name": %s, "members": %s, "messages": [' % (
            json.dumps(group.name), json.dumps([{"slug": c.slug, "name": c.name} for c in members]))
        rows = db.session.execute(sa.select(table).where(table.c.group_id == group.id).order_by(table.c.id)
                                  .execution_options(yield_per=EXPORT_BATCH_SIZE))
        for position, row in enumerate(rows):
            yield ("," if position else "") + json.dumps(groups.message_dict(row, slugs))
        yield "]}"


def companions_talked_to(user_id: int) -> list[Companion]:
    return list(db.session.scalars(sa.select(Companion).where(Companion.id.in_(
        sa.select(Message.companion_id).where(Message.user_id == user_id))).order_by(Companion.position, Companion.id)))


def exported_memory(user_id: int) -> list[dict]:
    facts = db.session.scalars(sa.select(MemoryFact).where(MemoryFact.user_id == user_id).order_by(MemoryFact.id))
    return [{"companion": fact.companion.slug, "kind": fact.kind, "value": fact.value,
             "created_at": isoformat(fact.created_at), "updated_at": isoformat(fact.updated_at)} for fact in facts]


def exported_photos(user_id: int) -> list[dict]:
    """Photo.data is deferred: the records are read, never the image bytes."""
    rows = db.session.execute(sa.select(Photo, Companion.slug).join(Companion, Photo.companion_id == Companion.id)
                              .where(Photo.user_id == user_id).order_by(Photo.id))
    return [{"id": photo.id, "companion": slug, "context": photo.context, "status": photo.status, "url": photo.url,
             "created_at": isoformat(photo.created_at), "completed_at": isoformat(photo.completed_at),
             "mime": photo.mime, "width": photo.width, "height": photo.height} for photo, slug in rows]
