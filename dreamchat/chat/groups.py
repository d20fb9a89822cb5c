"""Group chats' pages: /groups/new (the form) and /groups/<id> (the chat, owner-only)."""
from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

import sqlalchemy as sa

from dreamchat.actions import groups
from dreamchat.chat import bp
from dreamchat.chat.routes import conversation_summaries
from dreamchat.chat.validation import clean_text_field, id_or_404, parse_id
from dreamchat.extensions import db
from dreamchat.models import Companion


class CompanionChoice(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NewGroupForm(FlaskForm):
    name = StringField("Group name", validators=[DataRequired(message="Give the group a name."), Length(max=60),
                                                clean_text_field])
    companions = CompanionChoice("Companions", coerce=int)
    submit = SubmitField("Start the group chat")

    def validate_companions(self, field) -> None:
        if not groups.MIN_MEMBERS <= len(set(field.data or [])) <= groups.MAX_MEMBERS:
            raise ValidationError(f"Pick {groups.MIN_MEMBERS} to {groups.MAX_MEMBERS} companions.")

    def validate_name(self, field) -> None:
        cap = current_app.config["MAX_GROUPS_PER_USER"]
        if cap and groups.group_count(current_user.id) >= cap:
            raise ValidationError(f"You have {cap} group chats already, the most there can be.")


def all_companions() -> list[Companion]:
    return list(db.session.scalars(sa.select(Companion).order_by(Companion.position, Companion.id)))


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def new_group():
    companions = all_companions()
    form = NewGroupForm()
    form.companions.choices = [(companion.id, companion.name) for companion in companions]
    if form.validate_on_submit():
        group = groups.create_group(current_user.id, form.name.data.strip(), list(dict.fromkeys(form.companions.data)))
        return redirect(url_for("chat.group_chat", group_id=group.id))
    status = 400 if form.is_submitted() else 200
    return render_template("chat/new_group.html", form=form, companions=companions), status


@bp.get("/groups/<group_id>")
@login_required
def group_chat(group_id: str):
    group = groups.own_group(current_user.id, id_or_404(group_id))
    if group is None:
        abort(404, description="No such group chat.")
    last_seq = current_user.last_event_seq  # before the messages: what commits between is replayed
    members = group.companions
    slugs = {companion.id: companion.slug for companion in members}
    focus = parse_id(request.args.get("message"))  # a search result: the messages around it
    page_size = current_app.config["GROUP_HISTORY_SHOWN"]
    messages = groups.history(group.id, slugs, limit=page_size, around=focus)
    if focus is not None and not any(message["id"] == focus for message in messages):
        focus = None
    sidebar_companions, last_messages, unread = conversation_summaries(current_user.id)
    return render_template("chat/group.html", group=group, members=members, focus_message=focus,
                           messages=messages, last_seq=last_seq, companion=None, current_group=group.id,
                           sidebar_companions=sidebar_companions, last_messages=last_messages, unread=unread,
                           group_chats=groups.summaries(current_user.id),
                           max_length=current_app.config["MAX_MESSAGE_LENGTH"])
