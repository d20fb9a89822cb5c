"""The memory page: what each companion remembers about the user, to correct, add to or erase."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from dreamchat.actions import memory
from dreamchat.chat.validation import clean_text_field, id_or_404
from dreamchat.extensions import db
from dreamchat.models import Companion, MemoryFact

bp = Blueprint("memory", __name__)

KINDS = [("name", "Your name"), ("likes", "Something you like"), ("plans", "A plan"),
         ("dates", "An important date"), ("notes", "A note")]


class FactForm(FlaskForm):
    value = StringField("What she remembers", validators=[DataRequired(), Length(max=200), clean_text_field])


class NewFactForm(FactForm):
    companion = SelectField("Companion", validators=[DataRequired()])
    kind = SelectField("Kind", choices=KINDS, validators=[DataRequired()])


class EraseForm(FlaskForm):
    pass


def own_fact_or_404(fact_id: int) -> MemoryFact:
    fact = db.session.scalar(sa.select(MemoryFact).where(MemoryFact.id == fact_id,
                                                         MemoryFact.user_id == current_user.id))
    if fact is None:
        abort(404, description="No such memory.")
    return fact


def new_fact_form() -> NewFactForm:
    form = NewFactForm(prefix="new")
    form.companion.choices = [(c.slug, c.name) for c in db.session.scalars(
        sa.select(Companion).order_by(Companion.position, Companion.id))]
    return form


@bp.get("/memory")
@login_required
def index():
    facts = db.session.scalars(sa.select(MemoryFact).where(MemoryFact.user_id == current_user.id)
                               .order_by(MemoryFact.companion_id, MemoryFact.kind, MemoryFact.id)).all()
    by_companion: dict[Companion, list[MemoryFact]] = {}
    for fact in facts:
        by_companion.setdefault(fact.companion, []).append(fact)
    return render_template("memory/index.html", by_companion=by_companion, kinds=dict(KINDS),
                           new_form=new_fact_form(), erase_form=EraseForm())


@bp.post("/memory")
@login_required
def add():
    form = new_fact_form()
    if not form.validate_on_submit():
        flash("Give the memory a companion, a kind and a text of at most 200 characters.", "error")
        return redirect(url_for("memory.index"))
    companion = Companion.by_slug(form.companion.data)
    memory.add_fact(current_user.id, companion, form.kind.data, form.value.data)
    flash(f"{companion.name} will remember that.", "success")
    return redirect(url_for("memory.index"))


@bp.post("/memory/<fact_id>")
@login_required
def update(fact_id: str):
    fact_id = id_or_404(fact_id)
    fact = own_fact_or_404(fact_id)
    form = FactForm(prefix=f"fact-{fact_id}")
    if not form.validate_on_submit():
        flash("A memory needs a text of at most 200 characters.", "error")
        return redirect(url_for("memory.index"))
    memory.correct_fact(fact, form.value.data)
    flash("Memory corrected.", "success")
    return redirect(url_for("memory.index"))


@bp.post("/memory/<fact_id>/erase")
@login_required
def erase(fact_id: str):
    fact = own_fact_or_404(id_or_404(fact_id))
    if EraseForm().validate_on_submit():
        memory.erase_fact(fact)
        flash("Memory erased.", "success")
    return redirect(url_for("memory.index"))


@bp.post("/memory/erase-all")
@login_required
def erase_all():
    if EraseForm().validate_on_submit():
        memory.erase_all_facts(current_user.id)
        flash("Every memory is erased.", "success")
    return redirect(url_for("memory.index"))
