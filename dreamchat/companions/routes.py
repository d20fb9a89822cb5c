from __future__ import annotations

import json
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Blueprint, Response, abort

from dreamchat.companions.avatar import render_avatar_svg
from dreamchat.companions.persona import Persona, load_default_personas
from dreamchat.extensions import db
from dreamchat.models import Companion

bp = Blueprint("companions", __name__, cli_group="companions")

SLUG_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


@bp.get("/companions/<slug>/avatar.svg")
def avatar(slug: str):
    companion = db.session.scalar(sa.select(Companion).where(Companion.slug == slug))
    if companion is None:
        abort(404)
    response = Response(render_avatar_svg(companion.to_persona()), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


class PersonaError(ValueError):
    pass


def validate_persona(data: object) -> Persona:
    """A persona from untrusted JSON: required fields, types, lengths and an adult age."""
    if not isinstance(data, dict):
        raise PersonaError("each companion must be a JSON object")
    required = {"slug": str, "name": str, "age": int, "tagline": str, "personality": str, "greeting": str}
    for key, kind in required.items():
        if not isinstance(data.get(key), kind) or (kind is str and not data[key].strip()):
            raise PersonaError(f"{key!r} is required ({kind.__name__})")
    slug = data["slug"]
    if len(slug) > 40 or not set(slug) <= SLUG_CHARS:
        raise PersonaError(f"slug {slug!r} must be lowercase letters, digits or dashes (40 at most)")
    if data["age"] < 18:
        raise PersonaError(f"{slug}: companions must be adults (18+)")
    for key in ("interests", "colors", "traits"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise PersonaError(f"{slug}: {key!r} must be a list of strings")
    return Persona.from_dict(data)


def upsert_personas(personas: list[Persona]) -> tuple[int, int]:
    """Create or update companions by slug; returns (created, updated)."""
    created = updated = 0
    existing = {c.slug: c for c in db.session.scalars(sa.select(Companion))}
    next_position = max((c.position for c in existing.values()), default=-1) + 1
    for persona in personas:
        companion = existing.get(persona.slug)
        if companion is None:
            companion = Companion(position=next_position)
            next_position += 1
            db.session.add(companion)
            created += 1
        else:
            updated += 1
        companion.update_from_persona(persona)
    db.session.commit()
    return created, updated


@bp.cli.command("seed")
def seed_command() -> None:
    """Create or refresh the default companions (emma, luna, sofia, zoe)."""
    created, updated = upsert_personas(load_default_personas())
    click.echo(f"companions: {created} created, {updated} updated")


@bp.cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """Import companions from a JSON file: one object or a list, in the default_companions.json shape."""
    try:
        data = json.loads(path.read_text("utf-8"))
        items = data if isinstance(data, list) else [data]
        personas = [validate_persona(item) for item in items]
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{path} is not valid JSON: {error}")
    except PersonaError as error:
        raise click.ClickException(str(error))
    created, updated = upsert_personas(personas)
    click.echo(f"companions: {created} created, {updated} updated")
