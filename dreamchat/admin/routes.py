"""The admin page: companions added from character cards, for the users named in ADMIN_USERNAMES."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

from dreamchat.companions.cards import CardError
from dreamchat.companions.routes import PersonaError, import_card
from dreamchat.extensions import db
from dreamchat.models import Companion

log = logging.getLogger(__name__)
bp = Blueprint("admin", __name__, url_prefix="/admin")


class CardUploadForm(FlaskForm):
    card = FileField("Character card (PNG or JSON)", validators=[FileRequired()])
    update = BooleanField("Replace the companion with the same name")


def is_admin(user) -> bool:
    admins = {name.strip().lower() for name in current_app.config["ADMIN_USERNAMES"].split(",") if name.strip()}
    return user.is_authenticated and user.username.lower() in admins


@bp.before_request
@login_required
def admins_only():
    if not is_admin(current_user):
        log.warning("admin page refused for user id=%s", current_user.id)
        abort(404)


@bp.get("/companions")
def companions():
    listed = db.session.scalars(sa.select(Companion).order_by(Companion.position, Companion.id)).all()
    return render_template("admin/companions.html", companions=listed, form=CardUploadForm())


@bp.post("/companions")
def upload_card():
    form = CardUploadForm()
    if not form.validate_on_submit():
        flash("Choose a character card file (PNG or JSON).", "error")
        return redirect(url_for("admin.companions"))
    upload = form.card.data
    try:
        companion, created, parsed = import_card(upload.read(), upload.filename or "", update=form.update.data)
    except (CardError, PersonaError) as error:
        db.session.rollback()
        flash(f"That card could not be imported: {error}", "error")
        return redirect(url_for("admin.companions"))
    verb = "added" if created else "updated"
    flash(f"{companion.name} was {verb}." + (f" Notes: {'; '.join(parsed.warnings)}" if parsed.warnings else ""),
          "success")
    return redirect(url_for("admin.companions"))
